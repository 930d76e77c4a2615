"""The index's records: rows as the catalog reads them, a document ready to write and the
plan of that write, and what the vector store keeps beside each vector."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..reading import Chunk, Document

SCHEMA_VERSION = 1  # the index format an index records; queries refuse another


@dataclass
class IndexInfo:
    location: str
    documents: int
    chunks: int
    settings: dict


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
    vector: Any  # numpy float32 array


@dataclass
class DocumentRow:
    path: str
    source: str
    root: str
    sha256: str
    date: str | None
    chunks: int
    ingested_at: float


@dataclass
class Embedded:
    """A document ready to write: chunked, its chunks and sentences embedded."""

    doc: Document
    root: Path  # the folder it was ingested from
    vectors: list  # one a chunk
    sentence_vectors: list  # for each chunk, one a sentence


@dataclass
class DocumentPlan:
    """One document to write, and which chunk ids are new (to embed and journal) or
    stale (to delete)."""

    item: Embedded
    fresh: list[int] = field(default_factory=list)  # positions in doc.chunks not stored yet
    stale: list[str] = field(default_factory=list)  # stored chunk ids the document lost

    @property
    def doc(self) -> Document:
        return self.item.doc

    @property
    def path(self) -> str:
        return str(self.item.doc.path)


def embedding_settings(embedder) -> dict:
    """What an index records about its embedder, so queries never mix models."""
    return {
        "schema": SCHEMA_VERSION,
        "embedding_model": getattr(embedder, "name", type(embedder).__name__),
        "embedding_dim": getattr(embedder, "dimension", None),
    }


def chunk_metadata(doc: Document, chunk: Chunk) -> dict[str, Any]:
    """What the vector store keeps beside a chunk's vector and text."""
    meta = {
        "path": str(doc.path),
        "source": doc.source,
        "chunk": chunk.chunk,
        "start": chunk.start,
        "end": chunk.end,
        "location": location_json(chunk.location) or "{}",
    }
    if doc.date:
        meta["date"] = doc.date
        meta["date_int"] = int(doc.date.replace("-", ""))
    return meta


def location_json(location: dict | None) -> str | None:
    return None if location is None else json.dumps(location, ensure_ascii=False)
