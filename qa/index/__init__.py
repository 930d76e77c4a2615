"""The index: a catalog (SQLite: manifest, chunk texts, BM25, sentence vectors, settings,
journal), the vectors (Chroma, in the folder or on a server) and, with a server, the
replica that keeps the catalog in step with it. `Index` is the one door to all three.

The write protocol keeps catalog and vectors in step across crashes: a document's new
chunk ids are first journalled in the catalog, then written to the vectors, then
committed in the catalog with the journal entry cleared in the same transaction. A run
that finds journal entries left by a killed run deletes their vectors unless a
committed document owns them (`recover`).

    qa/index/folder.py    what may be in an index folder; the one-writer lock
    qa/index/records.py   rows read, documents to write, what sits beside a vector
    qa/index/catalog.py   SQLite: rows, reads and writes (migrations.py: the schema)
    qa/index/vectors.py   Chroma collection behind upsert/delete/query/count
    qa/index/replica.py   server mode: the shared manifest and sentence vectors
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..config import LOCK_TIMEOUT
from ..errors import EmptyIndex, IndexDamaged, IndexMismatch
from .catalog import Catalog
from .folder import (
    DB_NAME,
    KEPT_ENTRIES,
    OWNED_ENTRIES,
    check_folder,
    restore_interrupted_reindex,
    writable,
    write_lock,
)
from .records import (
    SCHEMA_VERSION,
    DocumentPlan,
    DocumentRow,
    Embedded,
    IndexInfo,
    StoredChunk,
    StoredSentence,
    chunk_metadata,
    embedding_settings,
)
from .replica import Replica, replica_dir
from .vectors import COLLECTION, Vectors, forget_embedded_clients, open_embedded, open_http

__all__ = [
    "COLLECTION",
    "KEPT_ENTRIES",
    "OWNED_ENTRIES",
    "SCHEMA_VERSION",
    "DocumentPlan",
    "DocumentRow",
    "Embedded",
    "Index",
    "IndexInfo",
    "StoredChunk",
    "StoredSentence",
    "embedding_settings",
    "replica_dir",
]


class Index:
    """One index: a folder (or, with `chroma_url`, a server plus a local replica folder)."""

    def __init__(self, directory: Path | None, chroma_url: str | None = None):
        """With `chroma_url`, the server holds everything; `directory` (default: in the
        cache folder) holds the replica, brought up to date before each read."""
        self.chroma_url = chroma_url.rstrip("/") if chroma_url else None
        if directory is None:
            if not self.chroma_url:
                raise ValueError("an embedded index needs a directory")
            directory = replica_dir(self.chroma_url)
        self.directory = Path(directory)
        if not self.chroma_url:
            restore_interrupted_reindex(self.directory)
        self.catalog = Catalog(self.directory)
        self._vectors: Vectors | None = None
        self._replica: Replica | None = None
        self._synced = False

    # -- the parts -------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.directory / DB_NAME

    def exists(self) -> bool:
        return self.catalog.exists()

    @property
    def read_only(self) -> bool:
        return self.catalog.read_only

    @property
    def db(self):
        """The catalog's SQLite connection."""
        return self.catalog.db

    @property
    def vectors(self) -> Vectors:
        if self._vectors is None:
            if self.chroma_url:
                self._vectors = open_http(self.chroma_url)
            else:
                self._vectors = open_embedded(
                    self.directory, self.read_only, writable(self.directory / "chroma")
                )
        return self._vectors

    @property
    def collection(self):
        """The Chroma collection of chunk vectors."""
        return self.vectors.collection

    @property
    def replica(self) -> Replica | None:
        if self.chroma_url and self._replica is None:
            self._replica = Replica(self.chroma_url, self.vectors)
        return self._replica

    def check_folder(self) -> None:
        check_folder(self.directory)

    def write_lock(self, timeout: float = LOCK_TIMEOUT):
        return write_lock(self.directory, timeout, self.read_only)

    def close(self) -> None:
        self.catalog.close()
        if self._vectors is not None:
            self._vectors = None
            self._replica = None
            if not self.chroma_url:
                forget_embedded_clients()

    # -- reads: each brings a replica up to date first --------------------------------------
    def sync(self) -> None:
        """Server mode: bring the replica up to date (once per Index)."""
        if not self._synced and (replica := self.replica) is not None:
            self._synced = True
            replica.sync(self.catalog)

    def refresh(self) -> None:
        """Server mode: let the next read bring the replica up to date again (a process
        that lives long, such as `qa mcp`, sees what other clients ingest meanwhile)."""
        self._synced = False

    def _read(self) -> Catalog:
        self.sync()
        return self.catalog

    def settings(self) -> dict:
        return self._read().settings()

    def check_settings(self, wanted: dict, *, for_query: bool = False) -> None:
        """Refuse to mix embedding models or chunk settings in one index."""
        have = self.settings()
        if not have:
            return
        keys = ("schema", "embedding_model", "embedding_dim") if for_query else tuple(wanted)
        diff = [k for k in keys if k in wanted and have.get(k) != wanted[k]]
        if not diff:
            return
        said = ", ".join(f"{k} {have.get(k, 'unknown')!r} (asked for {wanted[k]!r})" for k in diff)
        fix = "use the same settings, or rebuild it with `qa reindex`"
        if "embedding_model" in diff:
            from ..config import embedder_choice

            choice = embedder_choice(have.get("embedding_model", ""))
            if choice:
                fix = f"use the same model (QA_EMBEDDER={choice}), or rebuild it with `qa reindex`"
        elif {"chunk_size", "chunk_overlap"} & set(diff):
            fix = (
                "leave out --chunk-size/--chunk-overlap to keep them, or change them with "
                f"`qa reindex --chunk-size {wanted['chunk_size']} "
                f"--chunk-overlap {wanted['chunk_overlap']}`"
            )
        raise IndexMismatch(f"the index at {self.directory} was built with {said}; {fix}")

    def info(self) -> IndexInfo:
        documents, chunks = self._read().counts()
        return IndexInfo(self.chroma_url or str(self.directory), documents, chunks, self.settings())

    def require_documents(self) -> None:
        self.sync()
        if not self.exists() or not self.catalog.has_documents():
            raise EmptyIndex(f"the index at {self.directory} is empty; run `qa ingest PATH` first")

    def documents(self) -> list[DocumentRow]:
        return self._read().documents()

    def document(self, path: str) -> dict | None:
        return self._read().document(path)

    def forgotten(self) -> set[str]:
        """Paths `qa forget` removed; ingesting their folder again does not bring them back."""
        return self._read().forgotten()

    def chunk_ids(self, path: str) -> list[str]:
        return self._read().chunk_ids(path)

    def get_chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        return self._read().chunks(ids)

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, list[StoredSentence]]:
        """The sentence spans and vectors of these chunks."""
        return self._read().sentences(chunk_ids)

    def paths_matching(self, source_glob: str | None, since: str | None, until: str | None):
        """Document paths passing the filters, or None when there is no filter."""
        return self._read().paths_matching(source_glob, since, until)

    def lexical_query(self, terms: Iterable[str], n: int, paths: list[str] | None = None):
        """BM25 over the chunk texts: (chunk id, score), best first; higher is better."""
        return self._read().lexical(terms, n, paths)

    def mentions(self, phrase: str, paths: list[str] | None = None) -> bool:
        """Whether any chunk (of `paths`, if given) holds `phrase`, its words in a row."""
        return self._read().mentions(phrase, paths)

    def dense_query(self, embedding, n: int, paths: list[str] | None = None):
        """Nearest chunks by cosine similarity: (chunk id, similarity), best first.

        Only chunks the catalog knows: a vector written by a run that has not committed
        yet (another client's ingest on a server) or never will (a killed run, repaired by
        the next writer's `recover`) is skipped, never read."""
        if paths is not None and not paths:
            return []
        catalog = self._read()
        count = catalog.chunk_count()  # the catalog counts them without a round trip
        if not count:
            return []
        found = self.vectors.query(embedding, min(n, count), paths)
        if not found and not self.vectors.collection.count():
            where = self.chroma_url or self.directory / "chroma"
            raise IndexDamaged(
                f"the index holds {count:,} passages but its vector store ({where}) is "
                f"empty or missing: rebuild it with `qa reindex`"
                + ("" if self.chroma_url else ", or search without it with --retriever lexical")
            )
        known = set(catalog.present([i for i, _ in found]))
        return [(i, s) for i, s in found if i in known]

    def consistency(self) -> dict:
        """Whether catalog and vectors agree: every chunk has its full-text row and its
        vector, no vector lacks a chunk, no journal entry is left open (`ok`)."""
        counts = self._read().consistency()
        stored, vectors = self.catalog.chunk_ids_readable(), self.vectors.ids()
        counts["vectors"] = len(vectors)
        counts["missing_vectors"] = len(stored - vectors)
        counts["orphan_vectors"] = len(vectors - stored)
        counts["ok"] = (
            counts["integrity"] == "ok"
            and counts["chunks"] == counts["fts_rows"]
            and not counts["missing_vectors"]
            and not counts["orphan_vectors"]
            and not counts["pending"]
        )
        if not counts["ok"]:
            counts["advice"] = self._advice(counts)
        return counts

    def _advice(self, counts: dict) -> str:
        """What repairs what `consistency` found, in one line."""
        if self.chroma_url:
            return (
                "vectors another client wrote but has not committed (an ingest running or "
                "killed) are skipped by searches; run the same `qa ingest` again to finish it"
            )
        if counts["integrity"] != "ok" or counts["chunks"] != counts["fts_rows"]:
            return "the catalog is damaged: rebuild it from your files with `qa reindex`"
        if counts["missing_vectors"]:
            return "passages lack their vectors: rebuild them with `qa reindex`"
        return (
            "vectors left by an interrupted write are skipped by searches, nothing is lost; "
            "the next `qa ingest` removes them"
        )

    # -- writes (callers hold write_lock) --------------------------------------------------------
    def record_settings(self, values: dict) -> None:
        if self.replica:
            self.replica.publish_settings(values)
        with self.catalog.atomic():
            self.catalog.put_settings(values)

    def set_forgotten(self, paths: Iterable[str], forgotten: bool = True) -> None:
        paths = list(paths)
        if not paths:
            return
        if self.replica:
            self.replica.set_forgotten(paths, forgotten)
        with self.catalog.atomic():
            self.catalog.set_forgotten(paths, forgotten)

    def recover(self) -> int:
        """Remove vectors a killed run wrote for documents it never committed."""
        pending = self.catalog.journal()
        if not pending:
            return 0
        owned = set(self.catalog.present(pending))
        orphans = [i for i in pending if i not in owned]
        self.vectors.delete(orphans)
        with self.catalog.atomic():
            self.catalog.journal_clear()
        return len(orphans)

    def plan(self, item: Embedded) -> DocumentPlan:
        doc = item.doc
        old = set(self.catalog.chunk_ids(str(doc.path)))
        new = [c.id for c in doc.chunks]
        fresh = [i for i, c in enumerate(doc.chunks) if c.id not in old]
        return DocumentPlan(item, fresh=fresh, stale=sorted(old - set(new)))

    def put_documents(self, items: list[Embedded]) -> list[tuple[int, int]]:
        """Add or replace documents; returns (chunks added, chunks removed) for each.

        Journal, then vectors (a whole batch in one call), then commit; stale vectors go
        last, journalled too.
        """
        import numpy as np

        plans = [self.plan(item) for item in items]
        fresh = [(p, i) for p in plans for i in p.fresh]
        with self.catalog.atomic():
            self.catalog.journal_add(p.doc.chunks[i].id for p, i in fresh)
        if fresh:
            self.vectors.upsert(
                [p.doc.chunks[i].id for p, i in fresh],
                [p.item.vectors[i] for p, i in fresh],
                [p.doc.chunks[i].text for p, i in fresh],
                [chunk_metadata(p.doc, p.doc.chunks[i]) for p, i in fresh],
            )
        if self.replica:
            for p in plans:
                self.replica.put_sentences(p.doc, p.item.sentence_vectors)
        now = time.time()
        rows = []
        with self.catalog.atomic():
            for p in plans:
                doc = p.doc
                row = DocumentRow(
                    p.path, doc.source, str(p.item.root), doc.sha256, doc.date, len(doc.chunks), now
                )
                blobs = [
                    [
                        (s0, s1, np.asarray(v, dtype=np.float16).tobytes())
                        for (s0, s1), v in zip(c.sentences, vs)
                    ]
                    for c, vs in zip(doc.chunks, p.item.sentence_vectors)
                ]
                self.catalog.put_document(row, doc.chunks, blobs)
                self.catalog.journal_clear(c.id for c in doc.chunks)
                self.catalog.journal_add(p.stale)
                rows.append(row)
        stale = [i for p in plans for i in p.stale]
        if stale:
            self.vectors.delete(stale)
            with self.catalog.atomic():
                self.catalog.journal_clear(stale)
        if self.replica:  # the manifest records last: they make the documents visible
            self.replica.publish_documents(rows)
        return [(len(p.fresh), len(p.stale)) for p in plans]

    def remove_document(self, path: str) -> int:
        ids = self.catalog.chunk_ids(path)
        if self.replica:
            self.replica.remove(path)
        with self.catalog.atomic():
            self.catalog.journal_add(ids)
            self.catalog.delete_document(path)
        if ids:
            self.vectors.delete(ids)
        with self.catalog.atomic():
            self.catalog.journal_clear(ids)
        return len(ids)
