"""The catalog's schema, as numbered migrations: each runs once, in order, when an index
made before it is opened (`PRAGMA user_version` counts those applied)."""

from __future__ import annotations

import sqlite3


def m001_tables(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS documents(
            path TEXT PRIMARY KEY, source TEXT NOT NULL, root TEXT NOT NULL,
            sha256 TEXT NOT NULL, date TEXT, chunks INTEGER NOT NULL, ingested_at REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS chunks(
            rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, path TEXT NOT NULL,
            chunk INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
            text TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
        CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
            text, content='chunks', content_rowid='rowid', tokenize='porter unicode61');
        CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
            INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text); END;
        CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
            DELETE FROM sentences WHERE chunk = old.rowid; END;
        CREATE TABLE IF NOT EXISTS sentences(
            chunk INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
            vec BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS sentences_chunk ON sentences(chunk);
        CREATE TABLE IF NOT EXISTS pending(id TEXT PRIMARY KEY);
        """
    )


def m002_chunk_locations(db: sqlite3.Connection) -> None:
    """Where each chunk is (page, lines, heading); NULL for chunks from before."""
    if "location" not in {r[1] for r in db.execute("PRAGMA table_info(chunks)")}:
        db.execute("ALTER TABLE chunks ADD COLUMN location TEXT")


def m003_forgotten(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS forgotten(path TEXT PRIMARY KEY)")


# Idempotent, so an index made before numbering (user_version 0) takes them all.
MIGRATIONS = (m001_tables, m002_chunk_locations, m003_forgotten)
