"""Reading the files people keep: finding them, turning each format into text with where
each part came from (`registry`, one reader per format), and splitting that text into
cited chunks (`chunking`). Nothing here knows about the index or answers."""

import importlib
from typing import TYPE_CHECKING, Any

# Loaded on first use: a search needs `location`, not every format's reader.
_EXPORTS = {
    "Chunk": "chunking",
    "Document": "chunking",
    "chunk_document": "chunking",
    "make_splitter": "chunking",
    "read_document": "chunking",
    "split_date": "chunking",
    "Extracted": "extracted",
    "Skip": "extracted",
    "iter_files": "files",
    "source_name": "files",
    "Location": "location",
    "cite": "location",
    "READERS": "registry",
    "Reader": "registry",
    "read_text": "registry",
    "reader_for": "registry",
}
__all__ = [
    "READERS",
    "Chunk",
    "Document",
    "Extracted",
    "Location",
    "Reader",
    "Skip",
    "chunk_document",
    "cite",
    "iter_files",
    "make_splitter",
    "read_document",
    "read_text",
    "reader_for",
    "source_name",
    "split_date",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'qa.reading' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


if TYPE_CHECKING:
    from .chunking import Chunk, Document, chunk_document, make_splitter, read_document, split_date
    from .extracted import Extracted, Skip
    from .files import iter_files, source_name
    from .location import Location, cite
    from .registry import READERS, Reader, read_text, reader_for
