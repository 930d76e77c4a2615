"""What the relevance model adds to a question's time, on the seed index, on this machine.

    python bench/rerank.py        # ~1 minute; prints a Markdown table

In one process (the model loaded), each question is asked RUNS times with the model and
without, alternating; the table gives the medians and the difference. Also: the model
alone on 8 passages, what it adds to a broad answer by default (reading its best
sentences, `RELEVANCE_POOL`, against none), and a cold `qa search` with and without it
(the load included).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

QUESTIONS = [
    "what did India and Russia agree on defence?",  # broad
    "how many assault rifles will be made?",  # factoid, a span
    "what is Russia's role in India's security?",  # factoid, the bundled model points
    "who is the Russian president?",
]
BROAD = [
    "what did India and Russia agree on defence?",
    "why did Putin visit India?",
    "how are India and Russia cooperating on energy?",
    "what came out of the summit?",
]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))


def main() -> None:
    from qa.answering import AskOptions, ask
    from qa.embeddings import default_embedder
    from qa.index import Index
    from qa.ingest import ingest
    from qa.ranker import default_ranker
    from qa.retrieval import RERANK_POOL, search

    work = Path(tempfile.mkdtemp(prefix="qa-rerank-"))
    index = Index(work / "index")
    embedder = default_embedder()
    ingest([ROOT / "seeds"], index, embedder)
    ranker = default_ranker()
    on, off = AskOptions(rerank=True), AskOptions(rerank=False)
    for q in QUESTIONS:  # warm: models loaded, caches filled
        ask(q, index, embedder, "local", on)
        ask(q, index, embedder, "local", off)
    print("| question | p50 without | p50 with | added |")
    print("|---|---|---|---|")
    added = []
    for q in QUESTIONS:
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(RUNS):
            for flag, options in ((True, on), (False, off)):
                t = time.perf_counter()
                ask(q, index, embedder, "local", options)
                times[flag].append(time.perf_counter() - t)
        with_, without = statistics.median(times[True]), statistics.median(times[False])
        added.append(with_ - without)
        print(
            f"| {q} | {without * 1000:.0f} ms | {with_ * 1000:.0f} ms | "
            f"{(with_ - without) * 1000:+.0f} ms |"
        )
    hits = search(QUESTIONS[0], index, embedder, RERANK_POOL, spread=False, with_sentences=False)
    passages = [h.text for h in hits]
    alone = []
    for _ in range(RUNS):
        t = time.perf_counter()
        ranker.score(QUESTIONS[0], passages)
        alone.append(time.perf_counter() - t)
    print(
        f"\nadded p50 over the questions: {statistics.median(added) * 1000:.0f} ms; "
        f"the model alone on {len(passages)} passages: {statistics.median(alone) * 1000:.0f} ms"
    )
    from qa.answering import extractive

    pool = extractive.RELEVANCE_POOL
    broad: dict[int, list[float]] = {0: [], pool: []}
    for _ in range(RUNS):
        for q in BROAD:
            for n in broad:
                extractive.RELEVANCE_POOL = n
                t = time.perf_counter()
                ask(q, index, embedder, "local", off)
                broad[n].append(time.perf_counter() - t)
    extractive.RELEVANCE_POOL = pool
    print(
        f"broad answers, {len(BROAD)} questions (default, no --rerank): "
        f"{statistics.median(broad[0]) * 1000:.0f} ms without reading sentences, "
        f"{statistics.median(broad[pool]) * 1000:.0f} ms reading the best {pool} (p50)"
    )
    env = {**os.environ, "QA_INDEX": str(work / "index"), "HF_HUB_OFFLINE": "1"}
    for flag in ("--rerank", "--no-rerank"):
        walls = []
        for _ in range(max(3, RUNS // 2)):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "qa", "search", "assault rifles", flag],
                env=env,
                check=True,
                capture_output=True,
            )
            walls.append(time.perf_counter() - t)
        print(f"cold `qa search {flag}`: {statistics.median(walls):.2f} s (median)")


if __name__ == "__main__":
    main()
