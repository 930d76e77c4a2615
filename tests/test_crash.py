"""Killing `qa ingest` at any moment loses nothing and leaves no orphans; one writer at
a time; a damaged index is a clear error."""

import json
import signal
import subprocess
import sys
import time

import pytest

from qa.index import Index

pytestmark = pytest.mark.slow


def corpus(folder, n=40):
    folder.mkdir()
    for i in range(n):
        (folder / f"doc{i:03d}.txt").write_text(
            " ".join(f"Document {i} sentence {j} tells about topic {i * 7 + j}." for j in range(40))
        )
    return folder


def ingest_cmd(folder, index, *extra):
    return [
        sys.executable,
        "-m",
        "qa",
        "ingest",
        str(folder),
        "--index",
        str(index),
        "--json",
        "--chunk-size",
        "300",
        "--chunk-overlap",
        "30",
        *extra,
    ]


def state(index_dir):
    ix = Index(index_dir)
    check = ix.consistency()
    docs = {d.source: d.sha256 for d in ix.documents()}
    ix.close()
    return check, docs


def test_sigkill_at_several_points_then_rerun_matches_one_clean_run(tmp_path):
    folder = corpus(tmp_path / "docs")
    subprocess.run(ingest_cmd(folder, tmp_path / "clean"), check=True, capture_output=True)
    clean, clean_docs = state(tmp_path / "clean")
    assert clean["ok"] and len(clean_docs) == 40

    for delay in (0.8, 1.5, 2.2, 3.0):
        target = tmp_path / f"killed-{delay}"
        proc = subprocess.Popen(
            ingest_cmd(folder, target), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done = subprocess.run(ingest_cmd(folder, target), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        check, docs = state(target)
        assert check["ok"], f"killed after {delay}s: {check}"
        assert check == clean and docs == clean_docs


def test_a_second_writer_waits_then_fails_clearly_while_readers_work(tmp_path):
    folder = corpus(tmp_path / "docs", 3)
    index = tmp_path / "ix"
    subprocess.run(ingest_cmd(folder, index), check=True, capture_output=True)
    lock = Index(index).write_lock()
    try:
        t = time.monotonic()
        busy = subprocess.run(
            ingest_cmd(folder, index, "--lock-timeout", "1"), capture_output=True, text=True
        )
        assert busy.returncode == 1 and time.monotonic() - t >= 1
        assert "another qa process is writing" in busy.stderr
        read = subprocess.run(
            [sys.executable, "-m", "qa", "search", "topic 15", "--index", str(index), "--json"],
            capture_output=True,
            text=True,
        )
        assert read.returncode == 0 and json.loads(read.stdout.splitlines()[0])["source"]
    finally:
        lock.release()


def test_a_damaged_index_names_the_repair(tmp_path):
    folder = corpus(tmp_path / "docs", 2)
    index = tmp_path / "ix"
    subprocess.run(ingest_cmd(folder, index), check=True, capture_output=True)
    db = index / "qa.sqlite3"
    for extra in ("qa.sqlite3-wal", "qa.sqlite3-shm"):
        (index / extra).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    out = subprocess.run(
        [sys.executable, "-m", "qa", "search", "topic", "--index", str(index)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "cannot be read" in out.stderr and "qa ingest" in out.stderr
