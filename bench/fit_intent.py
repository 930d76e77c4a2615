"""Fit the learned half of the question router (qa/answering/intent.py): a logistic
regression over a question's words and word pairs that tells a broad question (an
overview, a list, a story, "what was X like") from a factoid one where the hand-written
patterns see no sign of either.

    python bench/fit_intent.py    # ~1 minute; writes qa/models/intent.json and its card,
                                  # qa/models/intent.md

Data: ../shared/train only (CC BY-SA 4.0). Factoid: the 11,877 SQuAD questions of the 44
training articles, and the near misses of broad-questions-train.json that the patterns
leave alone (asked in the broad questions' casual style, mostly for one fact: "how tall
was chopin?"), so that style alone does not make a question broad. Broad: the 80
answerable questions of broad-questions-train.json (over 20 of those articles) and the 48
of bench/data/broad-routing.json (written for this project over the other 24). The card's
figures for broad questions count the 80 only, out of fold.
Measured by 5-fold cross-validation by article (no article's questions are scored by a
model fitted on them). The threshold sends at most FLIP of the factoid questions the
patterns leave alone to the broad route, out of fold; then the model is fitted on all
questions. Nothing from ../shared/eval is used.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from qa.answering.intent import (  # noqa: E402
    EXTRAS,
    MODEL,
    QuestionKind,
    extras,
    ngrams,
    ruled,
)

TRAIN = ROOT.parent / "shared" / "train"
CARD = MODEL.with_suffix(".md")
FOLDS = 5
FLIP = 0.01  # factoid questions the patterns leave alone that may go the broad way
MIN_ARTICLES = 5  # words of a topic say nothing of how a question is asked
C = 1.0


def data() -> tuple[list[str], np.ndarray, list[str], list[str]]:
    squad = json.loads((TRAIN / "squad-v1.1-train-44-articles.json").read_text())
    broad = json.loads((TRAIN / "broad-questions-train.json").read_text())
    questions, labels, groups = [], [], []
    for article in squad["data"]:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                questions.append(qa["question"])
                labels.append(0)
                groups.append(article["title"])
    for q in broad["questions"]:
        questions.append(q["q"])
        labels.append(1)
        groups.append(q["source"].removesuffix(".txt"))
    written = json.loads((ROOT / "bench" / "data" / "broad-routing.json").read_text())
    for q in written["questions"]:
        questions.append(q["q"])
        labels.append(2)  # broad, not counted in the figures
        groups.append(q["article"])
    near = []
    for q in broad["unanswerable"]:  # asked in the broad questions' style, mostly factoids
        if ruled(q["q"]) != QuestionKind.BROAD:
            questions.append(q["q"])
            labels.append(0)
            groups.append(q["near"].removesuffix(".txt"))
            near.append(len(questions) - 1)
    return questions, np.array(labels), groups, near


def matrix(questions: list[str], vocabulary: dict[str, int]):
    """Rows as `intent.learned` reads them: the question's known n-grams, L2-normalised,
    then the extra features."""
    from scipy.sparse import csr_matrix, hstack

    rows, cols = [], []
    for i, q in enumerate(questions):
        for j in {vocabulary[g] for g in ngrams(q) if g in vocabulary}:
            rows.append(i)
            cols.append(j)
    counts = np.bincount(rows, minlength=len(questions)).astype(float)
    values = [1.0 / math.sqrt(counts[i]) for i in rows]
    words = csr_matrix((values, (rows, cols)), shape=(len(questions), len(vocabulary)))
    return hstack([words, csr_matrix(np.array([extras(q) for q in questions]))]).tocsr()


def fit(questions: list[str], labels: np.ndarray, groups: list[str]):
    from sklearn.linear_model import LogisticRegression

    seen: dict[str, set[str]] = {}
    for q, group in zip(questions, groups):
        for g in ngrams(q):
            seen.setdefault(g, set()).add(group)
    vocabulary = {
        g: i for i, g in enumerate(sorted(g for g, a in seen.items() if len(a) >= MIN_ARTICLES))
    }
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    model.fit(matrix(questions, vocabulary), labels > 0)
    return model, vocabulary


def main() -> None:
    from sklearn.model_selection import GroupKFold

    t0 = time.time()
    questions, labels, groups, near = data()
    by_rules = np.array([ruled(q) == QuestionKind.BROAD for q in questions])
    oof = np.zeros(len(questions))
    for train, test in GroupKFold(FOLDS).split(questions, labels, groups):
        model, vocabulary = fit(
            [questions[i] for i in train], labels[train], [groups[i] for i in train]
        )
        oof[test] = model.predict_proba(matrix([questions[i] for i in test], vocabulary))[:, 1]
    squad = np.arange(len(questions)) < len(questions) - len(near)
    left = (labels == 0) & ~by_rules & squad
    threshold = float(np.quantile(oof[left], 1 - FLIP))
    missed = (labels == 1) & ~by_rules
    model, vocabulary = fit(questions, labels, groups)
    weights = model.coef_[0]
    n = len(vocabulary)
    MODEL.write_text(
        json.dumps(
            {
                "ngrams": {g: round(float(weights[i]), 5) for g, i in vocabulary.items()},
                "extras": list(EXTRAS),
                "extra_weights": [round(float(w), 5) for w in weights[n:]],
                "bias": round(float(model.intercept_[0]), 5),
                "threshold": round(threshold, 5),
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        + "\n"
    )
    near_broad = int((oof[near] > threshold).sum())
    figures = {
        "factoid": int((labels == 0).sum()),
        "broad": int((labels == 1).sum()),
        "written": int((labels == 2).sum()),
        "articles": len(set(groups)),
        "rules_broad": int(by_rules[labels == 1].sum()),
        "rules_factoid_as_broad": float(by_rules[labels == 0].mean()),
        "caught": int((oof[missed] > threshold).sum()),
        "missed": int(missed.sum()),
        "flipped": float((oof[left] > threshold).mean()),
        "near": len(near),
        "near_broad": near_broad,
        "vocabulary": n,
        "threshold": threshold,
    }
    top = sorted(vocabulary, key=lambda g: weights[vocabulary[g]])
    figures["most_broad"] = top[::-1][:12]
    figures["most_factoid"] = top[:12]
    write_card(figures)
    print(json.dumps(figures, indent=1))
    print(f"{(time.time() - t0) / 60:.1f} min")


def write_card(f: dict) -> None:
    sha = hashlib.sha256(MODEL.read_bytes()).hexdigest()
    broad_share = (f["rules_broad"] + f["caught"]) / f["broad"]
    CARD.write_text(f"""# intent

Whether a question is broad (an overview, a list, causes, a story, "what was X like")
when the hand-written patterns of `qa/answering/intent.py` see no sign of it: a logistic
regression over the question's lowercased words and word pairs ({f["vocabulary"]:,}, each
asked about at least {MIN_ARTICLES} articles: how a question is asked, not its topic)
and its length. A question it scores above
{f["threshold"]:.3f} is answered with several sentences instead of one.

- **Made by**: `python bench/fit_intent.py` (scikit-learn `LogisticRegression`, C={C},
  classes balanced).
- **Data**: {f["factoid"]:,} questions for one fact (the SQuAD v1.1 training questions and
  {f["near"]} near misses of the broad training questions) and {f["broad"]} broad questions, over
  {f["articles"]} articles in `../shared/train` (CC BY-SA 4.0), and {f["written"]} broad questions
  written for this project over the articles that have none (`bench/data/broad-routing.json`).
  No evaluation set is fitted on or chosen with.
- **Threshold**: out of fold, at most {FLIP:.0%} of the factoid questions the patterns
  leave alone are sent the broad way.
- **Licence**: the weights are the project's; the data is CC BY-SA 4.0.
- **sha256** of `intent.json`: `{sha}`.

| {FOLDS}-fold cross-validation by article | value |
|---|---|
| broad questions the patterns route as broad | {f["rules_broad"]} of {f["broad"]} |
| of the {f["missed"]} they miss, this model routes as broad | {f["caught"]} |
| broad questions routed as broad, in all | {broad_share:.3f} |
| factoid questions the patterns route as broad | {f["rules_factoid_as_broad"]:.3f} |
| factoid questions the patterns leave alone, sent broad by this model | {f["flipped"]:.3f} |
| near misses the patterns leave alone ("how tall was chopin?"), sent broad by this model \
| {f["near_broad"]} of {f["near"]} |

Word pairs that weigh most towards broad: {", ".join(f"`{g}`" for g in f["most_broad"])};
towards factoid: {", ".join(f"`{g}`" for g in f["most_factoid"])}.
""")


if __name__ == "__main__":
    main()
