"""The real embedder and the real bundled model, on the seed article."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from qa.cli import app

from .conftest import SEEDS, free_port, server

pytestmark = pytest.mark.slow
QUESTION = "what did India and Russia agree on defence?"
AGREED = ("military-technical", "assault rifles", "600,000", "s-400")


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory):
    """One real index of the seeds for the module (the embedder loads once)."""
    index = tmp_path_factory.mktemp("real") / "index"
    result = CliRunner().invoke(app, ["ingest", str(SEEDS), "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 1
    return index


def ask(index, *args):
    result = CliRunner().invoke(app, ["ask", QUESTION, "--index", str(index), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_example_question_gets_a_broad_answer_quoted_from_the_document(seed_index):
    data = ask(seed_index)
    answer = data["answer"]
    assert not data["abstained"] and data["kind"] == "broad"
    assert sum(fact in answer.lower() for fact in AGREED) >= 2, answer
    assert data["sources"][0]["source"] == "seeds/000_367919e9dc5d7af7.txt"
    assert data["sources"][0]["date"] == "2021-12-07"
    # Every sentence is the document's own, whole, and each run of them is cited.
    document = (SEEDS / "000_367919e9dc5d7af7.txt").read_text()
    pieces = [p.strip() for p in re.split(r"\[\d+\]", answer) if p.strip()]
    assert pieces and all(p in document for p in pieces), answer
    assert answer.rstrip().endswith("]") and answer[0].isupper()
    assert 40 <= len(re.sub(r"\[\d+\]", "", answer).split()) <= 150
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    assert cited == {s["n"] for s in data["sources"]}


def test_a_factoid_keeps_its_unit_and_the_bundled_model_points_at_phrases(seed_index):
    result = CliRunner().invoke(
        app,
        ["ask", "how many assault rifles will be made?", "--index", str(seed_index), "--json"],
    )
    data = json.loads(result.stdout)
    assert data["kind"] == "factoid" and data["highlight"] == "more than 600,000 assault rifles"
    assert data["highlight"] in data["answer"] and data["answer"].endswith("regime. [1]")
    # A question without a typed answer goes to the bundled model, whose reply is mapped
    # onto the evidence sentence: the answer is quoted from it, never the model's words.
    result = CliRunner().invoke(
        app,
        ["ask", "what is Russia's role in India's security?", "--index", str(seed_index), "--json"],
    )
    data = json.loads(result.stdout)
    assert data["kind"] == "factoid" and data["answer_from"] == "evidence"
    assert data["answer"].removesuffix(" [1]") in data["sources"][0]["quote"]


def test_summarise_the_article(seed_index):
    result = CliRunner().invoke(
        app, ["ask", "summarise the article", "--index", str(seed_index), "--json"]
    )
    data = json.loads(result.stdout)
    assert data["kind"] == "document" and not data["abstained"]
    sentences = re.findall(r"[^.!?]+[.!?]", re.sub(r"\[\d+\]", "", data["answer"]))
    assert 3 <= len(sentences) <= 9  # 3-7 sentences; abbreviations split a few
    assert "Putin" in data["answer"]


def test_an_unrelated_question_is_abstained_on(seed_index):
    result = CliRunner().invoke(
        app,
        ["ask", "Who won the football world cup in 2014?", "--index", str(seed_index), "--json"],
    )
    data = json.loads(result.stdout)
    assert data["abstained"] and data["sources"] == []


def test_a_request_is_answered_like_the_question_it_asks(seed_index):
    # "tell me about X" and "what does the article say about X?" are scored by X: the
    # asking words are in no passage (both were declined before).
    for request, sentence in (
        ("tell me about the S-400", "delivery of the first of the S-400"),
        ("What does the article say about Lavrov?", "Sergey Lavrov made it clear"),
    ):
        result = CliRunner().invoke(
            app, ["ask", request, "--index", str(seed_index), "--llm", "extractive", "--json"]
        )
        data = json.loads(result.stdout)
        assert not data["abstained"] and sentence in data["answer"], data
    result = CliRunner().invoke(
        app,
        ["ask", "tell me about the football world cup", "--index", str(seed_index), "--json"],
    )
    assert json.loads(result.stdout)["abstained"]


@pytest.fixture(scope="module")
def openai_server():
    """llama-cpp-python's OpenAI-compatible server with the bundled model, on loopback."""
    from qa.llms import local_model_path

    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(local_model_path()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--model_alias",
        "smollm2",
        "--n_ctx",
        "2048",
    ]
    with server(cmd, f"{url}/models"):
        yield url


def test_openai_backend_against_a_real_server(seed_index, openai_server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    data = ask(seed_index, "--llm", "openai:smollm2", "--base-url", openai_server)
    assert data["llm"] == "openai:smollm2"
    assert not data["abstained"]
    assert data["sources"] and data["sources"][0]["source"].startswith("seeds/")
    assert "[" in data["answer"]


def test_models_lists_what_an_openai_compatible_server_serves(openai_server):
    result = CliRunner().invoke(app, ["models", "--base-url", openai_server, "--json"])
    assert result.exit_code == 0, result.output
    names = [json.loads(line)["name"] for line in result.stdout.splitlines()]
    assert {"local", "extractive", "openai:smollm2"} <= set(names)


def test_installed_command_runs_offline(seed_index):
    """The `qa` entry point itself, as a user runs it."""
    qa = shutil.which("qa", path=os.path.dirname(sys.executable))
    assert qa, "the qa command is not installed next to this Python"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [qa, "search", "assault rifles", "--index", str(seed_index), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "600,000" in json.loads(out.stdout.splitlines()[0])["text"]


def test_the_bundled_model_fits_an_overlong_prompt_into_its_window():
    """Text of one token a character would overflow 2,048 tokens; the middle is cut."""
    from qa.llms import local_model_path
    from qa.local_llm import LocalLlamaChat

    model = LocalLlamaChat(model_path=str(local_model_path()))
    question = " ".join(str(i % 10) for i in range(3000)) + " which digit comes first?"
    reply = model.invoke([("system", "Answer briefly."), ("human", f"Question: {question}")])
    assert isinstance(reply.content, str)
