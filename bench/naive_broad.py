"""The naive reference pipeline (bench/naive.py: LangChain's HuggingFace embeddings,
Chroma, the top 4 chunks stuffed into a prompt to the same bundled model) on the broad
question set, scored with the measures `qa eval` uses for broad questions.

Run: .venv/bin/python bench/naive_broad.py   (needs the bench extra; ~2 minutes)
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import naive  # noqa: E402  (sets the offline environment before its imports)

from qa.eval.broad import corpus_paths, fact_coverage, load_broad, readable  # noqa: E402
from qa.eval.squad import percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
DECLINES = re.compile(r"don'?t know|do not know|not (?:mentioned|provided)|no information", re.I)


def main() -> None:
    from langchain_community.llms import LlamaCpp
    from langchain_community.vectorstores import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from qa.llms import local_model_path

    questions = load_broad(SHARED / "broad-questions-dev.json")
    with tempfile.TemporaryDirectory() as tmp:
        roots = corpus_paths([ROOT / "seeds", SHARED / "squad-v1.1-dev-8-articles.json"], Path(tmp))
        from langchain_core.documents import Document

        docs = [
            Document(page_content=f.read_text(), metadata={"source": f.name})
            for root in roots
            for f in sorted(root.glob("*.txt"))
        ]
        chunks = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=100).split_documents(
            docs
        )
        db = Chroma.from_documents(chunks, naive.embeddings(), persist_directory=f"{tmp}/chroma")
        llm = LlamaCpp(
            model_path=str(local_model_path()),
            n_ctx=2048,
            max_tokens=200,
            temperature=0,
            verbose=False,
            n_threads=1,
        )
        coverage, full, ok, words, latencies, declined = [], [], [], [], [], []
        for q in questions:
            t = time.perf_counter()
            context = "\n\n".join(d.page_content for d in db.similarity_search(q.question, k=4))
            answer = llm.invoke(naive.PROMPT.format(context=context, question=q.question)).strip()
            latencies.append(time.perf_counter() - t)
            if not q.answerable:
                declined.append(bool(DECLINES.search(answer)))
                continue
            share = fact_coverage(answer, q.facts)
            coverage.append(share)
            full.append(share == 1.0)
            ok.append(readable(answer))
            words.append(len(answer.split()))
    n = len(coverage)
    print(
        json.dumps(
            {
                "pipeline": "naive (bench/naive.py)",
                "fact_coverage": round(sum(coverage) / n, 4),
                "full_coverage": round(sum(full) / n, 4),
                "readable": round(sum(ok) / n, 4),
                "mean_words": round(sum(words) / n, 1),
                "unanswerable_abstained": f"{sum(declined)}/{len(declined)}",
                "latency_p50_s": round(percentile(latencies, 0.5), 3),
                "latency_p95_s": round(percentile(latencies, 0.95), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
