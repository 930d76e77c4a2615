import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.errors import UsageError
from qa.eval.metrics import contains_gold, exact_match, f1, normalize_answer, percentile
from qa.eval.squad import (
    Sampling,
    evaluate,
    load_squad,
)
from qa.index import Index
from qa.retrieval import Hit

FIXTURE = Path(__file__).parent / "fixtures" / "tiny_squad.json"


def test_squad_normalisation_and_scores():
    assert normalize_answer("The  Denver Broncos!") == "denver broncos"
    assert exact_match("the Denver Broncos", ["Denver Broncos"]) == 1.0
    assert exact_match("Broncos", ["Denver Broncos"]) == 0.0
    # 1 common token of 2 predicted and 2 gold: precision = recall = 0.5
    assert f1("Denver Colts", ["Denver Broncos"]) == pytest.approx(0.5)
    assert f1("x", ["Denver Broncos", "x"]) == 1.0  # best over the gold answers
    assert contains_gold("It was the Denver Broncos, in 2016.", ["Denver Broncos"]) == 1.0
    assert contains_gold("Carolina", ["Denver Broncos"]) == 0.0
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and percentile([5], 0.95) == 5


def test_load_squad_v2_marks_impossible_questions():
    paragraphs, questions = load_squad(FIXTURE)
    assert len(paragraphs) == 3 and len(questions) == 5
    assert {q.id for q in questions if q.impossible} == {"e4"}
    assert questions[0].document == "corpus/Etna/p0000.txt"
    assert [q.id for q in Sampling(limit=2).pick(questions)] == ["e1", "e2"]
    assert len(Sampling(sample=3, seed=7).pick(questions)) == 3
    assert Sampling(sample=3, seed=7).pick(questions) == Sampling(sample=3, seed=7).pick(questions)


def test_load_squad_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(UsageError):
        load_squad(bad)
    with pytest.raises(UsageError):
        load_squad(tmp_path / "missing.json")


def test_recall_and_mrr_by_hand(tmp_path, embedder):
    """Gold ranked 1st, 2nd and nowhere: MRR (1 + 1/2 + 0) / 3 = 0.5."""
    _, questions = load_squad(FIXTURE)
    answerable = [q for q in questions if not q.impossible][:3]
    rankings = {
        answerable[0].question: [answerable[0].document, "x"],
        answerable[1].question: ["x", answerable[1].document],
        answerable[2].question: ["x", "y", "z"],
    }

    def fake_search_documents(question, index, embedder, k, **kw):
        return [
            Hit(id=s, source=s, path=s, chunk=0, start=0, end=0, date=None, text="", score=0)
            for s in rankings[question]
        ]

    index = Index(tmp_path / "ix")
    result = evaluate(answerable, index, embedder, search_documents=fake_search_documents)
    assert result["questions"] == 3
    assert result["mrr"] == 0.5
    assert result["recall@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert result["recall@3"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["recall@10"] == pytest.approx(2 / 3, abs=1e-4)


def test_eval_command_on_the_fixture(fake_cli, fake_llm):
    result = CliRunner().invoke(
        app, ["eval", str(FIXTURE), "--answers", "--llm", "extractive", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["questions"], data["documents"]) == (5, 3)
    for key in (
        "mrr",
        "recall@1",
        "recall@3",
        "recall@5",
        "recall@10",
        "exact_match",
        "f1",
        "contains_gold",
        "abstain_rate_answerable",
        "abstain_rate_unanswerable",
        "latency_p50_s",
        "latency_p95_s",
        "chunks",
    ):
        assert key in data
    assert data["recall@1"] == 1.0  # each question names its paragraph's words
    # extractive answers are whole sentences: they contain the gold span
    assert data["contains_gold"] == 1.0
    # the fixture's one unanswerable question shares no word with the paragraphs
    assert data["abstain_rate_unanswerable"] == 1.0


def test_eval_reuses_an_index(fake_cli, tmp_path):
    ix = tmp_path / "evalindex"
    first = CliRunner().invoke(app, ["eval", str(FIXTURE), "--index", str(ix), "--json"])
    calls = fake_cli.calls  # the paragraphs were embedded once
    second = CliRunner().invoke(app, ["eval", str(FIXTURE), "--index", str(ix), "--json"])
    assert first.exit_code == second.exit_code == 0
    assert calls > 0 and fake_cli.calls == calls  # nothing embedded again
    assert json.loads(first.stdout)["mrr"] == json.loads(second.stdout)["mrr"]
