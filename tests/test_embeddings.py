"""The ONNX embedder: sentence vectors embedded once, chunk vectors pooled from them,
batches spread over workers without mixing up their order."""

import numpy as np
import pytest

from qa.embeddings import OnnxEmbeddings, default_embedder
from qa.errors import UsageError

pytestmark = pytest.mark.slow

CHUNKS = [
    "India and Russia signed a contract for more than 600,000 assault rifles. "
    "The leaders also discussed trade, energy and space.",
    "The leaders also discussed trade, energy and space. "
    "Football is popular in Brazil, where the national team has won five world cups.",
    "The weather in Delhi was cold and foggy for most of December.",
]
SPANS = [[(0, 72), (73, 124)], [(0, 51), (52, 131)], []]


@pytest.fixture(scope="module", params=[True, False], ids=["int8", "float"])
def embedder(request):
    return OnnxEmbeddings(quantized=request.param)


def test_sentence_vectors_are_the_sentences_embedded_alone(embedder):
    _, sentence_vecs = embedder.embed_with_spans(CHUNKS, SPANS)
    for text, spans, vecs in zip(CHUNKS, SPANS, sentence_vecs):
        alone = embedder.embed_documents([text[a:b] for a, b in spans]) if spans else []
        assert len(vecs) == len(spans)
        np.testing.assert_allclose(vecs, alone, atol=1e-4)
    # the sentence both chunks share (their overlap) has one vector
    assert sentence_vecs[0][1] == sentence_vecs[1][0]


def test_chunk_vectors_stand_for_their_whole_chunk(embedder):
    pooled, _ = embedder.embed_with_spans(CHUNKS, SPANS)
    whole = np.array(embedder.embed_documents(CHUNKS))
    similarity = np.array(pooled) @ whole.T
    assert list(similarity.argmax(1)) == [0, 1, 2]
    assert similarity.diagonal().min() > 0.9
    np.testing.assert_allclose(pooled[2], whole[2], atol=1e-4)  # no spans: embedded whole
    np.testing.assert_allclose(np.linalg.norm(pooled, axis=1), 1, atol=1e-5)


def test_batches_spread_over_workers_keep_their_order(embedder):
    texts = [f"sentence number {i} " * (1 + i % 5) for i in range(11)]
    together = embedder.embed_documents(texts)
    one_by_one = [embedder.embed_query(t) for t in texts]
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)


def test_an_unknown_embedder_choice_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("QA_EMBEDDER", "fp64")
    with pytest.raises(UsageError, match="QA_EMBEDDER must be one of"):
        default_embedder()
