"""The index: Chroma holds the vectors; a SQLite file beside it holds the manifest of
documents, the chunk texts and a full-text (BM25) index over them.

Write order keeps the two in step across crashes: a document's chunk ids are first
journalled in SQLite, then written to Chroma, then committed in SQLite with the journal
entry cleared in the same transaction. A run that finds journal entries left by a killed
run deletes their vectors from Chroma unless a committed document owns them.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import (
    EmptyIndex,
    IndexBusy,
    IndexDamaged,
    IndexFolderRefused,
    IndexMismatch,
    IndexReadOnly,
    ServerUnavailable,
)

COLLECTION = "qa_chunks"
DOCUMENTS_COLLECTION = "qa_documents"  # server mode: the manifest, one record a document
SENTENCES_COLLECTION = "qa_sentences"  # server mode: sentence vectors
SETTINGS_ID = "__settings__"
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
    path TEXT PRIMARY KEY, source TEXT NOT NULL, root TEXT NOT NULL, sha256 TEXT NOT NULL,
    date TEXT, chunks INTEGER NOT NULL, ingested_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, path TEXT NOT NULL,
    chunk INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    location TEXT);
CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='rowid', tokenize='porter unicode61');
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text); END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    DELETE FROM sentences WHERE chunk = old.rowid; END;
CREATE TABLE IF NOT EXISTS sentences(
    chunk INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, vec BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS sentences_chunk ON sentences(chunk);
CREATE TABLE IF NOT EXISTS pending(id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS forgotten(path TEXT PRIMARY KEY);
"""
# Everything qa writes into an index folder. Any other entry there is the user's, and a
# folder holding one is refused, so that rebuilding an index can never delete a user's file.
OWNED_ENTRIES = frozenset(
    {
        "qa.sqlite3",
        "qa.sqlite3-wal",
        "qa.sqlite3-shm",
        "qa.sqlite3-journal",
        "chroma",
        ".write.lock",
    }
)
KEPT_ENTRIES = frozenset({".gitkeep"})  # a placeholder a repository keeps in an empty folder
FORGOTTEN_PREFIX = "__forgotten__:"  # server mode: a path `qa forget` removed


@dataclass
class StoredChunk:
    id: str
    path: str
    source: str
    chunk: int
    start: int
    end: int
    text: str
    date: str | None
    # page, lines, section (documents.Locator); None in an index built before they were kept
    location: dict | None = None


@dataclass
class StoredSentence:
    chunk_id: str
    start: int  # within the chunk's text
    end: int
    vector: object  # numpy float32 array


@dataclass
class IndexInfo:
    location: str
    documents: int
    chunks: int
    settings: dict


class Index:
    """One index directory (SQLite manifest + lexical index, and the Chroma store)."""

    def __init__(self, directory: Path | None, chroma_url: str | None = None):
        """With `chroma_url`, the server holds everything; `directory` (default: in the
        cache folder) holds a local replica of the manifest, texts and sentence vectors
        (for BM25 and evidence), brought up to date before each read."""
        self.chroma_url = chroma_url.rstrip("/") if chroma_url else None
        if directory is None:
            directory = replica_dir(self.chroma_url) if self.chroma_url else None
        if directory is None:
            raise ValueError("an embedded index needs a directory")
        self.directory = Path(directory)
        self._db: sqlite3.Connection | None = None
        self._collection = None
        self._client = None
        self._server_collections: dict = {}
        self._synced = False
        self.read_only = False
        self._locations: bool | None = None

    # -- opening ---------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.directory / "qa.sqlite3"

    def exists(self) -> bool:
        return self.db_path.exists()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._connect()
        return self._db

    def _connect(self) -> sqlite3.Connection:
        if not self.exists():
            self.check_folder()
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise IndexReadOnly(
                    f"cannot create the index folder {self.directory} ({exc.strerror})"
                ) from exc
        try:
            db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            _migrate(db)
            return db
        except sqlite3.OperationalError as exc:
            if self.exists() and not _writable(self.directory, self.db_path):
                return self._connect_read_only(exc)
            raise self._damaged(exc) from exc
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc

    def _connect_read_only(self, cause: Exception) -> sqlite3.Connection:
        """An index on a read-only folder or mount: readable, never written. Nothing can
        write it meanwhile, so SQLite may read it as immutable (no WAL index needed)."""
        from urllib.parse import quote

        try:
            db = sqlite3.connect(
                f"file:{quote(str(self.db_path.resolve()))}?immutable=1",
                uri=True,
                isolation_level=None,
            )
            db.execute("SELECT COUNT(*) FROM documents").fetchone()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from cause
        self.read_only = True
        return db

    def _damaged(self, exc: Exception) -> IndexDamaged:
        return IndexDamaged(
            f"the index at {self.directory} cannot be read ({exc}); "
            f"move it aside and run `qa ingest` again"
        )

    def check_folder(self) -> None:
        """Refuse an index folder that is a file, or that holds anything qa did not write."""
        d = self.directory
        if d.exists() and not d.is_dir():
            raise IndexFolderRefused(f"the index {d} is a file, not a folder")
        if not d.is_dir():
            return
        foreign = sorted(e.name for e in d.iterdir() if e.name not in OWNED_ENTRIES | KEPT_ENTRIES)
        if foreign:
            shown = ", ".join(foreign[:3]) + (
                f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            )
            raise IndexFolderRefused(
                f"the index folder {d} holds files qa did not write ({shown}); "
                f"choose a new or empty folder with --index"
            )

    @property
    def collection(self):
        if self._collection is None:
            self._collection = self._open_collection()
        return self._collection

    def _open_collection(self):
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        try:
            if self.chroma_url:
                from urllib.parse import urlparse

                url = urlparse(self.chroma_url)
                client = chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=settings,
                )
            else:
                client = chromadb.PersistentClient(
                    path=str(self.directory / "chroma"), settings=settings
                )
            self._client = client
            return client.get_or_create_collection(
                COLLECTION, configuration={"hnsw": {"space": "cosine"}}
            )
        except Exception as exc:
            if self.chroma_url:
                raise ServerUnavailable(
                    f"cannot reach the Chroma server at {self.chroma_url} "
                    f"({str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__})"
                ) from exc
            if self.read_only or not _writable(self.directory / "chroma", self.db_path):
                raise IndexReadOnly(
                    f"the index at {self.directory} is read-only, and its vector store (Chroma) "
                    f"opens only with write access: copy the folder somewhere writable and "
                    f"pass --index, or use --retriever lexical"
                ) from exc
            raise IndexDamaged(
                f"the vector store in {self.directory / 'chroma'} cannot be opened ({exc}); "
                f"move the index aside and run `qa ingest` again"
            ) from exc

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._collection is not None:
            self._collection = None
            if not self.chroma_url:  # Chroma caches one system per path in a process
                from chromadb.api.client import SharedSystemClient

                SharedSystemClient.clear_system_cache()

    def write_lock(self, timeout: float = 60.0):
        """An inter-process lock held while this process writes the index. Released, it
        removes the folder again if it was made for it and nothing was written there."""
        from filelock import FileLock, Timeout

        self.check_folder()
        made = not self.directory.exists()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.directory / ".write.lock"))
            lock.acquire(timeout=timeout)
        except Timeout as exc:
            raise IndexBusy(
                f"another qa process is writing to {self.directory}; "
                f"waited {timeout:g}s (see --lock-timeout)"
            ) from exc
        except OSError as exc:
            raise IndexReadOnly(
                f"the index at {self.directory} is read-only ({exc.strerror}); "
                f"qa can search it but not change it"
            ) from exc
        if self.read_only or (self.exists() and not _writable(self.directory, self.db_path)):
            lock.release()
            raise IndexReadOnly(
                f"the index at {self.directory} is read-only; qa can search it but not change it"
            )
        return _WriteLock(lock, self.directory if made else None)

    # -- settings --------------------------------------------------------------------------
    def settings(self) -> dict:
        self.sync()
        rows = self.db.execute("SELECT key, value FROM meta").fetchall()
        return {k: json.loads(v) for k, v in rows}

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
            from .embeddings import embedder_choice

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

    def record_settings(self, values: dict) -> None:
        if self.chroma_url:
            self._server("documents").upsert(
                ids=[SETTINGS_ID],
                embeddings=[[1.0]],
                metadatas=[{"settings": json.dumps(values)}],
            )
        with self.transaction():
            for key, value in values.items():
                self.db.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                    (key, json.dumps(value)),
                )

    # -- transactions ----------------------------------------------------------------------
    def transaction(self):
        return _Transaction(self.db)

    # -- reads -----------------------------------------------------------------------------
    def info(self) -> IndexInfo:
        self.sync()
        docs = self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return IndexInfo(
            location=self.chroma_url or str(self.directory),
            documents=docs,
            chunks=chunks,
            settings=self.settings(),
        )

    def require_documents(self) -> None:
        self.sync()
        if (
            not self.exists()
            or self.db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is None
        ):
            raise EmptyIndex(f"the index at {self.directory} is empty; run `qa ingest PATH` first")

    def documents(self) -> list[dict]:
        self.sync()
        cur = self.db.execute(
            "SELECT path, source, root, sha256, date, chunks, ingested_at FROM documents "
            "ORDER BY source"
        )
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def forgotten(self) -> set[str]:
        """Paths `qa forget` removed; ingesting their folder again does not bring them back."""
        self.sync()
        return {r[0] for r in self.db.execute("SELECT path FROM forgotten")}

    def set_forgotten(self, paths: Iterable[str], forgotten: bool = True) -> None:
        paths = list(paths)
        if not paths:
            return
        if self.chroma_url:
            col = self._server("documents")
            ids = [FORGOTTEN_PREFIX + _doc_id(p) for p in paths]
            if forgotten:
                col.upsert(
                    ids=ids,
                    embeddings=[[1.0] for _ in paths],
                    metadatas=[{"forgotten": p} for p in paths],
                )
            else:
                col.delete(ids=ids)
        sql = (
            "INSERT OR IGNORE INTO forgotten(path) VALUES (?)"
            if forgotten
            else "DELETE FROM forgotten WHERE path = ?"
        )
        with self.transaction():
            self.db.executemany(sql, [(p,) for p in paths])

    def document(self, path: str) -> dict | None:
        row = self.db.execute(
            "SELECT sha256, chunks FROM documents WHERE path = ?", (path,)
        ).fetchone()
        return None if row is None else {"sha256": row[0], "chunks": row[1]}

    def chunk_ids(self, path: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE path = ?", (path,))]

    def _rows_in(self, sql: str, ids: Sequence[str]):
        """Rows of `sql`, whose `{marks}` is an IN list over `ids` (in batches of 500)."""
        for start in range(0, len(ids), 500):
            part = list(ids[start : start + 500])
            yield from self.db.execute(sql.format(marks=",".join("?" * len(part))), part)

    def get_chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        rows = self._rows_in(
            f"SELECT c.id, c.path, d.source, c.chunk, c.start, c.end, c.text, d.date, "
            f"{'c.location' if self._has_locations() else 'NULL'} "
            "FROM chunks c JOIN documents d ON d.path = c.path WHERE c.id IN ({marks})",
            ids,
        )
        return {
            row[0]: StoredChunk(*row[:8], location=json.loads(row[8]) if row[8] else None)
            for row in rows
        }

    def _has_locations(self) -> bool:
        """False for a read-only index built before chunks recorded where they are."""
        if self._locations is None:
            columns = {r[1] for r in self.db.execute("PRAGMA table_info(chunks)")}
            self._locations = "location" in columns
        return self._locations

    def sentences(self, chunk_ids: Sequence[str]) -> dict[str, list[StoredSentence]]:
        """The sentence spans and vectors of these chunks."""
        import numpy as np

        out: dict[str, list[StoredSentence]] = {i: [] for i in chunk_ids}
        rows = self._rows_in(
            "SELECT c.id, s.start, s.end, s.vec FROM sentences s JOIN chunks c "
            "ON c.rowid = s.chunk WHERE c.id IN ({marks}) ORDER BY s.rowid",
            chunk_ids,
        )
        for cid, s0, s1, blob in rows:
            vec = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
            out[cid].append(StoredSentence(cid, s0, s1, vec))
        return out

    def paths_matching(self, source_glob: str | None, since: str | None, until: str | None):
        """Document paths passing the filters, or None when there is no filter."""
        if not (source_glob or since or until):
            return None
        sql, args = "SELECT path FROM documents WHERE 1=1", []
        if source_glob:
            sql += " AND (source GLOB ? OR path GLOB ?)"
            args += [source_glob, source_glob]
        if since:
            sql += " AND date >= ?"
            args.append(since)
        if until:
            sql += " AND date <= ?"
            args.append(until)
        return [r[0] for r in self.db.execute(sql, args)]

    def lexical_query(
        self, terms: Iterable[str], n: int, paths: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """BM25 over the chunk texts: (chunk id, score), best first; higher is better."""
        quoted = [f'"{t}"' for t in dict.fromkeys(terms) if t]
        if not quoted or (paths is not None and not paths):
            return []
        sql = (
            "SELECT c.id, -bm25(chunks_fts) AS s FROM chunks_fts JOIN chunks c "
            "ON c.rowid = chunks_fts.rowid WHERE chunks_fts MATCH ?"
        )
        args: list = [" OR ".join(quoted)]
        if paths is not None:
            sql += f" AND c.path IN ({','.join('?' * len(paths))})"
            args += paths
        sql += " ORDER BY bm25(chunks_fts) LIMIT ?"
        args.append(n)
        return [(r[0], r[1]) for r in self.db.execute(sql, args)]

    def dense_query(
        self, embedding: list[float], n: int, paths: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks by cosine similarity: (chunk id, similarity), best first."""
        if paths is not None and not paths:
            return []
        # The manifest counts the same chunks without a round trip to Chroma.
        count = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        if count == 0:
            return []
        where = {"path": {"$in": paths}} if paths is not None else None
        result = self.collection.query(
            query_embeddings=[embedding],
            n_results=min(n, count),
            where=where,
            include=["distances"],
        )
        return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]

    # -- writes (callers hold write_lock) ---------------------------------------------------
    def recover(self) -> int:
        """Remove vectors a killed run wrote for documents it never committed."""
        pending = [r[0] for r in self.db.execute("SELECT id FROM pending")]
        if not pending:
            return 0
        owned = set(self.get_chunk_ids_present(pending))
        orphans = [i for i in pending if i not in owned]
        for start in range(0, len(orphans), 5000):
            self.collection.delete(ids=orphans[start : start + 5000])
        with self.transaction():
            self.db.execute("DELETE FROM pending")
        return len(orphans)

    def get_chunk_ids_present(self, ids: Sequence[str]) -> list[str]:
        return [r[0] for r in self._rows_in("SELECT id FROM chunks WHERE id IN ({marks})", ids)]

    def put_documents(self, items: list[tuple]) -> list[tuple[int, int]]:
        """Add or replace documents; returns (chunks added, chunks removed) for each.

        Each item is (doc, root, chunk vectors, sentence vectors): a vector per chunk, and
        for each chunk a vector per sentence of it. The vectors of a whole batch go to
        Chroma in one call.
        """
        import numpy as np

        plans = []
        for doc, root, embeddings, sentence_vectors in items:
            path = str(doc.path)
            old_ids = set(self.chunk_ids(path))
            new_ids = [c.id for c in doc.chunks]
            fresh = [i for i, c in enumerate(doc.chunks) if c.id not in old_ids]
            stale = sorted(old_ids - set(new_ids))
            plans.append((doc, root, embeddings, sentence_vectors, path, new_ids, fresh, stale))
        fresh_ids = [p[5][i] for p in plans for i in p[6]]
        all_stale = [i for p in plans for i in p[7]]
        with self.transaction():
            self.db.executemany(
                "INSERT OR IGNORE INTO pending(id) VALUES (?)", [(i,) for i in fresh_ids]
            )
        if fresh_ids:
            vectors = [p[2][i] for p in plans for i in p[6]]
            texts = [p[0].chunks[i].text for p in plans for i in p[6]]
            metas = [_chunk_metadata(p[0], p[0].chunks[i]) for p in plans for i in p[6]]
            for at in range(0, len(fresh_ids), 5000):
                self.collection.upsert(
                    ids=fresh_ids[at : at + 5000],
                    embeddings=vectors[at : at + 5000],
                    documents=texts[at : at + 5000],
                    metadatas=metas[at : at + 5000],
                )
        now = time.time()
        if self.chroma_url:
            for doc, _, _, sentence_vectors, *_ in plans:
                self._server_put_sentences(doc, sentence_vectors)
        with self.transaction():
            for doc, root, _, sentence_vectors, path, new_ids, _, stale in plans:
                self.db.execute("DELETE FROM chunks WHERE path = ?", (path,))
                for c, vectors in zip(doc.chunks, sentence_vectors):
                    rowid = self.db.execute(
                        "INSERT INTO chunks(id, path, chunk, start, end, text, location) "
                        "VALUES (?,?,?,?,?,?,?)",
                        (c.id, path, c.chunk, c.start, c.end, c.text, _location_json(c.location)),
                    ).lastrowid
                    self.db.executemany(
                        "INSERT INTO sentences(chunk, start, end, vec) VALUES (?,?,?,?)",
                        [
                            (rowid, s0, s1, np.asarray(v, dtype=np.float16).tobytes())
                            for (s0, s1), v in zip(c.sentences, vectors)
                        ],
                    )
                self.db.execute(
                    "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?)",
                    (path, doc.source, str(root), doc.sha256, doc.date, len(doc.chunks), now),
                )
                self.db.executemany("DELETE FROM pending WHERE id = ?", [(i,) for i in new_ids])
                self.db.executemany(
                    "INSERT OR IGNORE INTO pending(id) VALUES (?)", [(i,) for i in stale]
                )
        if all_stale:
            self.collection.delete(ids=all_stale)
            with self.transaction():
                self.db.executemany("DELETE FROM pending WHERE id = ?", [(i,) for i in all_stale])
        if self.chroma_url:  # the manifest records last: they make the documents visible
            self._server("documents").upsert(
                ids=[_doc_id(p[4]) for p in plans],
                embeddings=[[1.0] for _ in plans],
                metadatas=[
                    {
                        "path": path,
                        "source": doc.source,
                        "root": str(root),
                        "sha256": doc.sha256,
                        "date": doc.date or "",
                        "chunks": len(doc.chunks),
                        "ingested_at": now,
                    }
                    for doc, root, *_, path, _, _, _ in plans
                ],
            )
        return [(len(p[6]), len(p[7])) for p in plans]

    def remove_document(self, path: str) -> int:
        ids = self.chunk_ids(path)
        if self.chroma_url:
            self._server("documents").delete(ids=[_doc_id(path)])
            self._server("sentences").delete(where={"path": path})
        with self.transaction():
            self.db.executemany("INSERT OR IGNORE INTO pending(id) VALUES (?)", [(i,) for i in ids])
            self.db.execute("DELETE FROM chunks WHERE path = ?", (path,))
            self.db.execute("DELETE FROM documents WHERE path = ?", (path,))
        if ids:
            self.collection.delete(ids=ids)
        with self.transaction():
            self.db.executemany("DELETE FROM pending WHERE id = ?", [(i,) for i in ids])
        return len(ids)

    # -- server mode -------------------------------------------------------------------------
    def _server(self, which: str):
        if which not in self._server_collections:
            _ = self.collection  # connects
            name = DOCUMENTS_COLLECTION if which == "documents" else SENTENCES_COLLECTION
            try:
                self._server_collections[which] = self._client.get_or_create_collection(
                    name, configuration={"hnsw": {"space": "cosine"}}
                )
            except Exception as exc:
                raise ServerUnavailable(
                    f"the Chroma server at {self.chroma_url} failed ({exc})"
                ) from exc
        return self._server_collections[which]

    def _server_put_sentences(self, doc, sentence_vectors) -> None:
        path = str(doc.path)
        ids, vecs, metas = [], [], []
        for c, vectors in zip(doc.chunks, sentence_vectors):
            for j, ((s0, s1), v) in enumerate(zip(c.sentences, vectors)):
                ids.append(f"{c.id}:{j}")
                vecs.append(v)
                metas.append({"path": path, "chunk_id": c.id, "start": s0, "end": s1})
        col = self._server("sentences")
        col.delete(where={"path": path})
        for start in range(0, len(ids), 1000):
            col.upsert(
                ids=ids[start : start + 1000],
                embeddings=vecs[start : start + 1000],
                metadatas=metas[start : start + 1000],
            )

    def sync(self) -> None:
        """Server mode: bring the local replica up to date with the server's manifest,
        fetching only the documents that changed since the last sync."""
        if not self.chroma_url or self._synced:
            return
        import numpy as np

        self._synced = True
        docs_col = self._server("documents")
        remote: dict[str, dict] = {}
        forgotten: list[str] = []
        settings = None
        offset = 0
        while True:
            page = docs_col.get(include=["metadatas"], limit=5000, offset=offset)
            for rid, meta in zip(page["ids"], page["metadatas"]):
                if rid == SETTINGS_ID:
                    settings = json.loads(meta["settings"])
                elif rid.startswith(FORGOTTEN_PREFIX):
                    forgotten.append(meta["forgotten"])
                else:
                    remote[meta["path"]] = meta
            if len(page["ids"]) < 5000:
                break
            offset += 5000
        local = {
            r[0]: (r[1], r[2])
            for r in self.db.execute("SELECT path, sha256, ingested_at FROM documents")
        }
        changed = [p for p, m in remote.items() if local.get(p) != (m["sha256"], m["ingested_at"])]
        gone = [p for p in local if p not in remote]
        with self.transaction():
            if settings is not None:
                self.db.execute("DELETE FROM meta")
                self.db.executemany(
                    "INSERT INTO meta(key, value) VALUES (?, ?)",
                    [(k, json.dumps(v)) for k, v in settings.items()],
                )
            for p in gone:
                self.db.execute("DELETE FROM chunks WHERE path = ?", (p,))
                self.db.execute("DELETE FROM documents WHERE path = ?", (p,))
            self.db.execute("DELETE FROM forgotten")
            self.db.executemany("INSERT INTO forgotten(path) VALUES (?)", [(p,) for p in forgotten])
        for start in range(0, len(changed), 50):
            batch = changed[start : start + 50]
            where = {"path": {"$in": batch}}
            chunks = self.collection.get(where=where, include=["documents", "metadatas"])
            sents = self._server("sentences").get(where=where, include=["embeddings", "metadatas"])
            by_chunk: dict[str, list] = {}
            for meta, vec in zip(sents["metadatas"], sents["embeddings"]):
                by_chunk.setdefault(meta["chunk_id"], []).append(
                    (meta["start"], meta["end"], np.asarray(vec, dtype=np.float16).tobytes())
                )
            with self.transaction():
                for p in batch:
                    m = remote[p]
                    self.db.execute("DELETE FROM chunks WHERE path = ?", (p,))
                    self.db.execute(
                        "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?)",
                        (
                            p,
                            m["source"],
                            m["root"],
                            m["sha256"],
                            m["date"] or None,
                            m["chunks"],
                            m["ingested_at"],
                        ),
                    )
                for cid, text, meta in zip(chunks["ids"], chunks["documents"], chunks["metadatas"]):
                    rowid = self.db.execute(
                        "INSERT OR REPLACE INTO chunks(id, path, chunk, start, end, text, location) "
                        "VALUES (?,?,?,?,?,?,?)",
                        (
                            cid,
                            meta["path"],
                            meta["chunk"],
                            meta["start"],
                            meta["end"],
                            text,
                            meta.get("location") or None,
                        ),
                    ).lastrowid
                    self.db.executemany(
                        "INSERT INTO sentences(chunk, start, end, vec) VALUES (?,?,?,?)",
                        [(rowid, *row) for row in sorted(by_chunk.get(cid, []))],
                    )


def replica_dir(url: str) -> Path:
    import hashlib
    import re

    from .embeddings import cache_dir

    name = re.sub(r"[^\w.-]+", "_", url.split("://", 1)[-1])[:60]
    return cache_dir() / "replicas" / f"{name}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def _doc_id(path: str) -> str:
    import hashlib

    return hashlib.sha256(path.encode()).hexdigest()[:32]


def embedding_settings(embedder) -> dict:
    """What an index records about its embedder, so queries never mix models."""
    return {
        "schema": SCHEMA_VERSION,
        "embedding_model": getattr(embedder, "name", type(embedder).__name__),
        "embedding_dim": getattr(embedder, "dimension", None),
    }


def _chunk_metadata(doc, chunk) -> dict:
    meta = {
        "path": str(doc.path),
        "source": doc.source,
        "chunk": chunk.chunk,
        "start": chunk.start,
        "end": chunk.end,
    }
    meta["location"] = _location_json(chunk.location) or "{}"
    if doc.date:
        meta["date"] = doc.date
        meta["date_int"] = int(doc.date.replace("-", ""))
    return meta


def _location_json(location: dict | None) -> str | None:
    return None if location is None else json.dumps(location, ensure_ascii=False)


def _migrate(db: sqlite3.Connection) -> None:
    """Bring an index made by an earlier version up to this schema (a column added)."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(chunks)")}
    if "location" not in columns:
        db.execute("ALTER TABLE chunks ADD COLUMN location TEXT")  # earlier chunks: NULL


def _writable(directory: Path, db_path: Path) -> bool:
    import os

    return os.access(directory, os.W_OK) and (not db_path.exists() or os.access(db_path, os.W_OK))


class _WriteLock:
    """The write lock; releasing it also removes a folder made for it that stayed empty
    (a failed first ingest leaves nothing behind)."""

    def __init__(self, lock, made: Path | None):
        self.lock, self.made = lock, made

    def release(self) -> None:
        self.lock.release()
        if self.made is not None and {e.name for e in self.made.iterdir()} <= {".write.lock"}:
            (self.made / ".write.lock").unlink(missing_ok=True)
            try:
                self.made.rmdir()
            except OSError:
                pass


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False
