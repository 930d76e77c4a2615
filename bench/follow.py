"""How fast `qa ingest --watch` follows a folder, and `qa mcp` answers beside `qa ask`.

    .venv/bin/python bench/follow.py          # about a minute on 2 cores

Watch: a copy of seeds/ is watched by a real `qa ingest --watch` (the real embedder);
a file is created, edited, renamed and deleted, and each time the seconds until the index
shows it are measured (a reader polls the catalog every 20 ms), 3 rounds, median.

MCP: the same questions through `qa mcp` (the SDK's stdio client, the server started
once, the first call loading the models) and through `qa ask --json`, a process per
question as people run it; medians of 3 rounds after one warm-up round. Prints Markdown
rows for bench/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.index import Index  # noqa: E402

QA = [sys.executable, "-m", "qa"]
QUESTIONS = [
    "what did India and Russia agree on defence?",
    "how many assault rifles will be made?",
    "who won the 1998 football world cup?",
]


def sources(index: Path) -> dict[str, str]:
    ix = Index(index)
    try:
        return {d.source: d.sha256 for d in ix.documents()}
    finally:
        ix.close()


def until(condition, limit: float = 30.0) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > limit:
            return float("nan")
        time.sleep(0.02)
    return time.perf_counter() - started


def watch_latency(work: Path, env: dict) -> dict[str, float]:
    notes, index = work / "notes", work / "watch-index"
    shutil.copytree(ROOT / "seeds", notes)
    proc = subprocess.Popen(
        QA + ["ingest", str(notes), "--index", str(index), "--watch"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in proc.stderr:
        if "watching" in line:
            break
    times: dict[str, list[float]] = {"create": [], "edit": [], "rename": [], "delete": []}
    try:
        for n in range(3):
            for kind, seconds in one_round(notes, index, n).items():
                times[kind].append(seconds)
    finally:
        proc.terminate()
        proc.wait()
    return {k: statistics.median(v) for k, v in times.items()}


def one_round(notes: Path, index: Path, n: int) -> dict[str, float]:
    a, b = notes / f"garden{n}.txt", notes / f"greenhouse{n}.txt"
    name_a, name_b = f"notes/{a.name}", f"notes/{b.name}"
    out = {}
    a.write_text(f"Tomatoes ripen in greenhouse {n} in July.")
    out["create"] = until(lambda: name_a in sources(index))
    old = sources(index).get(name_a)
    a.write_text(f"Tomatoes ripen in greenhouse {n} in August, after a cold spring.")
    out["edit"] = until(lambda: sources(index).get(name_a) not in (old, None))
    a.rename(b)
    out["rename"] = until(lambda: name_b in (s := sources(index)) and name_a not in s)
    b.unlink()
    out["delete"] = until(lambda: name_b not in sources(index))
    return out


def cli_ask(index: Path, env: dict) -> float:
    started = time.perf_counter()
    for q in QUESTIONS:
        subprocess.run(QA + ["ask", q, "--index", str(index), "--json"], env=env, check=True,
                       capture_output=True)  # fmt: skip
    return (time.perf_counter() - started) / len(QUESTIONS)


def mcp_ask(index: Path, env: dict) -> tuple[float, list[float]]:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(command=sys.executable, args=["-m", "qa", "mcp", "--index",
                                   str(index)], env=env)  # fmt: skip

    async def main():
        async with Client(params, read_timeout_seconds=300) as client:
            started = time.perf_counter()
            await client.call_tool("ask", {"question": QUESTIONS[0]})
            first = time.perf_counter() - started
            rounds = []
            for _ in range(3):
                started = time.perf_counter()
                for q in QUESTIONS:
                    await client.call_tool("ask", {"question": q})
                rounds.append((time.perf_counter() - started) / len(QUESTIONS))
            return first, rounds

    return asyncio.run(main())


def main() -> None:
    env = dict(os.environ, HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    env.setdefault("QA_CACHE", str(ROOT / ".qa-cache"))
    with tempfile.TemporaryDirectory(prefix="qa-follow-") as tmp:
        work = Path(tmp)
        latency = watch_latency(work, env)
        index = work / "seed-index"
        subprocess.run(QA + ["ingest", str(ROOT / "seeds"), "--index", str(index)], env=env,
                       check=True, capture_output=True)  # fmt: skip
        cli_ask(index, env)  # warm the OS caches
        cli = statistics.median(cli_ask(index, env) for _ in range(3))
        first, rounds = mcp_ask(index, env)
    print("| watched change | seconds until the index shows it (median of 3) |")
    print("|---|---|")
    for kind, seconds in latency.items():
        print(f"| {kind} | {seconds:.2f} |")
    print()
    print("| the seed questions (3: broad, factoid, unanswerable) | seconds a question |")
    print("|---|---|")
    print(f"| `qa ask --json`, a process each (warm OS caches), median of 3 rounds | {cli:.2f} |")
    print(f"| `qa mcp` tool call, first (loads the models) | {first:.2f} |")
    print(f"| `qa mcp` tool call, warm, median of 3 rounds | {statistics.median(rounds):.3f} |")


if __name__ == "__main__":
    main()
