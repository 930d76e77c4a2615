"""Retrieval configurations on a SQuAD file: one JSON line per configuration.

Usage: python bench/retrieval_sweep.py FILE INDEX_DIR [--chunk-size N --chunk-overlap N]
Builds (or reuses) the index in INDEX_DIR, then scores each retriever/fusion setting.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from qa.config import ChunkSettings, offline_environment
from qa.embeddings import SentenceTransformerEmbeddings
from qa.eval.squad import RECALL_AT, build_index, load_squad
from qa.index import Index
from qa.retrieval import search_documents


def score(questions, index, embedder, **kw):
    ranks = []
    t = time.perf_counter()
    for q in questions:
        sources = [h.source for h in search_documents(q.question, index, embedder, 10, **kw)]
        ranks.append(sources.index(q.document) + 1 if q.document in sources else None)
    n = len(ranks)
    out = {"mrr": round(sum(1 / r for r in ranks if r) / n, 4)}
    out.update(
        {f"recall@{k}": round(sum(1 for r in ranks if r and r <= k) / n, 4) for k in RECALL_AT}
    )
    out["ms_per_query"] = round(1000 * (time.perf_counter() - t) / n, 1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("index_dir")
    ap.add_argument("--chunk-size", type=int, default=800)
    ap.add_argument("--chunk-overlap", type=int, default=100)
    ap.add_argument(
        "--configs", default="dense;lexical;hybrid:rrf;hybrid:weighted:0.3;hybrid:weighted:0.5"
    )
    args = ap.parse_args()
    offline_environment()
    paragraphs, questions = load_squad(Path(args.file))
    embedder = SentenceTransformerEmbeddings()
    index = Index(Path(args.index_dir) / "index")
    if not index.exists() or index.info().documents == 0:
        index = build_index(
            paragraphs,
            Path(args.index_dir),
            embedder,
            ChunkSettings(args.chunk_size, args.chunk_overlap),
        )
    for config in args.configs.split(";"):
        parts = config.split(":")
        kw = {"retriever": parts[0]}
        if len(parts) > 1:
            kw["fusion"] = parts[1]
        if len(parts) > 2:
            kw["dense_weight"] = float(parts[2])
        row = {
            "config": config,
            "chunk_size": args.chunk_size,
            "chunk_overlap": args.chunk_overlap,
            "chunks": index.info().chunks,
            **score(questions, index, embedder, **kw),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
