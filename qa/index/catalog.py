"""The catalog: one SQLite file with the manifest of documents, the chunk texts and their
full-text (BM25) index, every sentence's vector, the settings an index was built with, the
crash journal (`pending`) and the paths `qa forget` removed.

Schema changes are numbered migrations (`migrations.py`) applied on open (`PRAGMA
user_version`); writes go through `atomic()`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ..errors import IndexDamaged, IndexReadOnly
from .folder import DB_NAME, check_folder, private, writable
from .migrations import MIGRATIONS
from .records import DocumentRow, StoredChunk, StoredSentence, location_json

# SQLite builds before 3.32 allow 999 bound parameters a statement; IN lists stay below.
SQLITE_MAX_VARS = 500


class Catalog:
    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / DB_NAME
        self._db: sqlite3.Connection | None = None
        self.read_only = False
        self._locations: bool | None = None

    def exists(self) -> bool:
        return self.path.exists()

    # -- opening ---------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._connect()
        return self._db

    def _connect(self) -> sqlite3.Connection:
        with private():
            return self._open()

    def _open(self) -> sqlite3.Connection:
        if not self.exists():
            check_folder(self.directory)
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise IndexReadOnly(
                    f"cannot create the index folder {self.directory} ({exc.strerror})"
                ) from exc
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, migrate in enumerate(MIGRATIONS, 1):
                if number > version:
                    migrate(db)
            if version < len(MIGRATIONS):
                db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            return db
        except sqlite3.OperationalError as exc:
            if self.exists() and not writable(self.directory):
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
                f"file:{quote(str(self.path.resolve()))}?immutable=1",
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

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back on an error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _rows_in(self, sql: str, ids: Sequence[str]):
        """Rows of `sql`, whose `{marks}` is an IN list over `ids`, in batches."""
        for start in range(0, len(ids), SQLITE_MAX_VARS):
            part = list(ids[start : start + SQLITE_MAX_VARS])
            yield from self.db.execute(sql.format(marks=",".join("?" * len(part))), part)

    # -- settings --------------------------------------------------------------------------
    def settings(self) -> dict:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    def put_settings(self, values: dict, replace: bool = False) -> None:
        if replace:
            self.db.execute("DELETE FROM meta")
        self.db.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            [(k, json.dumps(v)) for k, v in values.items()],
        )

    # -- documents ---------------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        docs = self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        return docs, self.chunk_count()

    def chunk_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def has_documents(self) -> bool:
        return self.db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is not None

    def documents(self) -> list[DocumentRow]:
        cur = self.db.execute(
            "SELECT path, source, root, sha256, date, chunks, ingested_at FROM documents "
            "ORDER BY source"
        )
        return [DocumentRow(*row) for row in cur.fetchall()]

    def document(self, path: str) -> dict | None:
        row = self.db.execute(
            "SELECT sha256, chunks FROM documents WHERE path = ?", (path,)
        ).fetchone()
        return None if row is None else {"sha256": row[0], "chunks": row[1]}

    def versions(self) -> dict[str, tuple[str, float]]:
        """path -> (sha256, ingested_at), what a replica compares with its server."""
        return {
            r[0]: (r[1], r[2])
            for r in self.db.execute("SELECT path, sha256, ingested_at FROM documents")
        }

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

    # -- chunks and sentences ----------------------------------------------------------------
    def chunk_ids(self, path: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE path = ?", (path,))]

    def present(self, ids: Sequence[str]) -> list[str]:
        return [r[0] for r in self._rows_in("SELECT id FROM chunks WHERE id IN ({marks})", ids)]

    def _has_locations(self) -> bool:
        """False for a read-only index built before chunks recorded where they are."""
        if self._locations is None:
            columns = {r[1] for r in self.db.execute("PRAGMA table_info(chunks)")}
            self._locations = "location" in columns
        return self._locations

    def chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        rows = self._rows_in(
            f"SELECT c.id, c.path, d.source, c.chunk, c.start, c.end, c.text, d.date, "
            f"{'c.location' if self._has_locations() else 'NULL'} "
            "FROM chunks c JOIN documents d ON d.path = c.path WHERE c.id IN ({marks})",
            ids,
        )
        return {
            row[0]: StoredChunk(
                id=row[0],
                path=row[1],
                source=row[2],
                chunk=row[3],
                start=row[4],
                end=row[5],
                text=row[6],
                date=row[7],
                location=json.loads(row[8]) if row[8] else None,
            )
            for row in rows
        }

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

    def lexical(self, terms: Iterable[str], n: int, paths: list[str] | None = None):
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

    def mentions(self, phrase: str, paths: list[str] | None = None) -> bool:
        """Whether any chunk holds `phrase`, its words in a row (case-insensitive)."""
        quoted = '"' + phrase.replace('"', " ") + '"'
        sql = (
            "SELECT 1 FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
            "WHERE chunks_fts MATCH ?"
        )
        args: list = [quoted]
        if paths is not None:
            sql += f" AND c.path IN ({','.join('?' * len(paths))})"
            args += paths
        return self.db.execute(sql + " LIMIT 1", args).fetchone() is not None

    # -- writes (inside atomic()) ---------------------------------------------------------------
    def put_document(self, row: DocumentRow, chunks: list, sentence_blobs: list) -> None:
        """Replace a document's manifest row, chunks and sentences. `chunks` are
        reading.Chunk; `sentence_blobs[i]` holds (start, end, float16 bytes) of chunk i."""
        self.db.execute("DELETE FROM chunks WHERE path = ?", (row.path,))
        for c, sentences in zip(chunks, sentence_blobs):
            rowid = self.db.execute(
                "INSERT OR REPLACE INTO chunks(id, path, chunk, start, end, text, location) "
                "VALUES (?,?,?,?,?,?,?)",
                (c.id, row.path, c.chunk, c.start, c.end, c.text, location_json(c.location)),
            ).lastrowid
            self.db.executemany(
                "INSERT INTO sentences(chunk, start, end, vec) VALUES (?,?,?,?)",
                [(rowid, *s) for s in sentences],
            )
        self.db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?)",
            (row.path, row.source, row.root, row.sha256, row.date, row.chunks, row.ingested_at),
        )

    def delete_document(self, path: str) -> None:
        self.db.execute("DELETE FROM chunks WHERE path = ?", (path,))
        self.db.execute("DELETE FROM documents WHERE path = ?", (path,))

    # -- the crash journal: vector ids written to the store but not yet committed here -------
    def journal(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM pending")]

    def journal_add(self, ids: Iterable[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO pending(id) VALUES (?)", [(i,) for i in ids])

    def journal_clear(self, ids: Iterable[str] | None = None) -> None:
        if ids is None:
            self.db.execute("DELETE FROM pending")
        else:
            self.db.executemany("DELETE FROM pending WHERE id = ?", [(i,) for i in ids])

    # -- forgotten paths -----------------------------------------------------------------------
    def forgotten(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT path FROM forgotten")}

    def set_forgotten(self, paths: Iterable[str], forgotten: bool = True) -> None:
        sql = (
            "INSERT OR IGNORE INTO forgotten(path) VALUES (?)"
            if forgotten
            else "DELETE FROM forgotten WHERE path = ?"
        )
        self.db.executemany(sql, [(p,) for p in paths])

    def replace_forgotten(self, paths: Iterable[str]) -> None:
        self.db.execute("DELETE FROM forgotten")
        self.set_forgotten(paths)

    def all_chunk_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM chunks")}

    def damage(self, most: int = 1) -> str | None:
        """What SQLite's quick check finds wrong with the file (up to `most` problems;
        milliseconds for most indexes), or None."""
        found = [" ".join(r[0].split()) for r in self.db.execute(f"PRAGMA quick_check({most:d})")]
        return None if found == ["ok"] else "; ".join(found)[: 160 * most]

    def consistency(self) -> dict:
        """Counts that must agree: chunks, their full-text rows, open journal entries."""
        problems = [p] if (p := self.damage(most=3)) else []
        try:  # the full-text index's own check of its shadow tables
            self.db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            if "readonly" not in str(exc):  # an index on a read-only mount cannot run it
                problems.append(f"full-text index: {exc}")
        counts: dict[str, str | int] = {"integrity": "; ".join(problems) or "ok"}
        queries = {
            "documents": "SELECT COUNT(*) FROM documents",
            "chunks": "SELECT COUNT(*) FROM chunks",
            "fts_rows": "SELECT COUNT(*) FROM chunks_fts",
            "sentences": "SELECT COUNT(*) FROM sentences",
            "pending": "SELECT COUNT(*) FROM pending",
        }
        for key, sql in queries.items():
            try:
                counts[key] = self.db.execute(sql).fetchone()[0]
            except sqlite3.DatabaseError:  # a damaged table: counted as unreadable
                counts[key] = -1
        return counts

    def chunk_ids_readable(self) -> set[str]:
        """The chunk ids, or none when the table cannot be read (a damaged file)."""
        try:
            return self.all_chunk_ids()
        except sqlite3.DatabaseError:
            return set()
