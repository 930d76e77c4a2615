"""Questions of every kind: routing, broad answers, summaries, and capable models reading
whole passages with each sentence checked."""

import json
import re

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from qa.answering import AskOptions, ask, summarize
from qa.answering.intent import QuestionKind, classify, ruled
from qa.eval.broad import fact_coverage, readable
from qa.index import Index
from qa.ingest import ingest

from .test_cli import run

FACTOID, BROAD, DOCUMENT = QuestionKind.FACTOID, QuestionKind.BROAD, QuestionKind.DOCUMENT


@pytest.mark.parametrize(
    "question, kind",
    [
        # factoids: one fact
        ("who kicked the winning field goal?", FACTOID),
        ("When did Etna erupt?", FACTOID),
        ("where did Putin travel in June?", FACTOID),
        ("how many assault rifles will be made?", FACTOID),
        ("How much did the contract cost?", FACTOID),
        ("which stadium hosted Super Bowl 50?", FACTOID),
        ("what is the capital of Freedonia?", FACTOID),
        ("what year did the embargo end?", FACTOID),
        ("what agreement did India and Russia sign on military cooperation?", FACTOID),
        ("Is Etna an active volcano?", FACTOID),
        # broad: overviews, outcomes, causes, processes, lists, comparisons, what was said
        ("what were the outcomes of the summit?", BROAD),
        ("what did the two sides discuss?", BROAD),
        ("what did India and Russia agree on defence?", BROAD),
        ("Why does the editorial see the visit as a sign of Moscow's regard?", BROAD),
        ("how did the NFL choose the venue?", BROAD),
        ("Which events led to the revolution?", BROAD),
        ("What process caused the financial system to expand?", FACTOID),
        ("How is oxygen produced on an industrial scale", BROAD),
        ("describe Victoria's agriculture", BROAD),
        ("explain how a bill becomes law", BROAD),
        ("Compare the Panthers' and the Broncos' seasons.", BROAD),
        ("What's the difference between regulations and directives?", BROAD),
        ("what are the pros and cons of sourdough?", BROAD),
        ("What effects did the gold rush have on Victoria?", BROAD),
        ("what were the main causes of the oil crisis?", BROAD),
        ("what caused the Apollo 1 fire?", BROAD),
        ("give me a quick rundown of what came out of the summit", BROAD),
        ("tell me about the S-400 deal", BROAD),
        ("what do you know about the Quad?", BROAD),
        ("I'd like to know more about the summit", BROAD),
        ("Summarise what the text says about discipline in schools.", BROAD),
        ("What's the article's overall verdict on the ties?", BROAD),
        # requests about a whole document
        ("summarise the article", DOCUMENT),
        ("Summarize this document.", DOCUMENT),
        ("can you give me a summary of the report?", DOCUMENT),
        ("tl;dr", DOCUMENT),
        ("what is the article about?", DOCUMENT),
        ("what is notes/plan.md about?", DOCUMENT),
        ("main points of report.pdf", DOCUMENT),
        ("summarise seeds/000_367919e9dc5d7af7.txt", DOCUMENT),
    ],
)
def test_questions_are_routed_by_what_they_ask(question, kind):
    assert classify(question).kind == kind


def test_lists_are_asked_for_as_lists():
    assert classify("list the issues where they disagree").as_list
    assert classify("What are the main uses of oxygen?").as_list
    assert not classify("why did the talks fail?").as_list
    assert classify("what is notes/plan.md about?").document == "notes/plan.md"


@pytest.fixture
def index(tmp_path, docs, embedder):
    ix = Index(tmp_path / "ix")
    ingest([docs], ix, embedder)
    return ix


def sentences_of(answer: str) -> list[str]:
    return [p.strip().lstrip("- ") for p in re.split(r"\[\d+(?:, \d+)*\]|\n", answer) if p.strip()]


def test_a_broad_answer_is_several_whole_sentences_of_the_documents(index, embedder, docs):
    answer = ask("what did India and Russia agree on defence?", index, embedder, "extractive")
    assert answer.kind == "broad" and answer.answer_from == "evidence" and not answer.abstained
    text = (docs / "summit.txt").read_text()
    pieces = sentences_of(answer.answer)
    assert len(pieces) >= 2 and all(p in text for p in pieces)
    assert "600,000 assault rifles" in answer.answer
    words = len(re.sub(r"\[\d+\]", "", answer.answer).split())
    assert 60 <= words <= 150
    assert readable(answer.answer)
    # The passage with the best sentence first; within a passage, the document's order.
    best = max(answer.evidence, key=lambda e: e.score)
    assert answer.evidence[0].n == best.n == 1
    for n in {e.n for e in answer.evidence}:
        mine = [text.index(e.text) for e in answer.evidence if e.n == n]
        assert mine == sorted(mine)
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert cited == {s.n for s in answer.sources}


def test_a_list_question_gets_bullets(index, embedder):
    answer = ask("list the issues where India and Russia differ", index, embedder, "extractive")
    lines = answer.answer.splitlines()
    assert len(lines) >= 2 and all(line.startswith("- ") and line.endswith("]") for line in lines)


def test_the_bundled_model_is_not_asked_for_a_broad_answer(index, embedder, fake_llm):
    answer = ask("what were the outcomes of the summit?", index, embedder, "local")
    assert answer.kind == "broad" and fake_llm.calls == []


def test_a_counted_thing_keeps_its_unit_highlighted_in_its_sentence(index, embedder, fake_llm):
    # the phrase alone reads as an answer even when it is the wrong one ("2" from "Piano
    # Sonata No. 2"); in its sentence the reader can tell
    answer = ask("how many assault rifles will be made?", index, embedder, "local")
    assert answer.highlight == "more than 600,000 assault rifles" and fake_llm.calls == []
    assert answer.answer.startswith("That the two sides signed") and answer.answer.endswith("[1]")
    assert answer.highlight in answer.answer and answer.answer_from == "evidence"


# -- capable models read whole passages --------------------------------------------------------


def test_a_capable_model_gets_whole_numbered_passages_with_their_sources(index, embedder):
    model = FakeListChatModel(responses=["They signed a military-technical agreement [1]."])
    seen = []
    model_invoke = model.invoke
    object.__setattr__(
        model,
        "invoke",
        lambda messages, **kw: seen.append(messages) or model_invoke(messages, **kw),
    )
    ask(
        "what did India and Russia agree on defence?",
        index,
        embedder,
        "ollama:big",
        chat_model=model,
    )
    prompt = seen[0][-1][1]
    assert "[1] (docs/summit.txt, 2021-12-07)" in prompt
    # The whole passage, not one sentence of it.
    assert "military-technical cooperation" in prompt and "fertilisers" in prompt
    assert "citation" in seen[0][0][1] or "cite" in seen[0][0][1]


class Scripted(FakeListChatModel):
    """Replies made from the prompt: `reply(prompt)` sees the numbered passages."""

    reply: object = None

    def _call(self, messages, *args, **kwargs):
        return self.reply(messages[-1].content)


def number_of(prompt: str, words: str) -> int:
    """The number of the passage in `prompt` that holds `words`."""
    for m in re.finditer(r"^\[(\d+)\] \(.*?\)\n(.*?)(?=\n\n\[|\Z)", prompt, re.S | re.M):
        if words in m.group(2):
            return int(m.group(1))
    raise AssertionError(f"no passage holds {words!r}")


def test_unsupported_sentences_of_a_capable_model_are_dropped(index, embedder):
    def reply(prompt):
        n = number_of(prompt, "military-technical")
        return (
            f"India and Russia signed an agreement on military-technical cooperation for the "
            f"next decade [{n}]. They also agreed to build a joint base on the Moon by 2030 [{n}]. "
            f"A contract covers more than 600,000 assault rifles [{n}]."
        )

    model = Scripted(responses=[""], reply=reply)
    answer = ask(
        "what did India and Russia agree on defence?",
        index,
        embedder,
        "ollama:big",
        chat_model=model,
    )
    assert answer.answer_from == "model" and answer.grounded
    assert "Moon" not in answer.answer and "600,000 assault rifles" in answer.answer
    assert answer.unsupported == ["They also agreed to build a joint base on the Moon by 2030."]
    assert answer.answer.count("[1]") == 2  # renumbered: the one source cited is [1]
    assert [s.source for s in answer.sources] == ["docs/summit.txt"]


def test_a_capable_model_with_nothing_supported_falls_back_to_the_documents(index, embedder):
    model = FakeListChatModel(responses=["The summit agreed on a mission to Mars in 2040 [1]."])
    answer = ask(
        "what did India and Russia agree on defence?",
        index,
        embedder,
        "openai:big",
        AskOptions(min_score=0.0),
        chat_model=model,
    )
    assert answer.answer_from == "evidence" and not answer.grounded
    assert "Mars" not in answer.answer and answer.unsupported


def test_a_capable_models_bullets_stay_bullets(index, embedder):
    reply = (
        "- Russia dislikes India's closer ties with the US [1]\n"
        "- India objects to Russia-China defence cooperation [1]"
    )
    model = FakeListChatModel(responses=[reply])
    answer = ask(
        "list the issues where India and Russia differ",
        index,
        embedder,
        "ollama:big",
        chat_model=model,
    )
    assert answer.answer.splitlines()[0].startswith("- ") and len(answer.answer.splitlines()) == 2


# -- summaries -------------------------------------------------------------------------------------


def test_an_extractive_summary_of_a_document(index, docs):
    doc = next(d for d in index.documents() if d.source == "docs/summit.txt")
    answer = summarize(doc, index, "local")
    assert answer.kind == "document" and answer.answer_from == "evidence"
    text = (docs / "summit.txt").read_text()
    pieces = sentences_of(answer.answer)
    assert 3 <= len(pieces) <= 7 and all(p in text for p in pieces)
    starts = [text.index(p) for p in pieces]
    assert starts == sorted(starts)  # in document order
    assert all(s.source == "docs/summit.txt" for s in answer.sources)


def test_summarise_the_article_needs_to_know_which(index, embedder):
    answer = ask("summarise the article", index, embedder, "local")
    assert answer.abstained and "3 documents are indexed" in answer.answer
    named = ask("summarise docs/bread.txt", index, embedder, "local")
    assert named.kind == "document" and not named.abstained
    assert {s.source for s in named.sources} == {"docs/bread.txt"}


def test_a_capable_model_summarises_a_long_document_part_by_part(tmp_path, embedder):
    folder = tmp_path / "long"
    folder.mkdir()
    paragraphs = [
        f"Chapter {n} tells how the harbour of Port {n} was rebuilt in {1900 + n}. "
        f"The work in Port {n} took {n + 2} years and employed {100 * n} people."
        for n in range(1, 40)
    ]
    (folder / "harbours.txt").write_text("\n\n".join(paragraphs))
    index = Index(tmp_path / "ix")
    ingest([folder], index, embedder)
    parts_seen = []

    def reply(prompt):
        if prompt.rstrip().endswith("Summary:"):  # the reduce step
            return "Port 1 was rebuilt in 1901 [1]. Dragons guarded every harbour in 1066 [2]."
        port = re.search(r"Port (\d+)", prompt).group(1)
        return f"Port {port} was rebuilt in {1900 + int(port)}."

    model = Scripted(responses=[""], reply=reply)
    doc = index.documents()[0]
    answer = summarize(
        doc,
        index,
        "ollama:big",
        chat_model=model,
        on_progress=lambda d, t: parts_seen.append((d, t)),
    )
    total = parts_seen[-1][1]
    assert total >= 2 and parts_seen[-1] == (total, total)  # every part was summarised
    assert answer.answer_from == "model" and "Dragons" not in answer.answer
    assert answer.answer == "Port 1 was rebuilt in 1901 [1]."
    assert answer.unsupported == ["Dragons guarded every harbour in 1066."]


def test_the_summarize_command(fake_cli, docs):
    assert run("ingest", str(docs)).exit_code == 0
    result = run("summarize", str(docs / "summit.txt"), "docs/bread.txt", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["document"] for r in rows] == ["docs/summit.txt", "docs/bread.txt"]
    assert all(r["kind"] == "document" and r["sources"] for r in rows)
    text = run("summarize", "summit.txt")
    assert text.exit_code == 0 and "Sources" in text.stdout
    missing = run("summarize", "nowhere.txt")
    assert missing.exit_code == 2 and "no indexed document" in missing.stderr


# -- the broad measures ----------------------------------------------------------------------------


def test_fact_coverage_reads_the_first_150_words_only():
    facts = [["alpha"], ["beta", "bravo"], ["gamma"]]
    assert fact_coverage("Alpha and Bravo.", facts) == pytest.approx(2 / 3)
    late = " ".join(["word"] * 150) + " gamma"
    assert fact_coverage(late, facts) == 0.0


@pytest.mark.parametrize(
    "answer, ok",
    [
        ("The two sides signed an agreement. [1]", True),
        ("- One thing [1]\n- Another [2]", True),
        ("600,000 assault rifles [1]", True),  # a span of up to four words
        ("fruitful as the meeting with Mr Modi [1]", False),  # starts mid-sentence
        ("The two sides signed an agreement on", False),  # clipped
    ],
)
def test_readable(answer, ok):
    assert readable(answer) is ok


def test_eval_reads_the_broad_format(fake_cli, docs, tmp_path):
    questions = {
        "questions": [
            {
                "q": "what did India and Russia agree on defence?",
                "source": "summit.txt",
                "facts": [["military-technical"], ["600,000", "assault rifles"], ["moon base"]],
            }
        ],
        "unanswerable": [{"q": "What is the boiling point of mercury on Venus?"}],
    }
    path = tmp_path / "broad.json"
    path.write_text(json.dumps(questions))
    needs_corpus = run("eval", str(path))
    assert needs_corpus.exit_code == 2 and "--corpus" in needs_corpus.stderr
    result = run("eval", str(path), "--corpus", str(docs), "--llm", "extractive", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["fact_coverage"] == pytest.approx(2 / 3, abs=0.01)
    assert data["full_coverage"] == 0.0 and data["readable"] == 1.0
    assert data["unanswerable_abstained"] == "1/1"
    assert {"mean_words", "latency_p50_s", "latency_p95_s"} <= data.keys()


def test_a_sentence_that_leans_on_the_one_before_is_not_used_alone():
    from qa.answering.extractive import leans_back

    assert leans_back("The outcome of that was not as fruitful as the meeting with Mr Modi.")
    assert leans_back("This prepared the grounds for the summit.")
    assert leans_back("“It was a success,” he said.")
    assert not leans_back("That the two sides signed an agreement shows their ties are robust.")
    assert not leans_back("Thousands attended the summit.")


# -- what the documents never mention ----------------------------------------------------------


@pytest.mark.parametrize(
    "question, missing",
    [
        ("who flew on Apollo 14 and where did they land?", "Apollo 14"),
        ("how much did tickets for the summit cost?", "tickets"),
        ("how much did a gallon of petrol cost in Delhi?", "gallon"),
        ("what did Putin and Modi say about the Ukrainian border?", "Ukrainian"),
    ],
)
def test_a_question_about_something_never_mentioned_is_declined_naming_it(
    index, embedder, question, missing
):
    answer = ask(question, index, embedder, "extractive", AskOptions(min_score=0.0))
    assert answer.abstained and answer.sources == []
    assert answer.answer == f'I couldn\'t find "{missing}" in the indexed documents.'


@pytest.mark.parametrize(
    "question",
    [
        "how many assault rifles will be made?",  # the counted thing is in the passage
        "how many years will the agreement on military-technical cooperation last?",  # a measure
        "what did Putin and Modi agree on defence?",  # every name is in the passages
    ],
)
def test_questions_about_what_is_mentioned_are_answered(index, embedder, question):
    assert not ask(question, index, embedder, "extractive", AskOptions(min_score=0.0)).abstained


def test_a_numbered_name_is_looked_up_in_the_whole_index(index):
    from qa.answering.abstention import unmentioned

    # "Super Bowl 50" need not be in the passages retrieved, only somewhere in the index.
    asked: list[str] = []
    assert (
        unmentioned("who won Super Bowl 50?", [], lambda p: asked.append(p) or True, False) is None
    )
    assert asked == ["Bowl 50"]
    assert index.mentions("Modi") and index.mentions("assault rifles")
    assert not index.mentions("rifles assault") and not index.mentions("Apollo 14")
    # Years, scores and dates are not numbered names.
    never = lambda p: False  # noqa: E731
    for question in ("what happened in 1973?", "who won 24-10 in October 2015?", "page 3?"):
        assert unmentioned(question, ["text"], never, False) is None


def test_a_broad_question_naming_what_the_index_holds_elsewhere_is_not_declined():
    from qa.answering.abstention import unmentioned
    from qa.answering.records import not_found

    question = "How does schooling work in other countries, like Finland or Germany?"
    passages = ["Finland has used comprehensive schools since the 1970s."]
    assert unmentioned(question, passages, lambda p: p == "Germany", True) is None
    assert unmentioned(question, passages, lambda p: False, True) == "Germany"
    # Held by another document only: the documents the answer draws on never name it.
    held_elsewhere = unmentioned(question, passages, lambda p: True, True, lambda p: False)
    assert held_elsewhere == "Germany"
    # A thing the passages lack but the index holds elsewhere is not called unknown.
    assert "in the passages about this" in not_found("private", anywhere=False)


def test_a_broad_answer_prefers_the_kind_of_sentence_asked_for():
    from qa.answering.extractive import broad, cues

    class C:
        def __init__(self, text, score, hit, start=0):
            self.text, self.score, self.start, self.vector = text, score, start, None
            self.hit = type("Hit", (), {"id": hit})()
            self.relevance = None

    topical = C("The summit was held in New Delhi in December.", 0.80, "a")
    cause = C("Prices rose because the supply of oil was cut off.", 0.65, "b")
    other = C("The delegates toured the city and visited a museum.", 0.70, "c")
    assert cues("why did prices rise?") and not cues("who attended the summit?")
    chosen = broad([topical, other, cause], "a", "why did prices rise?", most=20)
    assert chosen == [cause, topical]  # the cause in, not the more similar sentence
    chosen = broad([topical, other, cause], "a", "what happened at the summit?", most=20)
    assert chosen == [topical, other]
    # What the relevance model rates as answering weighs in: the museum visit is out.
    cause.relevance, other.relevance = 0.9, 0.05
    chosen = broad([topical, other, cause], "a", "what happened at the summit?", most=20)
    assert chosen == [cause, topical]


def test_a_question_asking_for_money_is_declined_when_no_passage_names_a_sum(tmp_path, embedder):
    from qa.answering.abstention import amount_missing
    from qa.answering.records import NO_AMOUNT

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "stadium.txt").write_text(
        "The new stadium was paid for with $1.2 billion of bonds. It opened in 2014."
    )
    (docs / "museum.txt").write_text(
        "The city museum was built in 1990. Building the museum cost the city its old "
        "market. The museum was built to a design with a courtyard. The cost of the museum "
        "was met by the city. The museum holds 3,000 paintings."
    )
    ix = Index(tmp_path / "ix")
    ingest([docs], ix, embedder)
    options = AskOptions(min_score=0.0)
    answer = ask("how much was paid for the stadium?", ix, embedder, "extractive", options)
    assert not answer.abstained and "$1.2 billion" in answer.answer
    # The museum's passages are about it, but none gives what it cost: another figure
    # (1990, 3,000) would be a wrong answer.
    answer = ask("how much did the museum cost to build?", ix, embedder, "extractive", options)
    assert answer.abstained and answer.answer == NO_AMOUNT and answer.sources == []
    answer = ask("how many paintings does the museum hold?", ix, embedder, "extractive", options)
    assert not answer.abstained and "3,000" in answer.answer
    # A share answers "how much" too; questions not about money are never checked.
    assert not amount_missing("how much revenue came from iPods?", ["14.21% of revenue"])
    assert amount_missing("what was the launch price of the iPod?", ["It launched in 2001."])
    assert not amount_missing("when did the iPod launch?", ["It launched in 2001."])
    assert not amount_missing("what was the iPod's price?", ["It sold for US$399."])


@pytest.mark.parametrize(
    "question",
    [
        "What problems have electric cars had over the years?",
        "what kinds of boats did the vikings build, and which designs did they invent?",
        "where does the word quarantine come from and how did it become a public health rule",
    ],
)
def test_the_learned_router_sends_broad_questions_without_a_pattern_the_broad_way(question):
    assert ruled(question) == FACTOID  # no hand-written sign of a broad question
    assert classify(question).kind == BROAD


@pytest.mark.parametrize(
    "question",
    ["how tall was chopin?", "who is the Russian president?", "what is CAATSA", "when did it end"],
)
def test_the_learned_router_leaves_factoids_alone(question):
    assert classify(question).kind == FACTOID


def test_the_router_reads_any_question_without_failing():
    for question in ("how many " * 5000, "?" * 3, "ünïcödé 数字 " * 100, ""):
        assert classify(question).kind in (FACTOID, BROAD)


def test_a_router_model_fitted_on_other_features_is_refused(tmp_path, monkeypatch):
    import json

    from qa.answering import intent

    data = json.loads(intent.MODEL.read_text())
    data["extras"] = ["log_words", "question_marks"]
    (tmp_path / "intent.json").write_text(json.dumps(data))
    monkeypatch.setattr(intent, "MODEL", tmp_path / "intent.json")
    intent._model.cache_clear()
    try:
        with pytest.raises(ValueError, match="other features"):
            classify("how tall was chopin?")
    finally:
        intent._model.cache_clear()
