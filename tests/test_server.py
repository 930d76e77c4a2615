"""Server mode against a real `chroma run` on a loopback port."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEEDS, free_port, server

pytestmark = pytest.mark.slow


@pytest.fixture
def chroma_server(tmp_path):
    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        str(chroma),
        "run",
        "--path",
        str(tmp_path / "server"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with server(cmd, f"{url}/api/v2/heartbeat"):
        yield url


def qa(*args, replica, url):
    """`qa` in its own process, as on its own machine (its own replica folder)."""
    env = {**os.environ, "QA_CHROMA_URL": url, "QA_INDEX": str(replica)}
    return subprocess.Popen(
        [sys.executable, "-m", "qa", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def run(*args, replica, url):
    proc = qa(*args, replica=replica, url=url)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def test_two_clients_ingest_at_once_and_a_third_sees_everything(tmp_path, chroma_server, docs):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(SEEDS / "000_367919e9dc5d7af7.txt", a / "summit.txt")
    for i in range(6):
        (b / f"note{i}.txt").write_text(
            f"Note {i}: the volcano Etna erupted {i + 2} times this year."
        )
    first = qa("ingest", str(a), "--json", replica=tmp_path / "r1", url=chroma_server)
    second = qa("ingest", str(b), "--json", replica=tmp_path / "r2", url=chroma_server)
    for proc in (first, second):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    status = json.loads(run("status", "--json", replica=tmp_path / "r3", url=chroma_server))
    assert status["documents"] == 7
    assert status["index"] == chroma_server

    answer = json.loads(
        run(
            "ask",
            "what did India and Russia agree on defence?",
            "--llm",
            "extractive",
            "--json",
            replica=tmp_path / "r3",
            url=chroma_server,
        )
    )
    assert answer["sources"][0]["source"] == "a/summit.txt"
    # Where each passage is travels through the server to another client's replica.
    assert answer["sources"][0]["citation"].startswith("a/summit.txt:")
    hits = [
        json.loads(line)
        for line in run(
            "search",
            "Etna erupted 4 times",
            "--json",
            "-k",
            "1",
            replica=tmp_path / "r1",
            url=chroma_server,
        ).splitlines()
    ]
    assert hits[0]["source"] == "b/note2.txt"

    # A change by one client reaches the others.
    run("forget", str(b), replica=tmp_path / "r2", url=chroma_server)
    assert (
        json.loads(run("status", "--json", replica=tmp_path / "r1", url=chroma_server))["documents"]
        == 1
    )
    # ... and so does what was forgotten: another client's ingest of the folder skips it.
    report = json.loads(run("ingest", str(b), "--json", replica=tmp_path / "r1", url=chroma_server))
    assert report["added"] == 0 and report["skipped"] == 6


def test_an_unreachable_server_is_one_line(tmp_path):
    proc = qa("status", replica=tmp_path / "r", url=f"http://127.0.0.1:{free_port()}")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.strip().startswith("qa: error: cannot reach the Chroma server at http://127.0.0.1:")
    assert len(err.strip().splitlines()) == 1
