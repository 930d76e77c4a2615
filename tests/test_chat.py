import json

import pytest
from typer.testing import CliRunner

from qa.answering.conversation import Conversation, is_follow_up, rewrite_follow_up
from qa.cli import app
from qa.index import Index
from qa.ingest import ingest
from qa.llms import LLMSpec


@pytest.mark.parametrize(
    "follow_up,expected",
    [
        ("and what about trade?", "what did India and Russia agree on trade?"),
        ("What about energy?", "what did India and Russia agree on energy?"),
        ("and fertilisers?", "what did India and Russia agree on fertilisers?"),
    ],
)
def test_topic_follow_ups_are_rewritten_without_a_model(follow_up, expected):
    assert is_follow_up(follow_up)
    assert rewrite_follow_up(follow_up, "what did India and Russia agree on defence?") == expected


@pytest.mark.parametrize(
    "previous,expected",
    [
        # no topic slot to fill: never "how many assault rifles will be trade?"
        ("how many assault rifles will be made?", "what about trade?"),
        ("when did Putin and Modi meet?", "what about trade (Putin Modi)?"),
        ("what were the outcomes of the summit?", "what were the outcomes of trade?"),
    ],
)
def test_a_topic_replaces_only_what_follows_a_preposition(previous, expected):
    assert rewrite_follow_up("and what about trade?", previous) == expected


@pytest.mark.parametrize(
    "follow_up,previous,expected",
    [
        # "its", "their": the previous question's subject, asked about
        ("what about its history?", "tell me about Plymouth", "tell me about Plymouth's history?"),
        (
            "what about their differences?",
            "what did India and Russia agree on defence?",
            "tell me about India and Russia's differences?",
        ),
        (
            "and its economy?",
            "summarise the article about Montana",
            "tell me about Montana's economy?",
        ),
        # the subject stays when it was the topic replaced
        ("and the navy?", "tell me about Plymouth", "tell me about the navy (Plymouth)?"),
        ("and trade?", "summarise the article about Montana", "what about trade (Montana)?"),
        # a rewritten follow-up passes its subject on
        ("when did he die?", "where was he born (Chopin)?", "when did he die (Chopin)?"),
        ("how much did it cost?", "who designed it (iPod)?", "how much did it cost (iPod)?"),
    ],
)
def test_follow_ups_keep_what_the_conversation_is_about(follow_up, previous, expected):
    assert is_follow_up(follow_up)
    assert rewrite_follow_up(follow_up, previous) == expected


def test_a_question_word_alone_asks_it_of_the_previous_question():
    assert is_follow_up("why?") and is_follow_up("and when?")
    previous = "what did India and Russia agree on defence?"
    assert rewrite_follow_up("why?", previous) == "why did India and Russia agree on defence?"
    assert (
        rewrite_follow_up("And how?", "did India buy the S-400?") == "how did India buy the S-400?"
    )


def test_pronoun_follow_ups_keep_the_subject():
    q = rewrite_follow_up("when did it erupt?", "What is Mount Etna?")
    assert "Mount" in q and "Etna" in q and q.startswith("when did it erupt")


def _answered(question, sentence, highlight=None, abstained=False):
    from qa.answering.records import Answer, AnswerFrom, Quoted

    return Answer(
        question=question,
        answer=f"{sentence} [1]",
        abstained=abstained,
        grounded=True,
        answer_from=AnswerFrom.EVIDENCE,
        sources=[],
        evidence=[Quoted(1, sentence, 1.0, 1.0, 1.0)],
        llm="extractive",
        highlight=highlight,
    )


PUTIN = (
    "President Vladimir Putin made only his second trip outside Russia for the annual "
    "summit with Prime Minister Narendra Modi."
)


@pytest.mark.parametrize(
    "question,sentence,person",
    [
        ("who is the Russian president?", PUTIN, "Vladimir Putin"),
        ("Who is the Indian prime minister?", PUTIN, "Narendra Modi"),
        (
            "who is Russia's foreign minister?",
            "Russian foreign minister Sergey Lavrov made it clear that Russia didn’t agree.",
            "Sergey Lavrov",
        ),
        (
            "who did Putin meet in Geneva?",
            "Mr Putin’s last foreign trip was to Geneva in June for a summit with United "
            "States (US) President Joe Biden.",
            "Joe Biden",
        ),
    ],
)
def test_a_who_answer_names_the_person_a_pronoun_then_means(question, sentence, person):
    from qa.answering.conversation import named_person

    assert named_person(_answered(question, sentence)) == person
    assert rewrite_follow_up("where did he go in June?", question, person) == (
        f"where did {person} go in June?"
    )
    assert rewrite_follow_up("what was his role?", question, person) == f"what was {person}'s role?"
    assert rewrite_follow_up("what did they ask her?", question, person) == (
        f"what did they ask {person}?"
    )


def test_a_chat_follows_the_person_it_is_about(tmp_path, docs, embedder):
    from qa.answering.conversation import named_person

    # Only an answered "who" question names the person; otherwise the subject words stay.
    assert named_person(_answered("what did Putin sign?", PUTIN)) is None
    assert named_person(_answered("who is the Russian president?", PUTIN, abstained=True)) is None
    chat = Conversation(Index(tmp_path / "ix"), embedder, LLMSpec.parse("extractive"))
    chat.turns.append(_answered("who is the Russian president?", PUTIN))
    assert chat.standalone("where did he go in June?") == "where did Vladimir Putin go in June?"
    # The next follow-up still means him: the rewritten question names one person.
    chat.turns.append(_answered("where did he go in June?", "He went to Geneva."))
    chat.turns[-1].standalone_question = "where did Vladimir Putin go in June?"
    assert chat.standalone("who did he meet?") == "who did Vladimir Putin meet?"
    chat.turns.append(_answered("what did India sign?", "India signed a deal."))
    assert chat.standalone("when did they sign it?") == "when did they sign it (India)?"


def test_tell_me_more_continues_the_last_answer_without_repeating_it(tmp_path, docs, embedder):
    from qa.answering.conversation import asks_for_more
    from qa.answering.records import NOTHING_MORE

    for more in (
        "tell me more",
        "Tell me more about that.",
        "go on",
        "more please",
        "anything else?",
    ):
        assert asks_for_more(more)
    for topic in ("tell me more about trade", "what more can India buy?", "more rifles?"):
        assert not asks_for_more(topic)
    ix = Index(tmp_path / "ix")
    ingest([docs], ix, embedder)
    chat = Conversation(ix, embedder, LLMSpec.parse("extractive"))
    first = chat.ask("how many assault rifles will be made?")
    seen = {e.text for e in first.evidence}
    assert "600,000 assault rifles" in first.answer
    assert chat.standalone("tell me more") == "how many assault rifles will be made?"  # shown
    more = chat.ask("tell me more")
    assert more.standalone_question == "how many assault rifles will be made?"
    assert not more.abstained and not seen & {e.text for e in more.evidence}
    # It goes on from the passage the answer came from: the rest of the summit article.
    assert "fertilisers" in more.answer
    seen |= {e.text for e in more.evidence}
    turns = 0
    while not (more := chat.ask("go on")).abstained:
        assert not seen & {e.text for e in more.evidence}
        seen |= {e.text for e in more.evidence}
        turns += 1
        assert turns < 10
    assert more.answer == NOTHING_MORE


def test_standalone_questions_are_left_alone():
    assert not is_follow_up("What is the capital of Sicily?")


def test_larger_models_condense_and_bad_rewrites_are_rejected(tmp_path, docs, embedder, fake_llm):
    ix = Index(tmp_path / "ix")
    ingest([docs], ix, embedder)
    chat = Conversation(ix, embedder, LLMSpec.parse("ollama:big"))
    fake_llm.enqueue("An agreement on military-technical cooperation [1].")
    chat.ask("what did India and Russia agree on defence?")
    fake_llm.enqueue("What did India and Russia discuss about trade?")
    assert (
        chat.standalone("and what about trade?") == "What did India and Russia discuss about trade?"
    )
    fake_llm.enqueue("Tell me about bread.")  # drops the follow-up's topic: not trusted
    assert chat.standalone("and what about energy?") == "what did India and Russia agree on energy?"


def test_chat_over_piped_stdin(fake_cli, docs, fake_llm):
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(docs)]).exit_code == 0
    fake_llm.enqueue(
        "An agreement on military-technical cooperation.",
        "Arrangements for energy and fertilisers from Russia.",
    )
    script = (
        "\n".join(
            [
                "/help",
                "what agreement did India and Russia sign on military cooperation?",
                "and what about energy and fertilisers?",
                "/sources",
                "/reset",
                "/exit",
                "never asked",
            ]
        )
        + "\n"
    )
    result = runner.invoke(app, ["chat"], input=script)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "/sources" in out  # the help text
    assert "military-technical cooperation" in out
    assert "energy and fertilisers" in out, out
    assert (
        "searching: what agreement did India and Russia sign on energy and fertilisers?"
        in result.stderr
    )
    assert "conversation cleared" in result.stderr
    assert "never asked" not in out
    assert len(fake_llm.calls) == 2
    assert "energy" in fake_llm.calls[1][-1].content


def test_chat_json_prints_one_object_per_answer(fake_cli, docs, fake_llm):
    runner = CliRunner()
    runner.invoke(app, ["ingest", str(docs)])
    fake_llm.enqueue("Assault rifles.")
    result = runner.invoke(
        app, ["chat", "--json"], input="what did India and Russia agree on defence?\n"
    )
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(rows) == 1 and rows[0]["standalone_question"].startswith("what did India")


def test_chat_ends_cleanly_at_end_of_input(fake_cli, docs):
    runner = CliRunner()
    runner.invoke(app, ["ingest", str(docs)])
    result = runner.invoke(app, ["chat"], input="")
    assert result.exit_code == 0


def test_summarise_the_article_in_a_chat_means_the_one_just_discussed(fake_cli, docs):
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(docs)]).exit_code == 0
    script = "what did India and Russia agree on defence?\nsummarise the article\n"
    result = runner.invoke(app, ["chat", "--json", "--llm", "extractive"], input=script)
    assert result.exit_code == 0, result.output
    first, summary = (json.loads(line) for line in result.stdout.splitlines())
    assert first["kind"] == "broad" and summary["kind"] == "document"
    assert not summary["abstained"]
    assert {s["source"] for s in summary["sources"]} == {"docs/summit.txt"}
