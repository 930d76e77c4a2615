"""Fit the factoid evidence model (qa/answering/selection.py): a logistic regression that
picks, among a question's best candidate sentences, the one holding the answer.

    python bench/fit_evidence.py    # ~10 minutes on 2 cores; writes qa/models/evidence.json
                                    # and its card, qa/models/evidence.md

Data: ../shared/train only (CC BY-SA 4.0): 2,000 questions of bench/train_ranker.py's 32
training articles and 600 of its 12 validation articles, each retrieved as `ask`
retrieves them from the articles indexed by paragraph (as `qa eval` indexes a SQuAD
file). A candidate is a positive when it holds a gold answer. Measured by 4-fold
cross-validation by article (no article's questions are scored by a model fitted on
them); then fitted on all 44 articles. Nothing from ../shared/eval is used.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import train_ranker  # noqa: E402

from qa.answering.pipeline import candidates  # noqa: E402
from qa.answering.selection import FEATURES, MODEL, features  # noqa: E402
from qa.config import DEFAULT_K  # noqa: E402
from qa.embeddings import default_embedder  # noqa: E402
from qa.eval.metrics import contains_gold  # noqa: E402
from qa.eval.squad import Sampling  # noqa: E402
from qa.retrieval import search  # noqa: E402

WORK = train_ranker.WORK
CARD = MODEL.with_suffix(".md")
POOL = 15  # candidates the model reads: the best by similarity plus overlap
SAMPLES = {"train": (2000, 7), "val": (600, 1)}
FOLDS = 4
C = 1.0  # inverse L2 strength (sklearn's default)


def questions(which: str, embedder) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """Per question: its article, its candidates' features, their labels (holds a gold
    answer) and their order today (similarity plus overlap)."""
    qs, index = train_ranker.split_index(which, embedder)
    n, seed = SAMPLES[which]
    out = []
    for q in Sampling(sample=n, seed=seed).pick(qs):
        scored = candidates(q.question, search(q.question, index, embedder, DEFAULT_K))[:POOL]
        if not scored:
            continue
        x = np.array([features(q.question, e) for e in scored])
        y = np.array([contains_gold(e.text, q.answers) > 0 for e in scored])
        words = np.array([len(e.text.split()) for e in scored])
        out.append((q.document.split("/")[1], x, y, np.array([e.score for e in scored]), words))
    return out


def fit(rows):
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([r[1] for r in rows])
    y = np.concatenate([r[2] for r in rows])
    return LogisticRegression(C=C, max_iter=5000).fit(x, y)


def picked(rows, score, column: int = 2) -> np.ndarray:
    """Per question, the top candidate by `score`: whether it holds the answer (or another
    column: 4 is its length in words)."""
    return np.array([r[column][int(np.argmax(score(r)))] for r in rows], dtype=float)


def main() -> None:
    t0 = time.time()
    embedder = default_embedder()
    rows = questions("train", embedder) + questions("val", embedder)
    articles = sorted({r[0] for r in rows})
    random.Random(3).shuffle(articles)
    today, learned, words_today, words_learned = [], [], [], []
    for k in range(FOLDS):
        held = set(articles[k::FOLDS])
        model = fit([r for r in rows if r[0] not in held])
        test = [r for r in rows if r[0] in held]
        today.append(picked(test, lambda r: r[3]))
        learned.append(picked(test, lambda r, m=model: m.decision_function(r[1])))
        words_today.append(picked(test, lambda r: r[3], 4))
        words_learned.append(picked(test, lambda r, m=model: m.decision_function(r[1]), 4))
    a, b = np.concatenate(today), np.concatenate(learned)
    diff = b - a
    model = fit(rows)
    MODEL.write_text(
        json.dumps(
            {
                "features": list(FEATURES),
                "weights": [round(float(w), 6) for w in model.coef_[0]],
                "bias": round(float(model.intercept_[0]), 6),
                "pool": POOL,
            },
            indent=1,
        )
        + "\n"
    )
    figures = {
        "questions": len(rows),
        "articles": len(articles),
        "today": float(a.mean()),
        "learned": float(b.mean()),
        "gain": float(diff.mean()),
        "se": float(diff.std() / math.sqrt(len(diff))),
        "better": int((diff > 0).sum()),
        "worse": int((diff < 0).sum()),
        "oracle": float(np.mean([r[2].any() for r in rows])),
        "words_today": float(np.concatenate(words_today).mean()),
        "words_learned": float(np.concatenate(words_learned).mean()),
    }
    write_card(figures)
    print(json.dumps(figures, indent=1))
    print(f"{(time.time() - t0) / 60:.1f} min")


def write_card(f: dict) -> None:
    data = json.loads(MODEL.read_text())
    weights = ", ".join(f"{n} {w:+.3f}" for n, w in zip(data["features"], data["weights"]))
    sha = hashlib.sha256(MODEL.read_bytes()).hexdigest()
    CARD.write_text(f"""# evidence

Which of a factoid question's candidate sentences holds the answer: a logistic
regression over six features of each of the best {POOL} candidates (by similarity plus
word overlap), used by `qa ask` for factoid questions (`qa/answering/selection.py`). It
replaces the similarity-plus-overlap order for choosing the sentence; that order still
ranks the candidates and decides abstention (`--min-score`).

- **Made by**: `python bench/fit_evidence.py` (scikit-learn `LogisticRegression`, C={C}).
- **Data**: {f["questions"]} SQuAD v1.1 training questions of {f["articles"]} articles in
  `../shared/train` (CC BY-SA 4.0), retrieved as `qa ask` retrieves them; a candidate is
  a positive when it holds a gold answer. No evaluation set is fitted on or chosen with.
- **Weights**: {weights}; bias {data["bias"]:+.3f}.
- **Licence**: the weights are the project's; the data is CC BY-SA 4.0.
- **sha256** of `evidence.json`: `{sha}`.

| {FOLDS}-fold cross-validation by article ({f["questions"]} questions) | value |
|---|---|
| the chosen sentence holds the answer: similarity + overlap (before) | {f["today"]:.3f} |
| the chosen sentence holds the answer: this model | {f["learned"]:.3f} |
| gain (± standard error) | {f["gain"]:+.3f} (± {f["se"]:.3f}) |
| right where the old order was wrong, and the reverse | {f["better"]}, {f["worse"]} |
| some candidate holds the answer (the ceiling) | {f["oracle"]:.3f} |
| words in the chosen sentence, mean: before, this model | {f["words_today"]:.1f}, \
{f["words_learned"]:.1f} |
""")


if __name__ == "__main__":
    main()
