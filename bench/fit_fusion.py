"""Check the hybrid fusion weights (qa/retrieval.py SENTENCE_WEIGHTS, chosen on the
development set) on articles nobody tuned for: the weights that rank the training
articles' questions best, and how both sets of weights rank the validation articles'.

    python bench/fit_fusion.py      # ~15 minutes on 2 cores (two indexes, 1,600 searches)

The split is bench/train_ranker.py's (32 training, 12 validation articles of
../shared/train, by article); each paragraph is a document, as `qa eval` indexes a SQuAD
file, and MRR is over documents, as `qa eval` measures it. The grid is every weighting in
steps of 0.1 that sums to 1.
"""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import train_ranker  # noqa: E402

import qa.retrieval as retrieval  # noqa: E402
from qa.embeddings import default_embedder  # noqa: E402
from qa.eval.squad import Sampling  # noqa: E402

WORK = train_ranker.WORK
SAMPLES = {"train": (1000, 7), "val": (600, 1)}


def components(which: str, embedder) -> list[tuple[str, list[str], np.ndarray]]:
    """Per question: its gold document, and each candidate chunk's document and four
    fusion components (dense, BM25, best sentence similarity, best sentence overlap)."""
    questions, index = train_ranker.split_index(which, embedder)
    n, seed = SAMPLES[which]
    seen: dict = {}
    fuse = retrieval._fuse

    def spy(fusion, candidates, dense, lexical, matches, dense_weight):
        seen.update(c=candidates, d=dense, lx=lexical, m=matches)
        return fuse(fusion, candidates, dense, lexical, matches, dense_weight)

    retrieval._fuse = spy
    rows = []
    try:
        for q in Sampling(sample=n, seed=seed).pick(questions):
            retrieval.search(q.question, index, embedder, 5)
            d, lx = retrieval.normalise(seen["d"]), retrieval.normalise(seen["lx"])
            chunks = index.get_chunks(seen["c"])
            ids = [i for i in seen["c"] if i in chunks]
            x = [
                (
                    d.get(i, 0.0),
                    lx.get(i, 0.0),
                    max((m.similarity for m in seen["m"].get(i, [])), default=0.0),
                    max((m.overlap for m in seen["m"].get(i, [])), default=0.0),
                )
                for i in ids
            ]
            rows.append((q.document, [chunks[i].source for i in ids], np.asarray(x)))
    finally:
        retrieval._fuse = fuse
    return rows


def mrr(rows, weights) -> float:
    w = np.asarray(weights)
    total = 0.0
    for doc, sources, x in rows:
        ranked = list(dict.fromkeys(sources[i] for i in np.argsort(-(x @ w), kind="stable")))
        total += 1 / (ranked.index(doc) + 1) if doc in ranked[:10] else 0.0
    return total / len(rows)


def main() -> None:
    random.seed(0)
    embedder = default_embedder()
    train, val = components("train", embedder), components("val", embedder)
    steps = [round(0.1 * i, 1) for i in range(11)]
    grid = [
        (a, b, c, round(1 - a - b - c, 1))
        for a, b, c in itertools.product(steps, steps, steps)
        if a + b + c <= 1.0 + 1e-9
    ]
    best = max(grid, key=lambda w: mrr(train, w))
    today = retrieval.SENTENCE_WEIGHTS
    print(f"{'weights':<28} {'train MRR':>10} {'validation MRR':>15}")
    for name, w in [(f"today's {today}", today), (f"best on train {best}", best)]:
        print(f"{name:<28} {mrr(train, w):>10.4f} {mrr(val, w):>15.4f}")


if __name__ == "__main__":
    main()
