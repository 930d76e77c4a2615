"""Finding files, reading them as text, and splitting them into chunks."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import ChunkSettings
from .text import iso_date, sentences

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
DEFAULT_MAX_FILE_MB = 50.0

_DATE_HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*\n?[ \t]*")


class Skip(Exception):
    """A file that is not ingested; the message is the reason shown to the user."""


@dataclass
class Chunk:
    id: str
    text: str
    chunk: int
    start: int
    end: int
    sentences: list[tuple[int, int]] = field(default_factory=list)  # spans within `text`


@dataclass
class Document:
    path: Path  # absolute
    source: str  # shown to users: relative to the folder it was ingested from
    text: str
    sha256: str
    date: str | None = None
    offset: int = 0  # where `text` starts in the file (after a date header)
    chunks: list[Chunk] = field(default_factory=list)


def iter_files(root: Path) -> Iterator[Path]:
    """Files under `root` (or `root` itself), skipping hidden entries and symlink loops."""
    if root.is_file():
        yield root
        return
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen:  # a symlink loop or a second link to one folder
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def source_name(path: Path, root: Path) -> str:
    """`seeds/a.txt` for a file found under the folder `seeds/`; a lone file keeps its name."""
    base = root.parent if root.is_dir() else path.parent
    return path.relative_to(base).as_posix()


def decode(data: bytes) -> str:
    """Text in any common encoding; undecodable bytes never raise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if b"\x00" in data[:8192]:
        raise Skip("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _html_text(html: str) -> str:
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self._skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "noscript", "template"):
                self._skip += 1
            elif tag in ("p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr", "section"):
                self.parts.append("\n\n" if tag != "br" else "\n")

        def handle_endtag(self, tag):
            if tag in ("script", "style", "noscript", "template") and self._skip:
                self._skip -= 1

        def handle_data(self, data):
            if not self._skip:
                self.parts.append(data)

    parser = _Text()
    parser.feed(html)
    text = "".join(parser.parts)
    return re.sub(r"\n\s*\n\s*", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - pypdf is a dependency
        raise Skip("PDF support needs pypdf (pip install pypdf)") from exc
    import logging
    import warnings

    # pypdf reports recoverable damage through logging and warnings; a readable PDF is
    # read, an unreadable one is listed as skipped, and stderr stays quiet either way.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(str(path))
            return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:
        raise Skip(f"unreadable PDF ({type(exc).__name__})") from exc


def read_text(path: Path, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> tuple[str, bytes]:
    """The text of a file and its raw bytes; raises Skip with the reason otherwise."""
    try:
        size = path.stat().st_size
        if size > max_file_mb * 1024 * 1024:
            raise Skip(f"larger than {max_file_mb:g} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise Skip(f"unreadable ({exc.strerror or exc})") from exc
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        text = _pdf_text(path)
    elif suffix in HTML_SUFFIXES:
        text = _html_text(decode(data))
    elif b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Skip("binary file")
    elif suffix in TEXT_SUFFIXES or _looks_textual(data):
        text = decode(data)
    else:
        raise Skip(f"not a text file ({suffix})")
    if not text.strip():
        raise Skip("empty")
    return text, data


def _looks_textual(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # cut inside a multi-byte character
    return True


def split_date(text: str) -> tuple[str | None, str, int]:
    """A leading `date YYYY-MM-DD` line: (date, the text without it, where that text starts)."""
    m = _DATE_HEADER.match(text)
    if not m or iso_date(m.group(1)) is None:  # "date 2022-02-30" is text, not a date
        return None, text, 0
    return m.group(1), text[m.end() :], m.end()


def chunk_id(path: Path, number: int, text: str) -> str:
    h = hashlib.sha256(f"{path}\x00{number}\x00{text}".encode()).hexdigest()
    return h[:32]


def make_splitter(settings: ChunkSettings):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=settings.size,
        chunk_overlap=settings.overlap,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
    )


def read_document(path: Path, root: Path, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> Document:
    """A file's text, date and content hash; no chunks yet."""
    raw_text, data = read_text(path, max_file_mb)
    date, text, offset = split_date(raw_text)
    return Document(
        path=path.resolve(),
        source=source_name(path, root),
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        date=date,
        offset=offset,
    )


def chunk_document(doc: Document, splitter) -> Document:
    """Split the text into chunks with deterministic ids and offsets into the file's text."""
    doc.chunks = []
    for number, piece in enumerate(splitter.create_documents([doc.text])):
        start = doc.offset + piece.metadata["start_index"]
        body = piece.page_content.strip()
        doc.chunks.append(
            Chunk(
                id=chunk_id(doc.path, number, body),
                text=body,
                chunk=number,
                start=start,
                end=start + len(piece.page_content),
                sentences=sentences(body),
            )
        )
    return doc
