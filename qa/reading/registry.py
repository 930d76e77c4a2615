"""Which reader reads a file, by its suffix, and the one way a file becomes text.

A new format is one `Reader` in `READERS`: its suffixes, whether it is a zip archive
(its members are checked before anything is unpacked), and a function from the file's
bytes to an `Extracted`. Any other file that decodes as text (source code, config, logs)
is read as plain text. The choice of library for each format, and what was measured, is
in bench/RESULTS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..config import DEFAULT_MAX_FILE_MB
from . import ocr, office, pdf, plain
from .extracted import Extracted, Skip
from .files import check_archive, decode, looks_textual, read_capped, short_reason

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
OLD_OFFICE = {".doc", ".xls", ".ppt"}


class Reader(Protocol):
    """What a format reader declares and does."""

    @property
    def suffixes(self) -> tuple[str, ...]: ...

    @property
    def archive(self) -> bool:  # a zip archive: its unpacked size is checked first
        ...

    @property
    def read(self) -> Callable[[bytes], Extracted]: ...


@dataclass(frozen=True)
class FormatReader:
    suffixes: tuple[str, ...]
    read: Callable[[bytes], Extracted]
    archive: bool = False


def image(data: bytes) -> Extracted:
    """A picture of text (a scan, a photo of a page, a screenshot), read by OCR."""
    if not ocr.available():
        raise Skip(f"an image: {ocr.HINT}")
    return Extracted(ocr.read_image(data), ocr_pages=1)


def _text(read: Callable[[str], Extracted]) -> Callable[[bytes], Extracted]:
    """A reader of text (HTML, CSV…) as a reader of bytes in any common encoding."""
    return lambda data: read(decode(data))


READERS: list[Reader] = [
    FormatReader((".html", ".htm", ".xhtml"), _text(plain.html)),
    FormatReader((".csv", ".tsv"), _text(plain.csv_text)),
    FormatReader((".ipynb",), _text(plain.ipynb)),
    FormatReader((".rtf",), _text(plain.rtf)),
    FormatReader((".pdf",), pdf.pdf),
    FormatReader((".docx",), office.docx, archive=True),
    FormatReader((".pptx",), office.pptx, archive=True),
    FormatReader((".xlsx", ".xlsm"), office.xlsx, archive=True),
    FormatReader((".odt",), office.odt, archive=True),
    FormatReader((".epub",), office.epub, archive=True),
    FormatReader((".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"), image),
]
BY_SUFFIX: dict[str, Reader] = {s: r for r in READERS for s in r.suffixes}


def reader_for(path: Path) -> Reader | None:
    """The reader of a file's format; None for text and unknown files."""
    return BY_SUFFIX.get(path.suffix.lower())


def read_text(path: Path, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> tuple[Extracted, bytes]:
    """The text of a file (with where each part of it came from) and its raw bytes;
    raises Skip with the reason otherwise.

    Limits measure what is read, not what a file claims: only regular files are opened
    (a link to /dev/zero or a FIFO is skipped), at most `max_file_mb` is read, and an
    Office or ePub file is refused when its members would expand past that size."""
    data = read_bytes(path, max_file_mb)
    return extract(path, data, max_file_mb), data


def read_bytes(path: Path, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> bytes:
    """A file's bytes, read within the limit (`read_text`)."""
    return read_capped(path, int(max_file_mb * 1024 * 1024), max_file_mb)


def extract(path: Path, data: bytes, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> Extracted:
    """The text of a file read as `data`, by its format's reader; raises Skip otherwise."""
    limit = int(max_file_mb * 1024 * 1024)
    suffix = path.suffix.lower()
    reader = reader_for(path)
    if suffix in OLD_OFFICE:
        raise Skip(f"old binary Office format ({suffix}): save it as {suffix}x to index it")
    if reader is not None:
        if reader.archive:
            check_archive(data, limit, max_file_mb)
        try:
            out = reader.read(data)
        except Skip:
            raise
        except Exception as exc:  # a damaged file of a known format
            raise Skip(f"unreadable {suffix[1:]} file ({short_reason(exc)})") from exc
    elif b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Skip("binary file")
    elif suffix in TEXT_SUFFIXES or looks_textual(data):
        out = plain.plain(decode(data), markdown=suffix in MARKDOWN_SUFFIXES)
    else:
        raise Skip(f"not a text file ({suffix})")
    if not out.text.strip():
        raise Skip("empty")
    return out
