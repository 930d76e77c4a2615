"""Scale: ingest ~100,000 chunks generated from the development set, then measure peak
memory, warm retrieval latency and an unchanged re-ingest. Appends to bench/RESULTS.md.

    python bench/scale.py [TARGET_CHUNKS]      (default 100000; ~17 min on 2 cores)
"""

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "squad-v1.1-dev-8-articles.json"


def main():
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    sys.path.insert(0, str(ROOT))
    from qa.eval.squad import load_squad

    paragraphs, questions = load_squad(DEV)
    texts = list(paragraphs.values())
    work = Path(os.environ.get("SCALE_DIR") or tempfile.mkdtemp(prefix="qa-scale-"))
    corpus = work / "corpus"
    # ~1.47 chunks a paragraph at 800/100: vary article and paragraph numbers per copy.
    n_files = int(target / 1.47)
    rng = random.Random(0)
    for i in range(n_files):
        f = corpus / f"a{i // 1000:03d}" / f"p{i:06d}.txt"
        if f.exists():
            continue
        f.parent.mkdir(parents=True, exist_ok=True)
        text = texts[i % len(texts)]
        f.write_text(
            f"Article {i // len(texts)}, paragraph {i}. {text} (Copy {rng.randint(0, 10**6)}.)"
        )
    env = {**os.environ, "QA_INDEX": str(work / "index")}
    qa = [sys.executable, "-m", "qa"]

    t = time.perf_counter()
    proc = subprocess.Popen(
        qa + ["ingest", str(corpus), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    ingest_wall = time.perf_counter() - t
    report = json.loads(out)
    peak_mb = usage.ru_maxrss / 1024

    t = time.perf_counter()
    subprocess.run(qa + ["ingest", str(corpus), "--json"], env=env, check=True, capture_output=True)
    reingest = time.perf_counter() - t

    os.environ["QA_INDEX"] = str(work / "index")
    from qa.embeddings import default_embedder
    from qa.index import Index
    from qa.retrieval import search

    index, embedder = Index(work / "index"), default_embedder()
    qs = [q.question for q in random.Random(1).sample(questions, 60)]
    search(qs[0], index, embedder, 4)  # warm
    lat = []
    for q in qs[1:]:
        t = time.perf_counter()
        search(q, index, embedder, 4)
        lat.append(time.perf_counter() - t)
    chunks = index.info().chunks
    lines = [
        "",
        "## Scale",
        "",
        f"`python bench/scale.py {target}`: {report['files']} files, {chunks} chunks.",
        "",
        "| figure | measured | target |",
        "|---|---|---|",
        f"| ingest, {chunks} chunks | {ingest_wall / 60:.1f} min "
        f"({report['chunks_added'] / report['seconds']:.1f} chunks/s) | |",
        f"| peak memory of that ingest | {peak_mb:.0f} MB | < 2048 MB |",
        f"| `search` retrieval, warm process, p50 / p95 (59 questions) | "
        f"{1000 * statistics.median(lat):.0f} / {1000 * sorted(lat)[int(0.95 * len(lat))]:.0f} ms"
        " | p50 ≤ 100 ms |",
        f"| re-ingest, nothing changed | {reingest:.1f} s | ≤ 30 s |",
        "",
    ]
    with open(ROOT / "bench" / "RESULTS.md", "a") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
