import pytest

from qa.answering.spans import answer_span, phrase_for, phrases, question_kind


@pytest.mark.parametrize(
    "question,kind",
    [
        ("When did the war end?", "date"),
        ("In what year was it built?", "date"),
        ("How many people live there?", "number"),
        ("What percentage of voters agreed?", "number"),
        ("Who wrote the report?", "person"),
        ("Where is the airport?", "place"),
        ("What is the capital of France?", None),
        ("The tower was finished in what year?", "date"),
    ],
)
def test_question_kinds(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    "question,sentence,span",
    [
        ("When did Etna erupt?", "Etna erupted in March 2021 with lava.", "March 2021"),
        (
            "How many rifles were ordered?",
            "The contract covers more than 600,000 assault rifles.",
            "more than 600,000 assault rifles",
        ),
        (
            "Who kicked the field goal?",
            "The field goal was kicked by Brandon McManus.",
            "Brandon McManus",
        ),
        ("Where did Putin travel in June?", "Putin travelled to Geneva in June.", "Geneva"),
    ],
)
def test_typed_spans(question, sentence, span):
    assert answer_span(question, sentence) == span


def test_ambiguous_or_untyped_questions_get_the_sentence():
    s = "Etna erupted in 2019 and again in 2021."
    assert answer_span("When did Etna erupt?", s) == s  # two dates: not trusted
    assert answer_span("What is Etna?", s) == s
    # a number the question already names is not its answer
    assert (
        answer_span("How many times did it erupt in 2021?", "It erupted in 2021.")
        == "It erupted in 2021."
    )


SUMMIT = (
    "That the two sides signed an agreement on military-technical cooperation for the next "
    "decade and finalised a contract for making more than 600,000 assault rifles."
)


def test_phrases_lie_between_the_questions_words():
    q = "What did India and Russia agree on military cooperation?"
    got = [SUMMIT[a:b] for a, b in phrases(q, SUMMIT)]
    # "agreement" is the question's "agree"; stopwords are trimmed; "600,000" stays whole.
    assert got == [
        "two sides signed",
        "military-technical",
        "next decade and finalised a contract for making more than 600,000 assault rifles",
    ]


def test_phrase_for_quotes_the_phrase_a_reply_points_at():
    q = "What did India and Russia agree on military cooperation?"
    assert phrase_for("They agreed on 600,000 rifles.", q, SUMMIT).endswith(
        "600,000 assault rifles"
    )
    assert phrase_for("Military-technical.", q, SUMMIT) == "military-technical"
    # New words spread over two phrases, words the sentence lacks, or none at all: no phrase.
    assert phrase_for("The two sides and 600,000 rifles.", q, SUMMIT) is None
    assert phrase_for("Tanks and submarines.", q, SUMMIT) is None
    assert phrase_for("India and Russia agreed.", q, SUMMIT) is None
