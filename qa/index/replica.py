"""Server mode: the Chroma server holds everything several users share, and each client
keeps a replica (its catalog) that it brings up to date before reading.

On the server, beside the chunk vectors: a `qa_documents` collection with one record a
document (the manifest, written last, so a document is visible only when complete), one
for the settings and one for each forgotten path; and a `qa_sentences` collection with
every sentence's vector. Chroma stores records with vectors only, so manifest records
carry a one-dimensional dummy vector.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ServerUnavailable
from .catalog import Catalog
from .records import DocumentRow
from .vectors import HNSW, Vectors

DOCUMENTS_COLLECTION = "qa_documents"
SENTENCES_COLLECTION = "qa_sentences"
SETTINGS_ID = "__settings__"
FORGOTTEN_PREFIX = "__forgotten__:"
MANIFEST_PAGE = 5000  # manifest records fetched a round trip
DOCUMENTS_PER_FETCH = 50  # changed documents whose chunks and sentences come in one call
DUMMY = [1.0]


def replica_dir(url: str) -> Path:
    from ..config import cache_dir

    name = re.sub(r"[^\w.-]+", "_", url.split("://", 1)[-1])[:60]
    return cache_dir() / "replicas" / f"{name}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def doc_id(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()[:32]


@dataclass
class _RemoteChunk:  # what Catalog.put_document reads of a chunk
    id: str
    chunk: int
    start: int
    end: int
    text: str
    location: dict | None


class Replica:
    def __init__(self, url: str, vectors: Vectors):
        self.url = url
        self.vectors = vectors
        self._collections: dict[str, object] = {}

    def _collection(self, name: str):
        if name not in self._collections:
            try:
                self._collections[name] = self.vectors.client.get_or_create_collection(
                    name, configuration=HNSW
                )
            except Exception as exc:
                raise ServerUnavailable(f"the Chroma server at {self.url} failed ({exc})") from exc
        return self._collections[name]

    # -- writes ------------------------------------------------------------------------------
    def publish_settings(self, values: dict) -> None:
        self._collection(DOCUMENTS_COLLECTION).upsert(
            ids=[SETTINGS_ID], embeddings=[DUMMY], metadatas=[{"settings": json.dumps(values)}]
        )

    def put_sentences(self, doc, sentence_vectors) -> None:
        path = str(doc.path)
        ids, vecs, metas = [], [], []
        for c, vectors in zip(doc.chunks, sentence_vectors):
            for j, ((s0, s1), v) in enumerate(zip(c.sentences, vectors)):
                ids.append(f"{c.id}:{j}")
                vecs.append(v)
                metas.append({"path": path, "chunk_id": c.id, "start": s0, "end": s1})
        col = self._collection(SENTENCES_COLLECTION)
        col.delete(where={"path": path})
        Vectors(self.vectors.client, col, self.vectors.batch, self.url).upsert(
            ids, vecs, metadatas=metas
        )

    def publish_documents(self, rows: list[DocumentRow]) -> None:
        """The manifest records, last: they make the documents visible to other clients."""
        if not rows:
            return
        self._collection(DOCUMENTS_COLLECTION).upsert(
            ids=[doc_id(r.path) for r in rows],
            embeddings=[DUMMY for _ in rows],
            metadatas=[{**r.__dict__, "date": r.date or ""} for r in rows],
        )

    def remove(self, path: str) -> None:
        self._collection(DOCUMENTS_COLLECTION).delete(ids=[doc_id(path)])
        self._collection(SENTENCES_COLLECTION).delete(where={"path": path})

    def set_forgotten(self, paths: list[str], forgotten: bool) -> None:
        col = self._collection(DOCUMENTS_COLLECTION)
        ids = [FORGOTTEN_PREFIX + doc_id(p) for p in paths]
        if forgotten:
            col.upsert(
                ids=ids,
                embeddings=[DUMMY for _ in paths],
                metadatas=[{"forgotten": p} for p in paths],
            )
        else:
            col.delete(ids=ids)

    # -- the replica ---------------------------------------------------------------------------
    def sync(self, catalog: Catalog) -> None:
        """Bring the catalog up to date with the server's manifest, fetching only the
        documents that changed since the last sync."""
        remote, forgotten, settings = self._manifest()
        local = catalog.versions()
        changed = [p for p, m in remote.items() if local.get(p) != (m["sha256"], m["ingested_at"])]
        with catalog.atomic():
            if settings is not None:
                catalog.put_settings(settings, replace=True)
            for p in (p for p in local if p not in remote):
                catalog.delete_document(p)
            catalog.replace_forgotten(forgotten)
        for start in range(0, len(changed), DOCUMENTS_PER_FETCH):
            self._fetch(
                catalog, {p: remote[p] for p in changed[start : start + DOCUMENTS_PER_FETCH]}
            )

    def _manifest(self):
        col = self._collection(DOCUMENTS_COLLECTION)
        remote: dict[str, dict] = {}
        forgotten: list[str] = []
        settings = None
        offset = 0
        while True:
            page = col.get(include=["metadatas"], limit=MANIFEST_PAGE, offset=offset)
            for rid, meta in zip(page["ids"], page["metadatas"]):
                if rid == SETTINGS_ID:
                    settings = json.loads(meta["settings"])
                elif rid.startswith(FORGOTTEN_PREFIX):
                    forgotten.append(meta["forgotten"])
                else:
                    remote[meta["path"]] = meta
            if len(page["ids"]) < MANIFEST_PAGE:
                return remote, forgotten, settings
            offset += MANIFEST_PAGE

    def _fetch(self, catalog: Catalog, batch: dict[str, dict]) -> None:
        import numpy as np

        where = {"path": {"$in": list(batch)}}
        chunks = self.vectors.collection.get(where=where, include=["documents", "metadatas"])
        sents = self._collection(SENTENCES_COLLECTION).get(
            where=where, include=["embeddings", "metadatas"]
        )
        by_chunk: dict[str, list] = {}
        for meta, vec in zip(sents["metadatas"], sents["embeddings"]):
            by_chunk.setdefault(meta["chunk_id"], []).append(
                (meta["start"], meta["end"], np.asarray(vec, dtype=np.float16).tobytes())
            )
        by_path: dict[str, list[_RemoteChunk]] = {p: [] for p in batch}
        for cid, text, meta in zip(chunks["ids"], chunks["documents"], chunks["metadatas"]):
            location = json.loads(meta["location"]) if meta.get("location") else None
            by_path.setdefault(meta["path"], []).append(
                _RemoteChunk(cid, meta["chunk"], meta["start"], meta["end"], text, location)
            )
        with catalog.atomic():
            for path, m in batch.items():
                row = DocumentRow(
                    path, m["source"], m["root"], m["sha256"], m["date"] or None, m["chunks"],
                    m["ingested_at"],
                )  # fmt: skip
                mine = by_path.get(path, [])
                catalog.put_document(row, mine, [sorted(by_chunk.get(c.id, [])) for c in mine])
