"""`qa mcp`, driven by the MCP SDK's own stdio client, as an assistant or editor drives it."""

import asyncio
import json
import os
import sys
import textwrap
import time

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.index import Index
from qa.ingest import ingest

from .conftest import ROOT, SEEDS

# `qa mcp` in a process of its own, with the tests' hashing embedder registered the way a
# real one is (a subprocess cannot see the fixtures' monkeypatching).
FAKE_EMBEDDER_QA = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from tests.conftest import FakeEmbedder
    from qa.embeddings import EMBEDDER_FACTORIES
    EMBEDDER_FACTORIES["fake"] = FakeEmbedder
    from qa.cli import main
    sys.argv[0] = "qa"
    main()
    """
).format(root=str(ROOT))


def server(*args, fake=True):
    from mcp.client.stdio import StdioServerParameters

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    if fake:
        env["QA_EMBEDDER"] = "fake"
        return StdioServerParameters(
            command=sys.executable, args=["-c", FAKE_EMBEDDER_QA, "mcp", *args], env=env
        )
    return StdioServerParameters(command=sys.executable, args=["-m", "qa", "mcp", *args], env=env)


def session(params, script):
    """Run `script(client)` against a server started from `params`; its result."""
    from mcp import Client

    async def main():
        async with Client(params, read_timeout_seconds=120) as client:
            return await script(client)

    return asyncio.run(main())


@pytest.fixture
def index(tmp_path, docs, embedder):
    folder = tmp_path / "ix"
    ingest([docs], Index(folder), embedder)
    return folder


def test_an_assistant_lists_the_tools_and_gets_cited_answers_and_a_refusal(index):
    async def script(client):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        answer = await client.call_tool(
            "ask", {"question": "When did Etna erupt with lava fountains?"}
        )
        refusal = await client.call_tool("ask", {"question": "who flew on Apollo 14?"})
        found = await client.call_tool("search", {"query": "sourdough starter", "k": 2})
        status = await client.call_tool("status", {})
        return tools, answer, refusal, found, status

    tools, answer, refusal, found, status = session(
        server("--index", str(index), "--llm", "extractive"), script
    )
    assert set(tools) == {"ask", "search", "summarize", "status"}
    assert tools["ask"].input_schema["required"] == ["question"]
    assert tools["ask"].annotations.read_only_hint
    data = answer.structured_content
    assert not answer.is_error and not data["abstained"]
    assert "2021" in data["answer"] and data["answer"].endswith("[1]")
    assert data["sources"][0]["citation"].startswith("docs/volcano.md:")
    assert refusal.structured_content["abstained"] and not refusal.structured_content["sources"]
    assert refusal.structured_content["answer"].startswith("I couldn't find")
    passages = found.structured_content["passages"]
    assert passages[0]["source"] == "docs/bread.txt" and passages[0]["rank"] == 1
    assert "starter" in passages[0]["text"] and passages[0]["citation"] == "docs/bread.txt:1"
    assert status.structured_content["document_list"] == [
        "docs/bread.txt",
        "docs/summit.txt",
        "docs/volcano.md",
    ]


def test_a_bad_call_is_a_one_line_error_and_the_server_keeps_serving(index):
    async def script(client):
        results = [
            await client.call_tool("ask", {"question": "   "}),
            await client.call_tool("search", {"query": "etna", "k": 0}),
            await client.call_tool("ask", {"question": "etna", "since": "last week"}),
            await client.call_tool("summarize", {"document": "nowhere.txt"}),
            await client.call_tool("ask", {"question": 42}),
            await client.call_tool("search", {"query": "etna", "source": "notes/*"}),
        ]
        after = await client.call_tool("search", {"query": "Etna volcano", "k": 1})
        return results, after

    results, after = session(server("--index", str(index), "--llm", "extractive"), script)
    messages = [r.content[0].text for r in results]
    assert all(r.is_error for r in results), messages
    assert all("\n" not in m and "Traceback" not in m for m in messages), messages
    assert "the question is empty" in messages[0]
    assert "k must be between 1 and 50" in messages[1]
    assert "since must be a date written YYYY-MM-DD" in messages[2]
    assert "no indexed document at nowhere.txt" in messages[3]
    assert messages[4] == "Error executing tool ask: question: Input should be a valid string"
    assert "no indexed document matches source 'notes/*'" in messages[5]
    assert not after.is_error
    assert after.structured_content["passages"][0]["source"] == "docs/volcano.md"


def test_each_document_is_a_resource_holding_its_text(index, docs):
    async def script(client):
        listed = (await client.list_resources()).resources
        volcano = next(r for r in listed if r.name == "docs/volcano.md")
        return listed, await client.read_resource(volcano.uri)

    listed, read = session(server("--index", str(index)), script)
    assert sorted(r.name for r in listed) == [
        "docs/bread.txt",
        "docs/summit.txt",
        "docs/volcano.md",
    ]
    text = read.contents[0].text
    assert "Mount Etna is an active volcano" in text and "Catania airport" in text


def test_the_server_sees_what_an_ingest_commits_while_it_runs(index, docs, embedder):
    async def script(client):
        before = await client.call_tool("search", {"query": "tomato greenhouse", "k": 1})
        (docs / "garden.txt").write_text(
            "The tomato greenhouse was heated through the winter.", encoding="utf-8"
        )
        ingest([docs], Index(index), embedder)  # another process's commit, as far as it knows
        after = await client.call_tool("search", {"query": "tomato greenhouse", "k": 1})
        return before, after

    before, after = session(server("--index", str(index)), script)
    assert before.structured_content["passages"][0]["source"] != "docs/garden.txt"
    assert after.structured_content["passages"][0]["source"] == "docs/garden.txt"


def test_an_empty_index_is_told_not_crashed_on(tmp_path):
    async def script(client):
        return await client.call_tool("ask", {"question": "anything?"})

    result = session(server("--index", str(tmp_path / "none")), script)
    assert result.is_error and "run `qa ingest PATH` first" in result.content[0].text


@pytest.mark.slow
def test_the_real_models_answer_as_qa_ask_does_with_the_same_citations(tmp_path):
    folder = tmp_path / "index"
    result = CliRunner().invoke(app, ["ingest", str(SEEDS), "--index", str(folder)])
    assert result.exit_code == 0, result.output
    questions = [
        "what did India and Russia agree on defence?",
        "how many assault rifles will be made?",
        "who won the 1998 football world cup?",
    ]
    cli = []
    for q in questions:
        out = CliRunner().invoke(app, ["ask", q, "--index", str(folder), "--json"])
        assert out.exit_code == 0, out.output
        cli.append(json.loads(out.stdout))

    async def script(client):
        replies, seconds = [], []
        for q in questions * 2:  # the second round is warm
            started = time.perf_counter()
            replies.append(await client.call_tool("ask", {"question": q}))
            seconds.append(time.perf_counter() - started)
        return replies[len(questions) :], seconds

    replies, seconds = session(server("--index", str(folder), fake=False), script)
    for mine, theirs in zip(replies, cli):
        data = mine.structured_content
        assert data["answer"] == theirs["answer"]
        assert data["abstained"] == theirs["abstained"]
        assert data["highlight"] == theirs["highlight"]
        assert [s["citation"] for s in data["sources"]] == [
            s["citation"] for s in theirs["sources"]
        ]
    assert cli[2]["abstained"] and not cli[0]["abstained"]
    assert replies[1].structured_content["highlight"] == "more than 600,000 assault rifles"
