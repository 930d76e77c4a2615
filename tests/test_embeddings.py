"""The ONNX embedder: int8 vectors close to the float ones and independent of their
batch-mates; batches spread over workers without mixing up their order."""

import numpy as np
import pytest

from qa.embeddings import OnnxEmbeddings, default_embedder
from qa.errors import UsageError

pytestmark = pytest.mark.slow

TEXTS = [
    "India and Russia signed a contract for more than 600,000 assault rifles.",
    "The leaders also discussed trade, energy and space.",
    "Football is popular in Brazil, where the national team has won five world cups. " * 3,
    "Delhi was foggy.",
]


@pytest.fixture(scope="module")
def int8():
    return OnnxEmbeddings(quantized=True)


@pytest.fixture(scope="module")
def float32():
    return OnnxEmbeddings()


@pytest.mark.parametrize("name", ["int8", "float32"])
def test_batches_spread_over_workers_keep_their_order(name, request):
    embedder = request.getfixturevalue(name)
    texts = [f"sentence number {i} " * (1 + i % 5) for i in range(19)]
    together = embedder.embed_documents(texts)
    one_by_one = [embedder.embed_query(t) for t in texts]
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1, atol=1e-5)


def test_int8_vectors_stay_close_to_the_float_ones(int8, float32):
    cosine = (np.array(int8.embed_documents(TEXTS)) * float32.embed_documents(TEXTS)).sum(1)
    assert cosine.min() > 0.98


def test_an_unknown_embedder_choice_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("QA_EMBEDDER", "fp64")
    with pytest.raises(UsageError, match="QA_EMBEDDER must be one of"):
        default_embedder()
