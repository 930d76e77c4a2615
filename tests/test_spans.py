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


# -- which sentence answers a factoid (qa/answering/selection.py) ------------------------------


def _evidence(text, similarity, overlap, passage_score=0.5):
    from types import SimpleNamespace

    from qa.answering.records import Evidence

    hit = SimpleNamespace(score=passage_score)
    return Evidence(
        text=text, hit=hit, score=similarity + 0.5 * overlap, similarity=similarity, overlap=overlap
    )


def test_the_evidence_model_prefers_a_sentence_holding_what_the_question_asks_for():
    from qa.answering.selection import best_sentence

    # The first is a little closer to the question, but holds no date; the second has one.
    topical = _evidence("The engineers built a stone bridge over the river.", 0.62, 0.60)
    dated = _evidence("In 1932 the engineers built a path over the river.", 0.60, 0.55)
    assert best_sentence("When did the engineers build over the river?", [topical, dated]) is dated
    # Asked for no kind of span, the closer, better-matching sentence stays first.
    question = "What did the engineers build over the river?"
    assert best_sentence(question, [topical, dated]) is topical


def test_the_evidence_model_file_must_match_its_features(tmp_path, monkeypatch):
    import json

    from qa.answering import selection

    data = json.loads(selection.MODEL.read_text())
    assert tuple(data["features"]) == selection.FEATURES and data["pool"] >= 1
    data["features"] = data["features"][:-1]
    bad = tmp_path / "evidence.json"
    bad.write_text(json.dumps(data))
    monkeypatch.setattr(selection, "MODEL", bad)
    selection._model.cache_clear()
    try:
        with pytest.raises(ValueError, match="other features"):
            selection.pool()
    finally:
        selection._model.cache_clear()


def test_a_year_alone_is_no_answer_to_where_or_who():
    sentence = "This draft, which was completed in 1957, is set 20 years before the novel."
    assert answer_span("Where was the film version shot?", sentence) == sentence
    assert answer_span("Where was the film shot?", "The film was shot in Monroeville.") == (
        "Monroeville"
    )


def test_a_size_or_duration_needs_its_unit():
    sentence = "At one point, Wesson tried to find out how tall he is with a tape measure."
    assert answer_span("how tall was he?", sentence) == sentence
    assert answer_span("How long is the road network?", "The network is 68,732 km.") == (
        "68,732 km"
    )
    assert answer_span("How old was she when she met him?", "She met him at eight.") == "eight"


def test_a_figure_in_a_name_is_no_date_or_number():
    # "when was the summit?" on the seed article highlighted "400", from "S-400"
    sentence = "The summit coincided with the delivery of the first of the S-400 systems."
    assert answer_span("when was the summit?", sentence) == sentence
    assert answer_span("how many died?", "Covid-19 killed 2,000 people.") == "2,000 people"
    assert answer_span("how many jets were bought?", "It bought MiG-29 jets.") == (
        "It bought MiG-29 jets."
    )
