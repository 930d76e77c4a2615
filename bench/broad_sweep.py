"""Broad questions: where the key facts are lost (retrieval or selection), and how the
composition settings trade coverage against length. Reuses an index built by
`qa eval ../shared/eval/broad-questions-dev.json --corpus ... --index DIR`.

Run: .venv/bin/python bench/broad_sweep.py DIR
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from qa.answering import extractive as compose
from qa.answering import pipeline as answer
from qa.embeddings import default_embedder
from qa.eval.broad import evaluate_broad, load_broad
from qa.index import Index
from qa.retrieval import search

QUESTIONS = Path(__file__).resolve().parents[2] / "shared/eval/broad-questions-dev.json"


def ceiling(questions, index, embedder, k: int) -> float:
    """Fact coverage if every sentence of the top-k passages were shown (no word limit)."""
    shares = []
    for q in questions:
        if not q.answerable:
            continue
        hits = search(q.question, index, embedder, k, spread=False)
        text = " ".join(h.text for h in hits).lower()
        shares.append(sum(any(kw.lower() in text for kw in f) for f in q.facts) / len(q.facts))
    return round(sum(shares) / len(shares), 3)


def main() -> None:
    index = Index(Path(sys.argv[1]) / "index")
    embedder = default_embedder()
    questions = load_broad(QUESTIONS)
    for k in (4, 8, 12, 16):
        print(f"retrieval ceiling, top {k} passages: {ceiling(questions, index, embedder, k)}")
    grid = {  # what compose.broad and answer.ask read
        "BROAD_K": (4, 8, 12),
        "SPECIFICITY_WEIGHT": (0.0, 0.1, 0.2, 0.3),
        "BROAD_DROP": (0.3, 0.5, 9.0),
    }
    for values in itertools.product(*grid.values()):
        setting = dict(zip(grid, values))
        answer.BROAD_K = setting["BROAD_K"]
        compose.SPECIFICITY_WEIGHT = setting["SPECIFICITY_WEIGHT"]
        compose.BROAD_DROP = setting["BROAD_DROP"]
        r = evaluate_broad(questions, index, embedder, llm="extractive")
        print(
            setting,
            {key: r[key] for key in ("fact_coverage", "full_coverage", "mean_words", "readable")},
        )


if __name__ == "__main__":
    main()
