"""The vectors: chunk vectors (with their texts and metadata) in a Chroma collection, on
disk in the index folder or on a `chroma run` server. One small interface; batches are as
large as the Chroma client says it takes (`get_max_batch_size()`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import (
    DiskFull,
    IndexDamaged,
    IndexReadOnly,
    ServerUnavailable,
    from_environment,
    is_connection_failure,
)
from .folder import private

COLLECTION = "qa_chunks"
HNSW: Any = {"hnsw": {"space": "cosine"}}  # a CreateCollectionConfiguration


class Vectors:
    def __init__(
        self,
        client,
        collection,
        batch: int | None = None,
        url: str | None = None,
        path: Path | None = None,
    ):
        self.client = client
        self.collection = collection
        self.url = url  # a server's, named when it stops answering
        self.path = path  # an embedded store's folder, whose disk may fill up
        if batch is None:
            try:
                batch = max(1, int(client.get_max_batch_size()))
            except Exception:  # a server too old to say
                batch = 5000
        self.batch = batch

    @contextlib.contextmanager
    def _served(self) -> Iterator[None]:
        """A full disk, or a server that stops answering, is named in one line."""
        try:
            yield
        except Exception as exc:
            if self.path is not None and _nearly_full(self.path):
                # Chroma reports a full disk as "Error in compaction" and the like
                raise DiskFull(
                    f"no space left on the device holding {self.path} "
                    f"({type(exc).__name__}: {str(exc)[:80]}); free some space and run the "
                    f"command again (what was indexed before is kept)"
                ) from exc
            if self.url and is_connection_failure(exc):
                raise ServerUnavailable(
                    f"the Chroma server at {self.url} stopped answering ({type(exc).__name__}); "
                    f"nothing committed is lost: run the same command again once it is back"
                ) from exc
            raise

    def upsert(self, ids: Sequence[str], vectors, texts=None, metadatas=None) -> None:
        with self._served():
            self._upsert(ids, vectors, texts, metadatas)

    def _upsert(self, ids: Sequence[str], vectors, texts=None, metadatas=None) -> None:
        for at in range(0, len(ids), self.batch):
            part = slice(at, at + self.batch)
            self.collection.upsert(
                ids=list(ids[part]),
                embeddings=list(vectors[part]),
                documents=list(texts[part]) if texts is not None else None,
                metadatas=list(metadatas[part]) if metadatas is not None else None,
            )

    def delete(self, ids: Sequence[str]) -> None:
        with self._served():
            for at in range(0, len(ids), self.batch):
                self.collection.delete(ids=list(ids[at : at + self.batch]))

    def query(self, vector, n: int, paths: list[str] | None = None) -> list[tuple[str, float]]:
        """Nearest chunks by cosine similarity: (chunk id, similarity), best first."""
        where = {"path": {"$in": paths}} if paths is not None else None
        with self._served():
            result = self.collection.query(
                query_embeddings=[vector], n_results=n, where=where, include=["distances"]
            )
        return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]

    def ids(self) -> set[str]:
        out: set[str] = set()
        while True:
            with self._served():
                page = self.collection.get(include=[], limit=self.batch, offset=len(out))["ids"]
            out.update(page)
            if len(page) < self.batch:
                return out


def _nearly_full(path: Path, margin: int = 1024 * 1024) -> bool:
    import shutil

    try:
        return shutil.disk_usage(path).free < margin
    except OSError:
        return False


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


def open_embedded(directory: Path, read_only: bool, writable: bool) -> Vectors:
    """The collection in `directory/chroma`."""
    import chromadb

    try:
        with private():  # the store holds the documents' text: the owner's alone
            client = chromadb.PersistentClient(path=str(directory / "chroma"), settings=_settings())
            collection = client.get_or_create_collection(COLLECTION, configuration=HNSW)
        return Vectors(client, collection, path=directory / "chroma")
    except Exception as exc:
        if isinstance(from_environment(exc), DiskFull):
            raise DiskFull(
                f"no space left on the device holding {directory}: the vector store cannot "
                f"open (the index is intact); free some space, or search by words only "
                f"with --retriever lexical"
            ) from exc
        if read_only or not writable:
            raise IndexReadOnly(
                f"the index at {directory} is read-only, and its vector store (Chroma) "
                f"opens only with write access: copy the folder somewhere writable and "
                f"pass --index, or use --retriever lexical"
            ) from exc
        raise IndexDamaged(
            f"the vector store in {directory / 'chroma'} cannot be opened ({exc}); "
            f"move the index aside and run `qa ingest` again"
        ) from exc


def open_http(url: str) -> Vectors:
    """The collection on a Chroma server."""
    from urllib.parse import urlparse

    import chromadb

    parts = urlparse(url)
    try:
        client = chromadb.HttpClient(
            host=parts.hostname or "localhost",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=_settings(),
        )
        collection = client.get_or_create_collection(COLLECTION, configuration=HNSW)
        return Vectors(client, collection, url=url)
    except Exception as exc:
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ServerUnavailable(f"cannot reach the Chroma server at {url} ({first})") from exc


def forget_embedded_clients() -> None:
    """Chroma caches one system per path in a process; a reindex swaps the folder."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
