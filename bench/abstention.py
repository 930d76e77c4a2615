"""Measure the money check of `ask` (qa/answering/abstention.py `amount_missing`) on the
training data: what it declines that nothing else would, among questions the documents
cannot answer and among questions they can.

    python bench/abstention.py      # ~5 minutes on 2 cores (the index, then ~300 questions)

Index: the 44 training articles of ../shared/train, one file each (as the broad questions
are asked), in build/abstention/. Questions:
- the 35 unanswerable near misses of broad-questions-train.json (the article is indexed,
  the fact asked for is not in it);
- every SQuAD question of the 44 articles that the check could apply to (it asks for a
  sum of money): the check never fires on any other question, so its count over these is
  its count over all 11,877.
For each: whether `ask` would decline before the check (the `--min-score` floor, a name
the documents never mention), and whether the check declines it.
Nothing from ../shared/eval is used.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from qa.answering.abstention import _ASKS_MONEY, amount_missing, unmentioned  # noqa: E402
from qa.answering.intent import QuestionKind, classify  # noqa: E402
from qa.answering.options import AskOptions  # noqa: E402
from qa.answering.pipeline import BROAD_K, BROAD_MIN_SCORE_OFFSET, candidates  # noqa: E402
from qa.config import DEFAULT_K, ChunkSettings  # noqa: E402
from qa.embeddings import default_embedder  # noqa: E402
from qa.eval.broad import corpus_paths  # noqa: E402
from qa.index import Index  # noqa: E402
from qa.retrieval import search  # noqa: E402

TRAIN = ROOT.parent / "shared" / "train"
WORK = ROOT / "build" / "abstention"


def index(embedder) -> Index:
    from qa.ingest import ingest

    idx = Index(WORK / "index")
    if not idx.exists() or idx.info().documents == 0:
        roots = corpus_paths([TRAIN / "squad-v1.1-train-44-articles.json"], WORK)
        ingest(roots, idx, embedder, ChunkSettings())
    return idx


def decide(question: str, idx: Index, embedder) -> tuple[bool, bool]:
    """(declined before the money check, declined by it), as `ask` decides."""
    broad = classify(question).kind == QuestionKind.BROAD
    hits = search(question, idx, embedder, BROAD_K if broad else DEFAULT_K, spread=False)
    scored = candidates(question, hits)
    floor = AskOptions().min_score - (BROAD_MIN_SCORE_OFFSET if broad else 0.0)
    before = not scored or scored[0].score < floor
    before = before or bool(
        unmentioned(
            question,
            [h.text for h in hits],
            lambda p: idx.mentions(p, None),
            broad,
            lambda p: idx.mentions(p, sorted({h.path for h in hits})),
        )
    )
    return before, amount_missing(question, [e.text for e in scored])


def main() -> None:
    t0 = time.time()
    embedder = default_embedder()
    idx = index(embedder)
    broad = json.loads((TRAIN / "broad-questions-train.json").read_text())
    squad = json.loads((TRAIN / "squad-v1.1-train-44-articles.json").read_text())
    asked = [
        qa["question"]
        for a in squad["data"]
        for p in a["paragraphs"]
        for qa in p["qas"]
        if _ASKS_MONEY.search(qa["question"])
    ]
    total = sum(len(p["qas"]) for a in squad["data"] for p in a["paragraphs"])
    report = {}
    for name, questions in [
        ("near misses (unanswerable)", [q["q"] for q in broad["unanswerable"]]),
        (f"SQuAD questions asking for money (answerable; of {total})", asked),
    ]:
        seen = [decide(q, idx, embedder) for q in questions]
        only = [q for q, (before, now) in zip(questions, seen) if now and not before]
        report[name] = {
            "questions": len(questions),
            "declined before": sum(before for before, _ in seen),
            "declined by the money check alone": len(only),
            "those": only,
        }
    print(json.dumps(report, indent=1))
    print(f"{(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
