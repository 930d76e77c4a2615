import pytest

from qa.errors import EmptyIndex, NothingMatches, UsageError
from qa.index import Index
from qa.ingest import ingest
from qa.retrieval import Filters, Hit, diversify, rrf, search, search_documents


@pytest.fixture
def index(tmp_path, docs, embedder):
    ix = Index(tmp_path / "ix")
    ingest([docs], ix, embedder)
    return ix


@pytest.mark.parametrize("retriever", ["hybrid", "dense", "lexical"])
def test_the_relevant_document_ranks_first(index, embedder, retriever):
    hits = search("When did Mount Etna erupt?", index, embedder, 3, retriever=retriever)
    assert hits[0].source == "docs/volcano.md"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert hits[0].score >= hits[-1].score


def test_filters_on_source_and_date(index, embedder):
    hits = search("bread volcano summit", index, embedder, 5, filters=Filters(source="*bread*"))
    assert {h.source for h in hits} == {"docs/bread.txt"}
    hits = search("volcano summit", index, embedder, 5, filters=Filters(since="2021-01-01"))
    assert {h.source for h in hits} == {"docs/summit.txt"}
    hits = search("volcano summit", index, embedder, 5, filters=Filters(until="2020-12-31"))
    assert {h.source for h in hits} == {"docs/volcano.md"}
    with pytest.raises(NothingMatches, match="no indexed document matches source 'nothing\\*'"):
        search("volcano", index, embedder, 5, filters=Filters(source="nothing*"))


def test_documents_are_not_crowded_out_by_one_documents_chunks(index, embedder):
    docs = search_documents("India Russia bread volcano", index, embedder, 3)
    assert len({h.path for h in docs}) == 3


def test_diversify_puts_each_documents_best_chunk_first():
    def hit(doc, i):
        return Hit(
            id=f"{doc}{i}",
            source=doc,
            path=doc,
            chunk=i,
            start=0,
            end=1,
            date=None,
            text="",
            score=0,
        )

    ranked = [hit("a", 0), hit("a", 1), hit("a", 2), hit("b", 0), hit("c", 0)]
    assert [h.id for h in diversify(ranked)] == ["a0", "b0", "c0", "a1", "a2"]


def test_rrf_rewards_agreement_between_rankings():
    fused = dict(rrf([[("x", 1), ("y", 1)], [("y", 1), ("z", 1)]]))
    assert fused["y"] > fused["x"] > fused["z"] > 0


def test_empty_query_and_empty_index_are_clear_errors(tmp_path, embedder, index):
    with pytest.raises(UsageError):
        search("  ", index, embedder)
    with pytest.raises(EmptyIndex, match="qa ingest"):
        search("anything", Index(tmp_path / "empty"), embedder)


def test_langchain_retriever_returns_documents_with_metadata(index, embedder):
    from qa.retrieval import QARetriever

    docs = QARetriever(index, embedder, k=2).invoke("When did Mount Etna erupt?")
    assert len(docs) == 2
    assert docs[0].metadata["source"] == "docs/volcano.md"
    assert "Etna" in docs[0].page_content and "text" not in docs[0].metadata


def _one_document(tmp_path, embedder, text: str) -> Index:
    """An index of one document holding `text`."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "visit.txt").write_text(text)
    ix = Index(tmp_path / "ix")
    ingest([docs], ix, embedder)
    return ix


def test_a_demonym_matches_its_place_in_the_sentence_overlap(tmp_path, embedder):
    from qa.text import folded, stems

    assert folded(stems("the Russian and American presidents")) == folded(
        stems("Russia and America's presidents")
    )
    ix = _one_document(
        tmp_path,
        embedder,
        "President Vladimir Putin made his second trip outside Russia this year. "
        "The talks covered trade and energy.",
    )
    hit = search("who is the Russian president?", ix, embedder, 1)[0]
    best = max(hit.sentences, key=lambda m: m.overlap)
    assert best.overlap == pytest.approx(1.0)  # both "Russian" and "president" are there


def test_the_words_that_only_ask_do_not_count_against_a_passage(tmp_path, embedder):
    from qa.text import subject

    assert subject("tell me about the S-400") == "the S-400"
    assert subject("What does the article say about Lavrov?") == "Lavrov?"
    assert subject("walk me through how the deal was made") == "how the deal was made"
    assert subject("Can you tell me who signed it, please?") == "who signed it?"
    assert subject("what do you know about the Quad?") == "the Quad?"
    assert subject("summarise what the article says about trade") == "trade"
    # The name before the document's kind says what it is about: it stays.
    assert subject("what does the Warsaw document say about its economy?") == (
        "Warsaw its economy?"
    )
    assert (
        subject("Could it have been predicted? What does the article say?")
        == "Could it have been predicted?"
    )
    # A question that asks for its subject is left alone, and so is one with nothing else.
    for question in ("who made the S-400?", "what did India and Russia agree?", "tell me about it"):
        assert subject(question) == question

    ix = _one_document(
        tmp_path,
        embedder,
        "The first S-400 air defence systems were delivered to India. "
        "The talks covered trade and energy.",
    )

    def best(question):
        return max(search(question, ix, embedder, 1)[0].sentences, key=lambda m: m.similarity)

    plain = best("S-400 air defence systems")
    for asked in (
        "tell me about the S-400 air defence systems",
        "what does the article say about S-400 air defence systems?",
    ):
        m = best(asked)
        assert m.overlap == pytest.approx(1.0) and m.similarity == pytest.approx(plain.similarity)
