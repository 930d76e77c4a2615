"""Reading the files people keep: finding them, turning each format into text with where
each part came from (`registry`, one reader per format), and splitting that text into
cited chunks (`chunking`). Nothing here knows about the index or answers."""

from .chunking import Chunk, Document, chunk_document, make_splitter, read_document, split_date
from .extracted import Extracted, Skip
from .files import iter_files, source_name
from .location import Location, cite
from .registry import READERS, Reader, read_text, reader_for

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
