"""`qa ingest --watch`: the index follows the folder, and a kill mid-sync loses nothing."""

import signal
import subprocess
import sys
import threading
import time

import pytest

from qa.index import Index
from qa.ingest import ingest
from qa.watch import ignored, watch

from .test_crash import corpus, ingest_cmd, state


def sources(folder):
    ix = Index(folder)
    try:
        return {d.source: d.sha256 for d in ix.documents()}
    finally:
        ix.close()


def until(condition, seconds=15.0):
    """Seconds until `condition()` held (polled); fails after `seconds`."""
    started = time.perf_counter()
    while not condition():
        assert time.perf_counter() - started < seconds, "the index did not follow in time"
        time.sleep(0.05)
    return time.perf_counter() - started


@pytest.fixture
def watched(tmp_path, docs, embedder):
    """A watcher over `docs` in a thread, with the reports of its syncs."""
    folder = tmp_path / "ix"
    ingest([docs], Index(folder), embedder)
    stop, reports = threading.Event(), []
    thread = threading.Thread(
        target=watch,
        args=([docs], Index(folder), embedder),
        kwargs={"on_sync": reports.append, "stop": stop},
    )
    thread.start()
    time.sleep(0.5)  # the watch is set up
    yield folder, reports
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_created_edited_renamed_and_deleted_files_are_followed(watched, docs):
    folder, reports = watched
    before = sources(folder)
    (docs / "garden.txt").write_text("Tomatoes ripen in the greenhouse in July.")
    until(lambda: "docs/garden.txt" in sources(folder))
    (docs / "garden.txt").write_text("Tomatoes ripen in the greenhouse in August.")
    until(
        lambda: (
            sources(folder)["docs/garden.txt"] != before.get("docs/garden.txt", "")
            and any("updated docs/garden.txt" in line for r in reports for line in r.changes)
        )
    )
    (docs / "garden.txt").rename(docs / "greenhouse.txt")
    until(lambda: "docs/greenhouse.txt" in (s := sources(folder)) and "docs/garden.txt" not in s)
    (docs / "bread.txt").unlink()
    until(lambda: "docs/bread.txt" not in sources(folder))
    # the report of a sync comes once its writes are committed
    until(lambda: any("removed docs/bread.txt" in line for r in reports for line in r.changes))
    assert set(sources(folder)) == {"docs/summit.txt", "docs/volcano.md", "docs/greenhouse.txt"}
    lines = [line for r in reports for line in r.changes]
    assert lines[0].startswith("added docs/garden.txt")
    assert "removed docs/bread.txt" in lines
    # Only what changed was read again: the untouched documents are as they were.
    assert sources(folder)["docs/summit.txt"] == before["docs/summit.txt"]
    assert all(r.files <= 2 for r in reports), [r.files for r in reports]


def test_hidden_temporary_and_index_files_are_not_synced(watched, docs):
    folder, reports = watched
    (docs / ".hidden.txt").write_text("A secret draft about volcanoes.")
    (docs / "notes.txt~").write_text("An editor's backup about volcanoes.")
    (docs / ".notes.txt.swp").write_text("swap")
    (docs / "#notes.txt#").write_text("An emacs autosave.")
    (docs / "real.txt").write_text("A real note about the harvest festival.")
    until(lambda: "docs/real.txt" in sources(folder))
    time.sleep(0.5)
    assert set(sources(folder)) == {
        "docs/summit.txt",
        "docs/volcano.md",
        "docs/bread.txt",
        "docs/real.txt",
    }


def test_what_the_watcher_ignores(tmp_path):
    root, index = tmp_path / "notes", tmp_path / "notes-index"
    assert ignored(root / ".git" / "HEAD", [root], index)
    assert ignored(root / "a" / ".cache" / "x.txt", [root], index)
    assert ignored(root / "plan.md~", [root], index)
    assert ignored(root / "4913", [root], index)
    assert ignored(index / "qa.sqlite3", [root, tmp_path], index)
    assert ignored(tmp_path / "elsewhere.txt", [root], index)
    assert not ignored(root / "sub" / "plan.md", [root], index)
    assert not ignored(root / "report.v2.pdf", [root], index)


@pytest.mark.slow
def test_a_watcher_killed_mid_sync_leaves_the_index_consistent(tmp_path):
    folder = corpus(tmp_path / "docs", 2)
    subprocess.run(ingest_cmd(folder, tmp_path / "ix"), check=True, capture_output=True)
    watcher = subprocess.Popen(
        ingest_cmd(folder, tmp_path / "ix", "--watch"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in watcher.stderr:  # the first sync is done and the watch is on
        if "watching" in line:
            break
    corpus(tmp_path / "more", 40)
    for f in sorted((tmp_path / "more").iterdir()):
        f.rename(folder / f"new-{f.name}")
    time.sleep(1.5)  # a sync of 40 documents is under way
    watcher.send_signal(signal.SIGKILL)
    watcher.wait()
    search = subprocess.run(
        [sys.executable, "-m", "qa", "search", "topic", "--index", str(tmp_path / "ix")],
        capture_output=True,
        text=True,
    )
    assert search.returncode == 0, search.stderr  # readers work on what was committed
    done = subprocess.run(ingest_cmd(folder, tmp_path / "ix"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    subprocess.run(ingest_cmd(folder, tmp_path / "clean"), check=True, capture_output=True)
    check, docs = state(tmp_path / "ix")
    clean, clean_docs = state(tmp_path / "clean")
    assert check["ok"] and check == clean and docs == clean_docs and len(docs) == 42


@pytest.mark.slow
def test_ctrl_c_stops_the_watch_cleanly(tmp_path):
    folder = corpus(tmp_path / "docs", 2)
    watcher = subprocess.Popen(
        ingest_cmd(folder, tmp_path / "ix", "--watch"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as from a terminal: a suite started in the background (`nohup make test &`)
        # ignores SIGINT, and its children inherit that, so the watch would never see it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    for line in watcher.stderr:
        if "watching" in line:
            break
    watcher.send_signal(signal.SIGINT)
    _, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    assert "stopped watching" in err
