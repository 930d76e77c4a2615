"""Nothing leaves the machine and nothing is written outside qa's own places: every
command that loads a model is traced with strace, and a connection off loopback, or a
file written outside the index, the cache or the chat history, fails the test."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa.reading.ocr import available as ocr_available

from .conftest import ROOT, SEEDS
from .pdfs import page_picture

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("strace") is None, reason="needs strace (apt-get install strace)"
    ),
]
QA = str(Path(sys.executable).with_name("qa"))
_CONNECT = re.compile(r"connect\(\d+, \{sa_family=(?P<family>AF_\w+)(?P<rest>[^}]*)\}")
_WRITE = re.compile(
    r'(?:openat\(AT_FDCWD, "(?P<open>[^"]+)", [^)]*(?:O_WRONLY|O_RDWR|O_CREAT)'
    r'|(?:mkdir|rename|unlink|creat)\("(?P<other>[^"]+)")'
)


def strace(log: Path, command: list[str]) -> list[str]:
    """`command` traced for connections and file writes into `log`."""
    calls = "trace=connect,openat,creat,mkdir,rename,unlink"
    return ["strace", "-f", "-qq", "-e", calls, "-o", str(log), *command]


def environment(home: Path, index: Path, cache: Path) -> dict:
    """A bare environment: qa's places in the test's folders, nothing else inherited."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "QA_INDEX": str(index),
        "QA_CACHE": str(cache),
        "LANG": "C.UTF-8",
    }


def traced(args: list[str], env: dict, cwd: Path, log: Path, stdin: str | None = None) -> str:
    result = subprocess.run(
        strace(log, [QA, *args]),
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def offences(log: str, allowed: list[Path]) -> list[str]:
    """Connections off loopback, and writes outside `allowed` (a temporary file that is
    deleted at once, such as SQLite's sort spill, is not kept and so not counted)."""
    bad = []
    unlinked = set(re.findall(r'unlink\("([^"]+)"\) = 0', log))
    for line in log.splitlines():
        if "= -1" in line:  # a failed call wrote nothing
            continue
        if m := _CONNECT.search(line):
            local = "127.0.0.1" in m["rest"] or '"::1"' in m["rest"] or "::1" in m["rest"]
            if m["family"] in ("AF_INET", "AF_INET6") and not local:
                bad.append(line)
            elif m["family"] not in ("AF_INET", "AF_INET6", "AF_UNIX"):
                bad.append(line)
            elif m["family"] == "AF_UNIX" and "nscd" in m["rest"]:  # a name lookup
                bad.append(line)
        elif m := _WRITE.search(line):
            path = Path(m["open"] or m["other"])
            if str(path) in ("/dev/null", "/dev/tty") or "__pycache__" in path.parts:
                continue
            if str(path) in unlinked and path.parent in (Path("/tmp"), Path("/var/tmp")):
                continue
            if not any(path == a or a in path.parents for a in allowed):
                bad.append(line)
    return bad


def test_no_network_and_no_stray_files(tmp_path):
    home, index, cache = tmp_path / "home", tmp_path / "index", ROOT / ".qa-cache"
    home.mkdir()
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEEDS / "000_367919e9dc5d7af7.txt", docs / "summit.txt")
    scan = page_picture("The lighthouse at Eling was repainted red and white.")
    scan.crop((0, 0, 2480, 500)).save(docs / "scan.png")  # read by OCR when the extra is here
    env = environment(home, index, cache)
    allowed = [index, cache, home / ".local" / "share" / "qa"]
    question = "what did India and Russia agree on defence?"
    runs = [
        (["ingest", str(docs)], None),
        (["ask", question], None),
        (["search", "assault rifles"], None),
        (["chat", "--json"], f"{question}\nand what about trade?\n"),
    ]
    for n, (args, stdin) in enumerate(runs):
        log = tmp_path / f"trace-{n}.txt"
        out = traced(args, env, tmp_path, log, stdin)
        assert out.strip(), args
        if args[0] == "ingest" and ocr_available():  # the picture was read, under the trace
            assert "2 added" in out, out
        bad = offences(log.read_text(), allowed)
        assert bad == [], f"qa {args[0]}: " + "\n".join(bad[:5])
    assert not (home / ".cache").exists()  # onnxruntime's telemetry database among others


def test_the_check_catches_onnxruntime_telemetry(tmp_path):
    """The same check fails on onnxruntime started without ORT_DISABLE_TELEMETRY."""
    model = next((ROOT / ".qa-cache" / "onnx").glob("*.onnx"), None)
    if model is None:
        pytest.skip("the embedder has not been exported yet")
    home = tmp_path / "home"
    home.mkdir()
    log = tmp_path / "trace.txt"
    code = (
        "import onnxruntime as ort; "
        f"ort.InferenceSession({str(model)!r}, providers=['CPUExecutionProvider'])"
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    subprocess.run(
        strace(log, [sys.executable, "-c", code]),
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    bad = offences(log.read_text(), [tmp_path / "index"])
    assert any(".onnxruntime" in line or "Microsoft" in line for line in bad)


MCP_CLIENT = """
import asyncio, os, sys
from mcp import Client
from mcp.client.stdio import StdioServerParameters

async def main():
    params = StdioServerParameters(command=sys.argv[1], args=["mcp"], env=dict(os.environ))
    async with Client(params, read_timeout_seconds=300) as client:
        answer = await client.call_tool("ask", {"question": sys.argv[2]})
        found = await client.call_tool("search", {"query": "assault rifles"})
        assert not answer.is_error and not found.is_error, (answer.content, found.content)
        print(answer.structured_content["answer"], found.structured_content["passages"][0])

asyncio.run(main())
"""


def test_the_mcp_server_stays_on_the_machine_too(tmp_path):
    home, index, cache = tmp_path / "home", tmp_path / "index", ROOT / ".qa-cache"
    home.mkdir()
    env = environment(home, index, cache)
    subprocess.run([QA, "ingest", str(SEEDS)], env=env, check=True, capture_output=True)
    log = tmp_path / "trace.txt"
    question = "what did India and Russia agree on defence?"
    result = subprocess.run(
        strace(log, [sys.executable, "-c", MCP_CLIENT, QA, question]),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "assault rifles" in result.stdout
    bad = offences(log.read_text(), [index, cache])
    assert bad == [], "\n".join(bad[:5])
