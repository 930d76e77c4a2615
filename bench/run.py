"""One command for the speed and memory figures: `make bench` (or `python bench/run.py`).

Runs every measurement in fresh processes (cold start), on temporary indexes, and
rewrites the part of bench/RESULTS.md between the bench markers. Also runs the naive
reference pipeline (bench/naive.py) on the same seed content and questions.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
QA = [PY, "-m", "qa"]
QUESTION = "what did India and Russia agree on defence?"  # a broad question
FACTOID = "what is Russia's role in India's security?"  # goes to the bundled model
SEED = "seeds/000_367919e9dc5d7af7.txt"
BROAD = ROOT.parent / "shared" / "eval" / "broad-questions-dev.json"
DEV = ROOT.parent / "shared" / "eval" / "squad-v1.1-dev-8-articles.json"
RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def timed(cmd, env=None, stdin=None) -> tuple[float, float, str]:
    """Wall seconds, peak memory (MB) and stdout of one fresh process."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    if stdin:
        proc.stdin.write(stdin)
        proc.stdin.close()
    out = proc.stdout.read()
    proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}")
    return wall, usage.ru_maxrss / 1024, out


def repeat(cmd, n, env=None):
    runs = [timed(cmd, env) for _ in range(n)]
    return [r[0] for r in runs], [r[1] for r in runs], runs[-1][2]


def stats(values, unit="s", digits=2):
    return (
        f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / "
        f"{max(values):.{digits}f} {unit}"
    )


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    env = {**os.environ, "QA_INDEX": str(work / "seed-index"), "HF_HUB_OFFLINE": "1"}
    rows: list[tuple[str, str, str, str]] = []  # figure, min/median/max, target, vs naive
    n = int(os.environ.get("BENCH_RUNS", "5"))

    subprocess.run(QA + ["ingest", str(ROOT / "seeds")], env=env, check=True, capture_output=True)
    subprocess.run(
        [PY, str(ROOT / "bench" / "naive.py"), "build", str(ROOT / "seeds"), str(work / "naive")],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    naive_wall, naive_mem, naive_out = repeat(
        [PY, str(ROOT / "bench" / "naive.py"), "ask", str(work / "naive"), QUESTION], max(3, n // 2)
    )
    naive = statistics.median(naive_wall)

    help_wall, _, _ = repeat(QA + ["--help"], n, env)
    rows.append(("`qa --help`", stats(help_wall), "≤ 0.3 s", ""))
    for label, args, target in [
        ("`qa search` (cold process)", ["search", "assault rifles"], "≤ 1.0 s"),
        ("`qa ask --llm extractive` (cold)", ["ask", QUESTION, "--llm", "extractive"], "≤ 1.5 s"),
        ("`qa ask`, a broad question (cold, default)", ["ask", QUESTION], "≤ 2.5 s"),
        ("`qa ask`, a factoid the bundled model points at (cold)", ["ask", FACTOID], "≤ 2.5 s"),
        ("`qa summarize` of the seed article (cold)", ["summarize", SEED], "≤ 2.5 s"),
    ]:
        wall, mem, out = repeat(QA + args, n, env)
        ratio = f"{statistics.median(wall) / naive:.2f}× the naive time" if "ask" in args else ""
        rows.append((label, stats(wall), target, ratio))
        if args == ["ask", QUESTION]:
            rows.append(
                (
                    "peak memory of `qa ask`",
                    stats(mem, "MB", 0),
                    "≤ 1024 MB",
                    f"{statistics.median(mem) / statistics.median(naive_mem):.2f}× naive",
                )
            )
            local_answer = out.strip().splitlines()[0]

    chat_in = (
        "\n".join(
            [
                QUESTION,
                "and what about trade?",
                "what about energy?",
                "who did Putin meet in Geneva?",
            ]
        )
        + "\n"
    )
    _, _, out = timed(QA + ["chat", "--json"], env, stdin=chat_in)
    turns = [json.loads(line)["timings"]["total"] for line in out.splitlines() if line.strip()]
    rows.append(("chat turn after the first (in process)", stats(turns[1:]), "≤ 1.0 s", ""))
    rows.append(("naive pipeline, one question (cold)", stats(naive_wall), "", "1.00×"))
    rows.append(("naive pipeline peak memory", stats(naive_mem, "MB", 0), "", ""))

    if DEV.exists() and BROAD.exists():
        for llm in ("extractive", "local"):
            _, _, out = timed(
                QA
                + [
                    "eval",
                    str(BROAD),
                    "--corpus",
                    str(ROOT / "seeds"),
                    "--corpus",
                    str(DEV),
                    "--index",
                    str(work / "broad"),
                    "--llm",
                    llm,
                    "--json",
                ],
                env,
            )
            b = json.loads(out)
            rows.append(
                (
                    f"broad questions, `--llm {llm}` ({b['questions']}: 29 answerable, 6 not)",
                    f"fact coverage {b['fact_coverage']:.3f}, full {b['full_coverage']:.3f}, "
                    f"readable {b['readable']:.2f}, {b['mean_words']:.0f} words, "
                    f"declined {b['unanswerable_abstained']}, p50 {b['latency_p50_s']:.2f} s",
                    "coverage ≥ 0.55, readable ≥ 0.95, declined ≥ 5/6",
                    "",
                )
            )

    if DEV.exists():
        from qa.eval.squad import load_squad

        paragraphs, _ = load_squad(DEV)
        for source, text in paragraphs.items():
            f = work / "dev" / source
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(text, encoding="utf-8")
        dev_env = {**env, "QA_INDEX": str(work / "dev" / "index")}
        corpus = work / "dev" / "corpus"
        rates, per_paragraph, walls, mems = [], [], [], []
        for _ in range(3):  # each into a new index
            shutil.rmtree(work / "dev" / "index", ignore_errors=True)
            wall, mem, out = timed(QA + ["ingest", str(corpus), "--json"], dev_env)
            report = json.loads(out)
            rates.append(report["chunks_added"] / report["seconds"])
            per_paragraph.append(report["added"] / report["seconds"])
            walls.append(wall)
            mems.append(mem)
        rows.append(
            (
                f"ingest, development set ({report['added']} paragraphs, "
                f"{report['chunks_added']} chunks; 3 runs)",
                f"{stats(rates, 'chunks/s', 1)} = {stats(per_paragraph, 'paragraphs/s', 1)} "
                f"({statistics.median(walls):.1f} s wall, {statistics.median(mems):.0f} MB)",
                "≥ 80 chunks/s",
                "",
            )
        )
        wall, _, _ = timed(QA + ["ingest", str(corpus), "--json"], dev_env)
        rows.append(("re-ingest, nothing changed", f"{wall:.2f} s", "", ""))
        first = sorted(corpus.rglob("*.txt"))[0]
        first.write_text(first.read_text() + " One more sentence.")
        wall, _, _ = timed(QA + ["ingest", str(corpus), "--json"], dev_env)
        rows.append(("re-ingest, one file changed", f"{wall:.2f} s", "", ""))
        _, _, out = timed(QA + ["eval", str(DEV), "--index", str(work / "dev"), "--json"], dev_env)
        m = json.loads(out)
        rows.append(
            (
                "retrieval, development set",
                f"MRR {m['mrr']:.4f}, recall@5 {m['recall@5']:.4f}",
                "MRR ≥ 0.90, R@5 ≥ 0.96",
                "",
            )
        )
        # the unoptimised embedder: sentence-transformers on torch, float weights
        torch_env = {**dev_env, "QA_EMBEDDER": "torch"}
        _, _, out = timed(
            QA + ["eval", str(DEV), "--index", str(work / "dev-torch"), "--json"], torch_env
        )
        base = json.loads(out)
        rows.append(
            (
                "retrieval, unoptimised embedder (`QA_EMBEDDER=torch`)",
                f"MRR {base['mrr']:.4f}, recall@5 {base['recall@5']:.4f}",
                f"ours within 0.01: {base['mrr'] - m['mrr']:+.4f}",
                "",
            )
        )

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        START,
        f"Measured {datetime.date.today()} on {os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GiB, "
        f"Python {platform.python_version()}, by `make bench` "
        f"({n} runs a figure; min / median / max).",
        "",
        "| figure | min / median / max | target | against the naive pipeline |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        f"Our answer: {local_answer}",
        "",
        f"Naive answer: {naive_out.strip().splitlines()[0] if naive_out.strip() else '(empty)'}",
        END,
    ]
    text = RESULTS.read_text() if RESULTS.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    RESULTS.write_text(head + "\n".join(lines) + tail)
    print("\n".join(lines))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
