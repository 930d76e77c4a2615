import contextlib
import hashlib
import math
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from qa.text import content_words, stem

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


class FakeEmbedder(Embeddings):
    """Deterministic: a hashed bag of stemmed content words, normalised."""

    name = "fake-hash-embedder"
    dimension = 64

    def __init__(self):
        self.calls = 0

    def _vec(self, text):
        v = [0.0] * self.dimension
        for w in content_words(text):
            h = int(hashlib.md5(stem(w).encode()).hexdigest(), 16)
            v[h % self.dimension] += 1.0
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / n for x in v]

    def embed_documents(self, texts):
        self.calls += 1
        return [self._vec(t) for t in texts]

    def embed_query(self, text):
        return self._vec(text)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(cmd: list[str], ready_url: str, timeout: float = 60):
    """Start a server process, wait until `ready_url` answers, stop it afterwards."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(ready_url, timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{cmd[0]} {cmd[1]} did not start")
                time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, request):
    """Each test gets its own index and home; nothing reaches the network.

    The relevance model reads real text: over a fake embedder's toy passages its
    judgement would test nothing, so the fast tests run without it unless they turn it
    on (tests/test_ranker.py); the slow ones, with real models, run as a user would."""
    if "slow" in request.keywords:
        monkeypatch.delenv("QA_RERANK", raising=False)
    else:
        monkeypatch.setenv("QA_RERANK", "0")
    monkeypatch.setenv("QA_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    monkeypatch.delenv("QA_DEBUG", raising=False)
    monkeypatch.delenv("QA_LLM", raising=False)
    monkeypatch.delenv("QA_CHROMA_URL", raising=False)
    for name in ("QA_CONFIG", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "QA_LLM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    # One cache for the ONNX export of the embedder, shared by every test (and run).
    monkeypatch.setenv("QA_CACHE", str(ROOT / ".qa-cache"))


@pytest.fixture
def embedder():
    return FakeEmbedder()


@pytest.fixture
def fake_cli(monkeypatch, embedder):
    """Commands use the fake embedder, registered as an embedder choice."""
    from qa.embeddings import EMBEDDER_FACTORIES

    monkeypatch.setitem(EMBEDDER_FACTORIES, "fake", lambda: embedder)
    monkeypatch.setenv("QA_EMBEDDER", "fake")
    return embedder


@pytest.fixture
def fake_llm(monkeypatch):
    """Scripted replies for every chat model the library makes; `.calls` records prompts."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    class Scripted:
        def __init__(self):
            self.replies = []
            self.calls = []

        def enqueue(self, *replies):
            self.replies.extend(replies)

        def make(self, spec):
            outer = self

            class Recording(FakeListChatModel):
                def _call(self, messages, *a, **kw):
                    outer.calls.append(messages)
                    return super()._call(messages, *a, **kw)

                def _stream(self, messages, *a, **kw):
                    outer.calls.append(messages)
                    yield from super()._stream(messages, *a, **kw)

            reply = outer.replies.pop(0) if outer.replies else "no reply scripted"
            return Recording(responses=[reply])

    scripted = Scripted()
    from dataclasses import replace

    from qa.llms import BACKENDS

    for name in ("local", "ollama", "openai"):  # each keeps its capabilities
        monkeypatch.setitem(BACKENDS, name, replace(BACKENDS[name], make=scripted.make))
    return scripted


@pytest.fixture
def docs(tmp_path):
    """A small folder of documents about different things."""
    d = tmp_path / "docs"
    d.mkdir()
    shutil.copy(SEEDS / "000_367919e9dc5d7af7.txt", d / "summit.txt")
    (d / "volcano.md").write_text(
        "date 2020-03-01\n# Volcanoes\n\nMount Etna is an active volcano on the east coast of "
        "Sicily. It erupted in 2021 with lava fountains over one kilometre high.\n\n"
        "Volcanic ash grounded flights at Catania airport for two days.\n",
        encoding="utf-8",
    )
    (d / "bread.txt").write_text(
        "Sourdough bread rises with a starter of wild yeast and lactic acid bacteria. "
        "Bakers feed the starter with flour and water every day. "
        "A long cold proof gives the crust its blisters.\n",
        encoding="utf-8",
    )
    return d
