import json

import pytest
from typer.testing import CliRunner

from qa.cli import app

runner = CliRunner()
QUESTION = "what agreement did India and Russia sign on military cooperation?"


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


@pytest.fixture
def ingested(fake_cli, docs):
    result = run("ingest", str(docs), "--json")
    assert result.exit_code == 0, result.output
    return docs


def test_every_command_has_help():
    for command in (
        "ingest",
        "ask",
        "search",
        "chat",
        "status",
        "forget",
        "summarize",
        "models",
        "config",
        "reindex",
        "eval",
    ):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.stdout and "--json" in result.stdout


def test_ingest_json_and_summary(fake_cli, docs):
    report = json.loads(run("ingest", str(docs), "--json").stdout)
    assert (report["files"], report["added"], report["skipped"]) == (3, 3, 0)
    assert report["chunks_added"] > 0 and report["seconds"] >= 0
    again = run("ingest", str(docs))
    assert again.exit_code == 0
    assert "3 unchanged" in again.stdout


def test_ask_json_shape(ingested, fake_llm):
    fake_llm.enqueue("An agreement on military-technical cooperation.")
    result = run("ask", QUESTION, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {
        "question",
        "answer",
        "abstained",
        "sources",
        "llm",
        "timings",
        "grounded",
    } <= data.keys()
    assert data["llm"] == "local" and data["abstained"] is False
    assert set(data["sources"][0]) >= {"n", "source", "chunk", "score", "date", "text"}
    assert data["sources"][0]["source"] == "docs/summit.txt"
    assert data["sources"][0]["date"] == "2021-12-07"
    assert {"retrieve", "generate", "total"} <= data["timings"].keys()


def test_ask_text_lists_sources_after_the_answer(ingested, fake_llm):
    fake_llm.enqueue("Assault rifles.")
    result = run("ask", QUESTION)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "600,000 assault rifles" in lines[0] and lines[0].endswith(" [1]")
    assert any(line.startswith("[1] docs/summit.txt:") for line in lines)


def test_search_prints_one_json_object_per_line(ingested):
    result = run("search", "Etna volcano lava", "-k", "2", "--json")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2 and rows[0]["source"] == "docs/volcano.md"
    assert rows[0]["rank"] == 1 and "score" in rows[0]


def test_filters_that_leave_no_document_are_an_error_not_a_missing_answer(ingested):
    # "I couldn't find that in the indexed documents" would blame the documents for
    # what a mistyped --source left out
    for args in (
        ("ask", QUESTION, "--source", "notes/*"),
        ("search", "assault rifles", "--source", "notes/*"),
        ("chat", "--source", "notes/*"),
        ("ask", "summarise the article", "--source", "notes/*"),
        ("ask", QUESTION, "--since", "2030-01-01"),
    ):
        result = run(*args, input="hello\n")
        assert result.exit_code == 2, (args, result.output)
        assert "no indexed document matches" in result.stderr and not result.stdout
    kept = run("ask", QUESTION, "--source", "docs/summit*", "--json")
    assert kept.exit_code == 0 and not json.loads(kept.stdout)["abstained"]


def test_status_json_counts(ingested):
    data = json.loads(run("status", "--json", "--documents", "--check").stdout)
    assert data["consistency"]["ok"] and data["consistency"]["vectors"] == data["chunks"]
    assert data["documents"] == 3 and data["chunks"] > 3
    assert data["settings"]["embedding_model"] == "fake-hash-embedder"
    assert len(data["document_list"]) == 3


def test_forget(ingested):
    result = run("forget", str(ingested / "bread.txt"), "--json")
    assert json.loads(result.stdout) == {"removed": ["docs/bread.txt"]}
    assert json.loads(run("status", "--json").stdout)["documents"] == 2


def assert_one_line_error(result, code, *needles):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 or "Usage" in message, message
    for needle in needles:
        assert needle in message


def test_empty_question_is_a_usage_error(ingested):
    assert_one_line_error(run("ask", "   "), 2, "empty")


def test_missing_path_is_a_usage_error(fake_cli, tmp_path):
    assert_one_line_error(run("ingest", str(tmp_path / "missing")), 2, "no such file or folder")


def test_asking_an_empty_index_says_how_to_fill_it(fake_cli):
    assert_one_line_error(run("ask", "anything?"), 1, "qa ingest")


def test_other_embedding_model_is_refused_and_index_kept(ingested, monkeypatch):
    from qa.embeddings import EMBEDDER_FACTORIES

    from .conftest import FakeEmbedder

    before = run("status", "--json").stdout

    class Other(FakeEmbedder):
        name = "another-model"

    monkeypatch.setitem(EMBEDDER_FACTORIES, "other", Other)
    monkeypatch.setenv("QA_EMBEDDER", "other")
    assert_one_line_error(
        run("ask", QUESTION), 1, "another-model", "fake-hash-embedder", "qa reindex"
    )
    assert_one_line_error(run("ingest", str(ingested)), 1, "qa reindex")
    assert run("status", "--json").stdout == before


def test_missing_model_file(ingested, monkeypatch, tmp_path):
    monkeypatch.setenv("QA_LOCAL_MODEL", str(tmp_path / "nope.gguf"))
    assert_one_line_error(run("ask", QUESTION), 1, "model file not found", "nope.gguf")


@pytest.mark.parametrize("llm", ["openai:gpt", "ollama:llama3"])
def test_unreachable_server_names_the_url(ingested, llm):
    url = "http://127.0.0.1:9"  # discard port: nothing listens
    assert_one_line_error(run("ask", QUESTION, "--llm", llm, "--base-url", url), 1, url)


def test_unknown_llm_is_a_usage_error(ingested):
    assert_one_line_error(run("ask", QUESTION, "--llm", "gpt5"), 2, "unknown --llm")


def test_bad_date_is_a_usage_error(ingested):
    result = run("search", "x", "--since", "yesterday")
    assert result.exit_code == 2 and "%Y-%m-%d" in result.output


def test_debug_shows_the_traceback(ingested, monkeypatch):
    monkeypatch.setenv("QA_DEBUG", "1")
    result = run("ask", QUESTION, "--llm", "openai:gpt", "--base-url", "http://127.0.0.1:9")
    assert result.exit_code != 0 and result.exception is not None


def test_a_quoted_answer_stays_in_view_in_its_shortened_source():
    from qa.cli.show import excerpt

    quote = " ".join(f"word{i}" for i in range(60)) + " the Taliban at the end."
    assert excerpt(quote).endswith(" …") and "Taliban" not in excerpt(quote)
    shown = excerpt(quote, focus="the Taliban")
    assert shown.startswith("… ") and "the Taliban" in shown and len(shown) <= 160
    # A focus near the start changes nothing.
    assert excerpt(quote, focus="word1") == excerpt(quote)


def test_sources_quote_a_model_s_evidence_not_what_the_answer_already_quotes(capsys):
    from types import SimpleNamespace

    from qa.cli.show import print_answer

    source = SimpleNamespace(
        n=1, citation="notes.txt:3", source="notes.txt", chunk=0, date=None,
        quote="They signed a defence pact in 2021.",
    )  # fmt: skip
    quoted = SimpleNamespace(
        answer="They signed a defence pact in 2021. [1]", highlight=None,
        answer_from="evidence", sources=[source],
    )  # fmt: skip
    print_answer(quoted)
    shown = capsys.readouterr().out
    assert shown.count("They signed a defence pact") == 1 and "[1] notes.txt:3" in shown
    written = SimpleNamespace(
        answer="A pact was agreed [1].", highlight=None, answer_from="model", sources=[source]
    )
    print_answer(written)
    assert "“They signed a defence pact in 2021.”" in capsys.readouterr().out


def test_a_streamed_answer_ends_with_its_answering_phrase_in_bold(monkeypatch):
    # on a terminal the answer is shown live and not printed again: the bold must be there
    import io

    from rich.console import Console

    from qa.cli import show

    screen = io.StringIO()
    monkeypatch.setattr(
        show, "Console", lambda **kw: Console(file=screen, force_terminal=True, **kw)
    )
    with show.AnswerStream(enabled=True) as stream:
        stream.finish("They will make more than 600,000 rifles. [1]", "more than 600,000 rifles")
    assert "\x1b[1mmore than 600,000 rifles\x1b[0m" in screen.getvalue()
