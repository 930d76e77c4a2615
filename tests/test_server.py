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
    a, b = tmp_path / "a", tmp_path / "team" / "b"
    a.mkdir()
    b.mkdir(parents=True)
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
    # ... and so does what was forgotten: another client's ingest of the folder around it
    # skips it, and an ingest of the forgotten folder itself brings it back.
    outer = tmp_path / "team"
    report = json.loads(
        run("ingest", str(outer), "--json", replica=tmp_path / "r1", url=chroma_server)
    )
    assert report["added"] == 0 and report["skipped"] == 6
    report = json.loads(run("ingest", str(b), "--json", replica=tmp_path / "r1", url=chroma_server))
    assert report["added"] == 6


def test_an_unreachable_server_is_one_line(tmp_path):
    proc = qa("status", replica=tmp_path / "r", url=f"http://127.0.0.1:{free_port()}")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.strip().startswith("qa: error: cannot reach the Chroma server at http://127.0.0.1:")
    assert len(err.strip().splitlines()) == 1


def test_a_search_during_another_clients_ingest_skips_its_uncommitted_vectors(
    tmp_path, chroma_server, docs
):
    """Vectors reach the server before the manifest names their document: a reader whose
    replica does not know them yet skips them (it used to fail with a KeyError)."""
    import chromadb

    run("ingest", str(docs), replica=tmp_path / "writer", url=chroma_server)
    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    chunks = client.get_collection("qa_chunks")
    some = chunks.get(limit=1, include=["embeddings"])
    chunks.upsert(  # another client's ingest, between its vectors and its manifest
        ids=["in-flight"],
        embeddings=[some["embeddings"][0]],
        documents=["a passage not committed yet"],
        metadatas=[{"path": "/elsewhere/new.txt"}],
    )
    out = run(
        "search",
        "sourdough bread starter",
        "--json",
        replica=tmp_path / "reader",
        url=chroma_server,
    )
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert ids and "in-flight" not in ids
    proc = qa("status", "--check", "--json", replica=tmp_path / "reader", url=chroma_server)
    out, _ = proc.communicate(timeout=120)
    check = json.loads(out)["consistency"]
    assert proc.returncode == 1 and check["orphan_vectors"] == 1
    assert "skipped by searches" in check["advice"]


def test_a_server_killed_mid_write_is_named_in_one_line(tmp_path, docs):
    from qa.errors import ServerUnavailable
    from qa.index import Index

    from .conftest import FakeEmbedder

    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(chroma), "run", "--path", str(tmp_path / "s"), "--host", "127.0.0.1",
           "--port", str(port)]  # fmt: skip
    with server(cmd, f"{url}/api/v2/heartbeat") as proc:
        index = Index(tmp_path / "replica", chroma_url=url)
        vectors = index.vectors  # connected
        proc.kill()
        proc.wait()
        with pytest.raises(ServerUnavailable, match=f"Chroma server at {url} stopped answering"):
            vectors.upsert(["a"], [FakeEmbedder().embed_query("x")], ["x"], [{"path": "/x"}])


def test_qa_mcp_on_a_server_sees_what_another_client_ingests(tmp_path, chroma_server, docs):
    import asyncio

    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    shutil.copy(docs / "volcano.md", first / "volcano.md")
    shutil.copy(docs / "bread.txt", second / "bread.txt")
    run("ingest", str(first), replica=tmp_path / "r1", url=chroma_server)
    env = {**os.environ, "QA_CHROMA_URL": chroma_server, "QA_INDEX": str(tmp_path / "r2")}
    params = StdioServerParameters(command=sys.executable, args=["-m", "qa", "mcp"], env=env)

    async def script(client):
        before = await client.call_tool("status", {})
        run("ingest", str(second), replica=tmp_path / "r3", url=chroma_server)
        after = await client.call_tool("search", {"query": "sourdough starter", "k": 1})
        return before, after

    async def main():
        async with Client(params, read_timeout_seconds=300) as client:
            return await script(client)

    before, after = asyncio.run(main())
    assert before.structured_content["document_list"] == ["first/volcano.md"]
    assert after.structured_content["passages"][0]["source"] == "second/bread.txt"
