"""The relevance model: the shipped file is the one its card describes, it tells a passage
that answers from one that does not, and with --rerank the answer path orders and cites
by it."""

import hashlib
import json

import pytest

from qa.answering import AskOptions, ask
from qa.errors import ModelNotFound, UsageError
from qa.index import Index
from qa.ingest import ingest
from qa.ranker import MODEL, SETTINGS, Ranker, default_ranker, rerank_setting
from qa.retrieval import RERANK_POOL, search

from .test_cli import run


class ScriptedRanker:
    """A ranker that believes what it is told: `likes` words raise a passage's score."""

    name = "scripted"

    def __init__(self, likes: str = "", low: float = 0.05, high: float = 0.95):
        self.likes, self.low, self.high = likes.lower(), low, high
        self.seen: list[list[str]] = []

    def score(self, question, passages):
        self.seen.append(passages)
        return [self.high if self.likes and self.likes in p.lower() else self.low for p in passages]


@pytest.fixture
def index(tmp_path, docs, embedder):
    ix = Index(tmp_path / "ix")
    ingest([docs], ix, embedder)
    return ix


def test_the_shipped_model_is_the_one_its_card_and_settings_name():
    settings = json.loads(SETTINGS.read_text())
    digest = hashlib.sha256(MODEL.read_bytes()).hexdigest()
    assert settings["sha256"] == digest
    assert digest in (MODEL.parent / "ranker.md").read_text()
    assert MODEL.stat().st_size <= 25_000_000
    assert settings["name"] in (MODEL.parent / "ranker.md").read_text()


def test_the_real_model_prefers_the_passage_that_answers():
    r = default_ranker()
    scores = r.score(
        "When did Mount Etna erupt?",
        [
            "Sourdough bread rises with a starter of wild yeast.",
            "Mount Etna is an active volcano on the east coast of Sicily. It erupted in 2021 "
            "with lava fountains over one kilometre high.",
            "Volcanic ash grounded flights at Catania airport for two days.",
        ],
    )
    assert max(range(3), key=scores.__getitem__) == 1
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores[1] > 0.5 > scores[0]
    assert r.score("anything", []) == []


def test_search_weighs_the_models_probability_into_the_order(index, embedder, monkeypatch):
    import qa.retrieval as retrieval

    q = "When did Mount Etna erupt?"
    ranker = ScriptedRanker(likes="sourdough")
    hits = search(q, index, embedder, 2, ranker=ranker)
    assert "Etna" in hits[0].text  # a small weight: the hybrid order mostly stands
    assert {h.relevance for h in hits} <= {0.05, 0.95}
    monkeypatch.setattr(retrieval, "RERANK_WEIGHT", 10.0)
    hits = search(q, index, embedder, 2, ranker=ranker)
    assert "Sourdough" in hits[0].text and hits[0].relevance == 0.95
    assert all(h.relevance is not None for h in hits)
    assert len(ranker.seen[0]) <= max(2, RERANK_POOL)
    plain = search("When did Mount Etna erupt?", index, embedder, 2)
    assert all(h.relevance is None for h in plain) and "Etna" in plain[0].text


def test_ask_cites_the_passage_the_model_prefers_and_names_it(index, embedder, monkeypatch):
    import qa.answering.pipeline as pipeline
    import qa.retrieval as retrieval

    q = "When did Mount Etna erupt?"
    off = ask(q, index, embedder, "extractive", AskOptions(rerank=False))
    assert off.ranker is None and off.sources[0].relevance is None
    assert off.sources[0].source == "docs/volcano.md"

    monkeypatch.setattr(retrieval, "RERANK_WEIGHT", 10.0)  # the model's word decides
    monkeypatch.setattr(pipeline, "default_ranker", lambda: ScriptedRanker(likes="sourdough"))
    on = ask(q, index, embedder, "extractive", AskOptions(k=1, rerank=True, min_score=0.0))
    assert on.to_dict()["ranker"] == "scripted"
    assert on.sources[0].source == "docs/bread.txt" and on.sources[0].relevance == 0.95


def test_cli_search_rerank_flag_and_json(fake_cli, docs):
    assert run("ingest", str(docs)).exit_code == 0
    on = run("search", "When did Mount Etna erupt?", "--rerank", "--json")
    assert on.exit_code == 0, on.output
    rows = [json.loads(line) for line in on.output.splitlines()]
    assert all(0.0 <= r["relevance"] <= 1.0 for r in rows)
    assert rows[0]["source"] == "docs/volcano.md"
    off = run("search", "When did Mount Etna erupt?", "--no-rerank", "--json")
    assert all(json.loads(line)["relevance"] is None for line in off.output.splitlines())
    text = run("search", "When did Mount Etna erupt?", "--rerank")
    assert "relevance 0." in text.output


def test_a_bad_setting_or_a_missing_model_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_RERANK", "maybe")
    with pytest.raises(UsageError, match="QA_RERANK"):
        rerank_setting(None)
    assert rerank_setting(False) is False
    monkeypatch.setenv("QA_RERANK", "1")
    assert AskOptions().rerank is True
    monkeypatch.delenv("QA_RERANK")
    assert AskOptions().rerank is False  # off unless asked for
    missing = Ranker(model=tmp_path / "none.onnx", settings=tmp_path / "none.json")
    with pytest.raises(ModelNotFound, match="--no-rerank"):
        missing.score("q", ["p"])
