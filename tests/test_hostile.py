"""Round three of "never lose data, never leak it": hostile files, half-finished writes,
shared machines. Each test failed on the code before it (issue 22)."""

import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from qa.errors import PathNotFound, SourcesMissing
from qa.index import Index
from qa.ingest import forget, ingest, reindex
from qa.retrieval import search

from .test_cli import assert_one_line_error, run


def skipped(report) -> dict[str, str]:
    return {Path(s["path"]).name: s["reason"] for s in report.skipped_files}


# -- readers skip vectors the catalog does not know --------
def test_a_search_skips_vectors_of_an_uncommitted_write(tmp_path, docs, embedder):
    """A run killed after its vector upsert and before its commit (or another client's
    ingest in progress on a server): readers skip those vectors, `--check` counts them,
    and the next writer removes them."""
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    vector = embedder.embed_query("sourdough bread starter yeast")
    index.db.execute("INSERT INTO pending(id) VALUES ('orphan')")
    index.collection.upsert(
        ids=["orphan"], embeddings=[vector], documents=["x"], metadatas=[{"path": "/gone"}]
    )
    for retriever in ("hybrid", "dense"):
        hits = search("sourdough bread starter yeast", index, embedder, retriever=retriever)
        assert hits and "orphan" not in {h.id for h in hits}
    check = index.consistency()
    assert check["orphan_vectors"] == 1 and not check["ok"]
    assert "nothing is lost" in check["advice"]
    ingest([docs], index, embedder)
    assert index.consistency()["ok"]


def test_status_check_exits_non_zero_when_the_index_is_not_consistent(fake_cli, docs, tmp_path):
    assert run("ingest", str(docs)).exit_code == 0
    assert run("status", "--check").exit_code == 0
    index = Index(tmp_path / "index")
    index.collection.upsert(ids=["orphan"], embeddings=[[0.1] * 64], documents=["x"])
    index.close()
    result = run("status", "--check", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["consistency"]["orphan_vectors"] == 1


def test_lost_vectors_are_an_error_naming_reindex_not_a_silent_lexical_search(
    fake_cli, docs, tmp_path
):
    import shutil

    assert run("ingest", str(docs)).exit_code == 0
    from qa.index.vectors import forget_embedded_clients

    shutil.rmtree(tmp_path / "index" / "chroma")
    forget_embedded_clients()  # as a new process finds it
    result = run("search", "sourdough bread")
    assert_one_line_error(result, 1, "qa reindex")
    check = run("status", "--check", "--json")
    assert check.exit_code == 1
    assert "qa reindex" in json.loads(check.stdout)["consistency"]["advice"]
    assert run("search", "sourdough bread", "--retriever", "lexical").exit_code == 0
    assert run("reindex").exit_code == 0
    assert run("search", "sourdough bread").exit_code == 0


# -- reindex keeps what it cannot see --------
def test_reindex_refuses_when_a_source_folder_is_missing_and_keeps_the_index(
    tmp_path, docs, embedder
):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    before = {d.source for d in index.documents()}
    docs.rename(tmp_path / "unmounted")
    with pytest.raises(SourcesMissing, match="missing now") as caught:
        reindex(index, embedder)
    assert str(docs) in str(caught.value) and "qa forget" in str(caught.value)
    assert {d.source for d in Index(tmp_path / "ix").documents()} == before
    (tmp_path / "unmounted").rename(docs)
    assert reindex(Index(tmp_path / "ix"), embedder).unchanged == 0
    assert {d.source for d in Index(tmp_path / "ix").documents()} == before


def test_reindex_drops_a_file_ingested_by_name_and_deleted_since(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    ingest([docs / "bread.txt", docs / "volcano.md"], index, embedder)
    (docs / "bread.txt").unlink()
    report = reindex(index, embedder)
    assert skipped(report) == {"bread.txt": "no longer exists"}
    assert [d.source for d in Index(tmp_path / "ix").documents()] == ["volcano.md"]


def test_a_killed_reindex_leaves_no_staging_copy_behind(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    stale = tmp_path / ".ix.reindex-abc123"
    stale.mkdir()
    (stale / "qa.sqlite3").write_bytes(b"x" * 1000)
    mine = tmp_path / ".ix.reindex-users-own"  # holds a file qa did not write: kept
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    reindex(index, embedder)
    assert not stale.exists()
    assert (mine / "notes.txt").read_text() == "mine"


# -- hostile files --------
def test_a_link_to_a_device_and_a_fifo_are_skipped_not_read(tmp_path, docs, embedder):
    os.symlink("/dev/zero", docs / "zero.txt")
    os.mkfifo(docs / "pipe.txt")
    report = ingest([docs], Index(tmp_path / "ix"), embedder)
    reasons = skipped(report)
    assert reasons["zero.txt"] == "not a regular file (a device)"
    assert reasons["pipe.txt"] == "not a regular file (a FIFO)"
    assert report.added == 3


def test_a_file_that_grows_past_the_limit_while_read_is_cut_off(tmp_path, monkeypatch):
    from qa.reading import Skip, read_text

    big = tmp_path / "big.txt"
    big.write_text("a" * 10)

    class Lying:  # st_size says 10 bytes; the file holds 3 MB by the time it is read
        st_mode = stat.S_IFREG | 0o644
        st_size = 10

    real_stat = Path.stat
    monkeypatch.setattr(
        Path, "stat", lambda self, **kw: Lying() if self == big else real_stat(self)
    )
    big.write_text("a" * 3 * 1024 * 1024)
    with pytest.raises(Skip, match="larger than 1 MB"):
        read_text(big, max_file_mb=1)


def bomb_docx(path: Path, megabytes: int) -> None:
    """A valid-looking .docx whose document.xml expands to `megabytes` MB."""
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            block = b" " * (1024 * 1024)
            for _ in range(megabytes):
                member.write(block)
    path.write_bytes(body.getvalue())


def bomb_epub(path: Path, megabytes: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr(
            "META-INF/container.xml",
            '<container><rootfiles><rootfile full-path="content.opf"/></rootfiles></container>',
        )
        z.writestr(
            "content.opf",
            '<package><manifest><item id="c1" href="c1.xhtml"/></manifest>'
            '<spine><itemref idref="c1"/></spine></package>',
        )
        with z.open("c1.xhtml", "w", force_zip64=True) as member:
            member.write(b"<html><body><p>")
            block = b"a " * (512 * 1024)
            for _ in range(megabytes):
                member.write(block)


def test_zip_bombs_are_refused_by_their_unpacked_size(tmp_path, docs, embedder):
    bomb_docx(docs / "bomb.docx", 200)
    bomb_epub(docs / "bomb.epub", 200)
    assert (docs / "bomb.docx").stat().st_size < 1024 * 1024  # small on disk
    report = ingest([docs], Index(tmp_path / "ix"), embedder)
    reasons = skipped(report)
    assert reasons["bomb.docx"].startswith("expands to 200 MB uncompressed")
    assert reasons["bomb.epub"].startswith("expands to 200 MB uncompressed")
    assert report.added == 3


@pytest.mark.slow
def test_a_hostile_ingest_stays_under_1_gb_of_memory(tmp_path):
    """A 1 GB zip bomb in each zip format, /dev/zero, a FIFO and 200,000 nested <div>s:
    the whole ingest (a real process, the real embedder) peaks under 1 GB."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "note.txt").write_text("The capital of Freedonia is Fredville.\n")
    bomb_docx(folder / "bomb.docx", 1024)
    bomb_epub(folder / "bomb.epub", 1024)
    os.symlink("/dev/zero", folder / "zero.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "deep.html").write_text("<div>" * 200_000 + "x" + "</div>" * 200_000)
    code = (
        "import resource, subprocess, sys; "
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=240); "
        "print(p.stdout); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "-m", "qa", "ingest", str(folder),
         "--index", str(tmp_path / "ix"), "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    report = json.loads(result.stdout)
    peak_mb = int(result.stderr.strip().splitlines()[-1]) / 1024
    assert report["added"] == 1 and report["skipped"] == 5, report
    assert peak_mb < 1024, f"peak {peak_mb:.0f} MB"


def test_deeply_nested_html_is_skipped_quickly(tmp_path, docs, embedder):
    import time

    (docs / "deep.html").write_text("<div>" * 200_000 + "x" + "</div>" * 200_000)
    (docs / "fine.html").write_text("<div>" * 50 + "<p>Nested fifty deep.</p>" + "</div>" * 50)
    started = time.monotonic()
    report = ingest([docs], Index(tmp_path / "ix"), embedder)
    assert time.monotonic() - started < 20
    assert "nested more than 1,000" in skipped(report)["deep.html"]
    assert report.added == 4


def test_a_sheet_with_a_stale_size_is_read_whole(tmp_path):
    from openpyxl import Workbook

    from qa.reading import read_text

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Score"])
    for i in range(100):
        sheet.append([f"player{i}", i])
    path = tmp_path / "stale.xlsx"
    book.save(path)
    # Rewrite the sheet's <dimension> as some writers leave it: A1, whatever the rows.
    raw = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                import re

                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data)
                assert b'<dimension ref="A1"/>' in data
            dst.writestr(item, data)
    path.write_bytes(out.getvalue())
    text = read_text(path)[0].text
    assert "player99" in text and len(text.splitlines()) == 101


def test_a_damaged_csv_says_why(tmp_path):
    from qa.reading import Skip, read_text

    path = tmp_path / "bad.csv"
    path.write_text('a,b\n"x' + "y" * 200_000 + "\n")
    import csv

    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(1000)
        with pytest.raises(Skip, match=r"unreadable csv file \(Error: field larger than"):
            read_text(path)
    finally:
        csv.field_size_limit(limit)


# -- the index is private --------
def modes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): oct(stat.S_IMODE(p.stat().st_mode))
        for p in [folder, *folder.rglob("*")]
        if not p.is_symlink()
    }


def test_the_index_is_readable_by_its_owner_alone_also_after_reindex(tmp_path, docs, embedder):
    old = os.umask(0o022)  # the usual umask: files 0644, folders 0755
    try:
        index = Index(tmp_path / "ix")
        ingest([docs], index, embedder)
        for when in ("ingest", "reindex"):
            found = modes(tmp_path / "ix")
            assert len(found) > 3
            loose = {name: mode for name, mode in found.items() if mode not in ("0o700", "0o600")}
            assert loose == {}, f"after {when}: {loose}"
            reindex(Index(tmp_path / "ix"), embedder)
    finally:
        os.umask(old)
    assert os.umask(old) == old  # qa restored the umask it found


# -- forget --------
def test_forget_with_one_bad_path_removes_nothing(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    with pytest.raises(PathNotFound, match="nothing was removed"):
        forget([str(docs / "bread.txt"), str(tmp_path / "never.txt")], index)
    assert len(index.documents()) == 3


def test_a_forgotten_folder_comes_back_when_ingested_by_name(tmp_path, docs, embedder):
    (docs / "sub").mkdir()
    (docs / "sub" / "a.txt").write_text("Alpacas hum when they are content.")
    (docs / "sub" / "b.txt").write_text("Bison can run at sixty kilometres an hour.")
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    forget([str(docs / "sub")], index)
    forget([str(docs / "bread.txt")], index)
    report = ingest([docs], index, embedder)  # the folder around them: they stay out
    assert report.added == 0 and len(index.documents()) == 2
    report = ingest([docs / "sub"], index, embedder)  # the forgotten folder itself: back
    assert report.added == 2
    assert "bread.txt" not in {d.source for d in index.documents()}


def test_a_forget_killed_halfway_is_finished_by_the_next_ingest(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    bread = str((docs / "bread.txt").resolve())
    index.set_forgotten([bread])  # recorded; killed before the document was removed
    report = ingest([docs], index, embedder)
    assert report.removed == 1
    assert bread not in {d.path for d in index.documents()}


# -- models and servers --------
def test_a_server_that_never_answers_times_out_naming_it(fake_cli, docs):
    import socket
    import threading
    import time

    assert run("ingest", str(docs)).exit_code == 0
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []

    def accept():  # accept connections, never answer
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    started = time.monotonic()
    result = run(
        "ask", "what is sourdough?", "--llm", "openai:x", "--base-url", url, "--timeout", "1.5"
    )
    waited = time.monotonic() - started
    listener.close()
    assert_one_line_error(result, 1, "did not answer within 1.5s")
    assert waited < 15


def test_the_openai_key_goes_only_to_openai_or_its_own_base_url(monkeypatch):
    from qa.llms import api_key, redact

    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-123456789")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("QA_LLM_API_KEY", raising=False)
    assert api_key(None) == "sk-secret-123456789"
    assert api_key("https://api.openai.com/v1") == "sk-secret-123456789"
    assert api_key("http://evil.example/v1") is None
    monkeypatch.setenv("OPENAI_BASE_URL", "http://my-proxy:8080/v1")
    assert api_key("http://my-proxy:8080/v1") == "sk-secret-123456789"
    monkeypatch.setenv("QA_LLM_API_KEY", "local-key")
    assert api_key("http://evil.example/v1") == "local-key"
    said = redact(
        "401: bad header Authorization: Bearer sk-secret-123456789 (got sk-secret-123456789)"
    )
    assert "sk-secret" not in said


def test_an_error_body_echoing_the_key_does_not_print_it(fake_cli, docs, monkeypatch):
    from qa.llms import LLMSpec, connection_error

    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-abcdefgh")
    spec = LLMSpec.parse("openai:gpt", "https://api.openai.com/v1")
    error = connection_error(
        spec, RuntimeError("Error 401: invalid header 'Authorization: Bearer sk-secret-abcdefgh'")
    )
    assert "sk-secret" not in str(error) and "***" in str(error)


# -- settings and arguments --------
@pytest.mark.parametrize(
    "content, needle",
    [
        (b'index = "\xff\xfe"\n', "not UTF-8"),
        (b"index = 42\n", "not a non-empty string"),
        (b"index = true\n", "not a non-empty string"),
        (b'index = ["a", "b"]\n', "not a non-empty string"),
    ],
)
def test_a_bad_settings_file_is_one_line_naming_it_and_creates_nothing(
    content, needle, tmp_path, monkeypatch, fake_cli
):
    config = tmp_path / "config.toml"
    config.write_bytes(content)
    monkeypatch.setenv("QA_CONFIG", str(config))
    monkeypatch.delenv("QA_INDEX")
    monkeypatch.chdir(tmp_path)
    result = run("status")
    assert_one_line_error(result, 2, needle)
    assert str(config) in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_piped_chat_exits_non_zero_when_every_question_failed(fake_cli, docs, tmp_path):
    assert run("ingest", str(docs)).exit_code == 0
    long = "why " * 1000
    result = run("chat", "--llm", "extractive", input=f"{long}\n{long}\n")
    assert result.exit_code == 1
    result = run("chat", "--llm", "extractive", input=f"{long}\nwhat is sourdough?\n")
    assert result.exit_code == 0


# -- a damaged or full disk ---------------------------------------------------------------
def test_a_damaged_catalog_is_named_by_ingest_and_repaired_by_reindex(fake_cli, docs, tmp_path):
    assert run("ingest", str(docs), "--chunk-size", "200", "--chunk-overlap", "20").exit_code == 0
    import sqlite3

    db = tmp_path / "index" / "qa.sqlite3"
    with sqlite3.connect(db) as conn:  # everything into the main file, none in the log
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db.stat().st_size
    with open(db, "r+b") as f:  # random bytes over pages past the schema
        for offset in range(size // 2, size, 4096):
            f.seek(offset)
            f.write(os.urandom(512))
    result = run("ingest", str(docs))  # used to say "3 unchanged", exit 0
    assert_one_line_error(result, 1, "is damaged", "qa reindex")
    check = run("status", "--check", "--json")
    assert check.exit_code == 1
    assert "qa reindex" in json.loads(check.stdout)["consistency"]["advice"]
    rebuilt = run("reindex")
    if rebuilt.exit_code:  # the damage reached the list of documents reindex reads
        assert_one_line_error(rebuilt, 1, "move the index folder aside")
        from qa.index.vectors import forget_embedded_clients

        (tmp_path / "index").rename(tmp_path / "damaged")
        forget_embedded_clients()  # as a new process finds it
        again = run("ingest", str(docs))
        assert again.exit_code == 0, again.stderr
    assert run("status", "--check").exit_code == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB file system (tmpfs; needs the right to mount, as CI has)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if done.returncode:
        pytest.skip("cannot mount a small file system here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_named_and_the_index_still_reads(fake_cli, docs, tmp_path, small_disk):
    import random

    from qa.index.vectors import forget_embedded_clients

    index = small_disk / "ix"
    assert run("ingest", str(docs), "--index", str(index)).exit_code == 0
    big = tmp_path / "big"
    big.mkdir()
    words = "river mountain city council budget school harbour railway".split()
    rng = random.Random(7)
    for i in range(60):
        (big / f"d{i}.txt").write_text(" ".join(rng.choice(words) for _ in range(3000)))
    result = run("ingest", str(big), "--index", str(index))
    assert_one_line_error(result, 1, "no space left on the device")
    forget_embedded_clients()  # as the next command, a new process, finds it
    result = run("search", "sourdough bread", "--index", str(index), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["source"] == "docs/bread.txt"
    assert "no space left" in result.stderr or not result.stderr


def test_an_index_set_aside_by_a_reindex_killed_between_its_renames_is_put_back(
    tmp_path, docs, embedder
):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    index.close()
    aside = tmp_path / ".ix.old-k1ll3d"
    aside.mkdir()
    (tmp_path / "ix").rename(aside / "ix")  # the state between reindex's two renames
    again = Index(tmp_path / "ix")
    assert len(again.documents()) == 3
    assert not aside.exists()
