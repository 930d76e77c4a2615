"""Choose the broad-answer settings on the training questions, not the development ones:
a grid over the composition constants of qa/answering/extractive.py and pipeline.BROAD_K,
each setting scored on the broad training questions (key-fact coverage), and the choice
checked by cross-validation by article: for each fold, the setting best on the other
articles is scored on this fold's, against the settings in the code today.

    python bench/broad_sweep.py     # ~10 minutes on 2 cores; prints the table

Index: the 44 training articles, one file each (build/abstention/, as bench/abstention.py
builds it). Questions: the 80 answerable ones of ../shared/train/broad-questions-train.json
(over 20 articles). Each is asked with `--llm extractive` as `qa ask` asks it, whatever its
routing. Nothing from ../shared/eval is used.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from abstention import TRAIN, index  # noqa: E402

from qa.answering import extractive, pipeline  # noqa: E402
from qa.embeddings import default_embedder  # noqa: E402
from qa.eval.broad import fact_coverage, load_broad  # noqa: E402

GRID = {  # module, constant: values
    (pipeline, "BROAD_K"): (4, 8, 12),
    (extractive, "CUE_WEIGHT"): (0.0, 0.1, 0.2, 0.4),
    (extractive, "BROAD_DROP"): (0.3, 0.5, 9.0),
}
FOLDS = 5


def main() -> None:
    t0 = time.time()
    embedder = default_embedder()
    idx = index(embedder)
    questions = [q for q in load_broad(TRAIN / "broad-questions-train.json") or [] if q.answerable]
    articles = sorted({q.source for q in questions})
    fold = {a: n % FOLDS for n, a in enumerate(articles)}
    today = tuple(getattr(m, name) for m, name in GRID)
    settings = list(itertools.product(*GRID.values()))
    scores = np.zeros((len(settings), len(questions)))
    for s, values in enumerate(settings):
        for (module, name), value in zip(GRID, values):
            setattr(module, name, value)
        for i, q in enumerate(questions):
            a = pipeline.ask(q.question, idx, embedder, "extractive")
            scores[s, i] = 0.0 if a.abstained else fact_coverage(a.answer, q.facts)
    for (module, name), value in zip(GRID, today):
        setattr(module, name, value)
    folds = np.array([fold[q.source] for q in questions])
    chosen, held = [], []
    for f in range(FOLDS):
        best = int(np.argmax(scores[:, folds != f].mean(axis=1)))
        chosen.append(settings[best])
        held.append(scores[best, folds == f])
    now = settings.index(today)
    names = [name for _, name in GRID]
    best = int(np.argmax(scores.mean(axis=1)))
    report = {
        "questions": len(questions),
        "settings": len(settings),
        "today": dict(zip(names, today)),
        "today_coverage": round(float(scores[now].mean()), 4),
        "cross_validated_choice_coverage": round(float(np.concatenate(held).mean()), 4),
        "chosen_per_fold": [dict(zip(names, c)) for c in chosen],
        "best_on_all": dict(zip(names, settings[best])),
        "best_on_all_coverage": round(float(scores[best].mean()), 4),
        "one_at_a_time": {
            name: {
                str(v): round(
                    float(
                        scores[
                            settings.index(tuple(v if j == k else t for j, t in enumerate(today)))
                        ].mean()
                    ),
                    4,
                )
                for v in values
            }
            for k, (name, values) in enumerate(zip(names, GRID.values()))
        },
    }
    print(json.dumps(report, indent=1))
    print(f"{(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
