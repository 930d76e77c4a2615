"""The settings file: a model chosen once is used by every command; flags and the
environment still win; a bad file or value is one line."""

import json

from .test_cli import QUESTION, assert_one_line_error, run


def test_a_model_set_once_is_used_and_flags_still_win(fake_cli, docs, fake_llm, monkeypatch):
    assert run("ingest", str(docs)).exit_code == 0
    assert json.loads(run("ask", QUESTION, "--json").stdout)["llm"] == "local"
    result = run("config", "set", "llm", "extractive")
    assert result.exit_code == 0, result.output
    assert json.loads(run("ask", QUESTION, "--json").stdout)["llm"] == "extractive"
    chat = run("chat", "--json", input=QUESTION + "\n")
    assert json.loads(chat.stdout)["llm"] == "extractive"
    fake_llm.enqueue("An agreement.")
    assert json.loads(run("ask", QUESTION, "--json", "--llm", "local").stdout)["llm"] == "local"
    monkeypatch.setenv("QA_LLM", "local")
    fake_llm.enqueue("An agreement.")
    assert json.loads(run("ask", QUESTION, "--json").stdout)["llm"] == "local"
    shown = json.loads(run("config", "--json").stdout)["settings"][0]
    assert shown == {**shown, "key": "llm", "value": "local", "from": "environment (QA_LLM)"}
    monkeypatch.delenv("QA_LLM")
    assert run("config", "unset", "llm").exit_code == 0
    assert json.loads(run("config", "--json").stdout)["settings"][0]["from"] == "default"


def test_the_index_can_be_set_once(fake_cli, docs, tmp_path, monkeypatch):
    monkeypatch.delenv("QA_INDEX")
    assert run("config", "set", "index", str(tmp_path / "mine")).exit_code == 0
    assert run("ingest", str(docs)).exit_code == 0
    assert json.loads(run("status", "--json").stdout)["index"] == str(tmp_path / "mine")


def test_bad_settings_are_one_line(fake_cli, tmp_path, monkeypatch):
    assert_one_line_error(run("config", "set", "colour", "blue"), 2, "unknown setting")
    assert_one_line_error(run("config", "set", "llm", "gpt5"), 2, "unknown --llm")
    assert_one_line_error(run("config", "set", "chroma_url", "nope"), 2, "not a URL")
    path = tmp_path / "config.toml"
    monkeypatch.setenv("QA_CONFIG", str(path))
    path.write_text("llm = [unclosed\n")
    assert_one_line_error(run("status"), 2, "cannot read the settings file")
    path.write_text('colour = "blue"\n')
    assert_one_line_error(run("status"), 2, "unknown keys: colour")


def test_models_lists_the_bundled_model_and_marks_the_one_in_use(fake_cli):
    result = run("models", "--json", "--base-url", "http://127.0.0.1:9/v1")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert rows["local"]["available"] and rows["local"]["current"]
    assert rows["extractive"]["available"] and not rows["extractive"]["current"]
    assert not rows["openai:MODEL"]["available"]  # nothing listens on the discard port
    assert run("config", "set", "llm", "extractive").exit_code == 0
    rows = {r["name"]: r for r in map(json.loads, run("models", "--json").stdout.splitlines())}
    assert rows["extractive"]["current"]
