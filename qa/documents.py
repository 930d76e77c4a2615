"""Finding files, reading them as text, and splitting them into chunks."""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import formats
from .config import DEFAULT_MAX_FILE_MB, ChunkSettings
from .formats import NARROW, Extracted, Skip
from .text import iso_date, sentences

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
# The format of each file kind and what reads it (README: Formats). Any other file that
# decodes as text (source code, config, logs) is read as plain text.
READERS = {
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".csv": "csv", ".tsv": "csv", ".epub": "epub", ".ipynb": "ipynb", ".rtf": "rtf",
    ".odt": "odt",
}  # fmt: skip
OLD_OFFICE = {".doc", ".xls", ".ppt"}

_DATE_HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*\n?[ \t]*")


@dataclass
class Chunk:
    id: str
    text: str
    chunk: int
    start: int
    end: int
    sentences: list[tuple[int, int]] = field(default_factory=list)  # spans within `text`
    location: dict = field(default_factory=dict)  # page, lines, section… (formats.describe)


@dataclass
class Document:
    path: Path  # absolute
    source: str  # shown to users: relative to the folder it was ingested from
    text: str
    sha256: str
    date: str | None = None
    offset: int = 0  # where `text` starts in the file (after a date header)
    chunks: list[Chunk] = field(default_factory=list)
    extracted: Extracted | None = field(default=None, repr=False)  # marks, headings
    notes: list[str] = field(default_factory=list)  # told to the user (a scanned page)


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


def read_text(path: Path, max_file_mb: float = DEFAULT_MAX_FILE_MB) -> tuple[Extracted, bytes]:
    """The text of a file (with where each part of it came from) and its raw bytes;
    raises Skip with the reason otherwise.

    Limits measure what is read, not what a file claims: only regular files are opened
    (a link to /dev/zero or a FIFO is skipped), at most `max_file_mb` is read, and an
    Office or ePub file is refused when its members would expand past that size."""
    limit = int(max_file_mb * 1024 * 1024)
    data = read_capped(path, limit, max_file_mb)
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if suffix in OLD_OFFICE:
        raise Skip(f"old binary Office format ({suffix}): save it as {suffix}x to index it")
    if reader:
        if reader in ZIP_READERS:
            check_archive(data, limit, max_file_mb)
        try:
            out = _read(reader, data)
        except Skip:
            raise
        except Exception as exc:  # a damaged file of a known format
            raise Skip(f"unreadable {suffix[1:]} file ({_reason(exc)})") from exc
    elif b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Skip("binary file")
    elif suffix in TEXT_SUFFIXES or _looks_textual(data):
        out = formats.plain(decode(data), markdown=suffix in MARKDOWN_SUFFIXES)
    else:
        raise Skip(f"not a text file ({suffix})")
    if not out.text.strip():
        raise Skip("empty")
    return out, data


def read_capped(path: Path, limit: int, max_file_mb: float) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, read with that cap (a file
    that grows while read, or lies about its size, is still stopped there)."""
    import stat

    try:
        st = path.stat()  # follows a symlink: what would be read
        if not stat.S_ISREG(st.st_mode):
            kind = (
                "a FIFO" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a file"
            )  # fmt: skip
            raise Skip(f"not a regular file ({kind})")
        if st.st_size > limit:
            raise Skip(f"larger than {max_file_mb:g} MB")
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise Skip(f"unreadable ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise Skip(f"larger than {max_file_mb:g} MB")
    return data


# Formats that are zip archives: their members are checked before anything is extracted.
ZIP_READERS = {"docx", "pptx", "xlsx", "epub", "odt"}
MAX_ARCHIVE_MEMBERS = 10_000


def check_archive(data: bytes, limit: int, max_file_mb: float) -> None:
    """Refuse an archive whose members would expand past `limit` bytes in all (a zip
    bomb: a few MB that unpack to gigabytes), or that holds implausibly many members.
    Python's zipfile never reads a member past the size its header declares."""
    import zipfile

    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Skip(f"unreadable archive ({_reason(exc)})") from exc
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise Skip(f"an archive of {len(members):,} parts (at most {MAX_ARCHIVE_MEMBERS:,})")
    expanded = sum(m.file_size for m in members)
    if expanded > limit:
        raise Skip(
            f"expands to {expanded / 1024 / 1024:,.0f} MB uncompressed, "
            f"larger than {max_file_mb:g} MB (--max-file-mb)"
        )


def _reason(exc: Exception) -> str:
    """An exception as a short reason: its class, and its message when it has one."""
    said = " ".join(str(exc).split())[:80]
    return f"{type(exc).__name__}: {said}" if said else type(exc).__name__


def _read(reader: str, data: bytes) -> Extracted:
    if reader in ZIP_READERS or reader == "pdf":
        return getattr(formats, reader)(data)
    text = decode(data)
    if reader == "csv":
        return formats.csv_text(text)
    return getattr(formats, reader)(text)  # html, ipynb, rtf


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
    extracted, data = read_text(path, max_file_mb)
    date, text, offset = split_date(extracted.text)
    return Document(
        path=path.resolve(),
        source=source_name(path, root),
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        date=date,
        offset=offset,
        extracted=extracted,
        notes=extracted.notes,
    )


def chunk_document(doc: Document, splitter) -> Document:
    """Split the text into chunks with deterministic ids and offsets into the file's text."""
    doc.chunks = []
    where = Locator(doc.extracted) if doc.extracted is not None else None
    pieces = [
        (unit_start + piece.metadata["start_index"], piece.page_content)
        for unit_start, unit in units(doc)
        for piece in splitter.create_documents([unit])
    ]
    for number, (at, content) in enumerate(pieces):
        start = doc.offset + at
        body = content.strip()
        end = start + len(content)
        spans = sentences(body)
        location = where.locate(start, end) if where else {}
        if where:  # where each sentence is, when the chunk spans pages, rows or lines
            body_at = start + len(content) - len(content.lstrip())
            location = with_sentence_places(location, spans, where, body_at)
        doc.chunks.append(
            Chunk(
                id=chunk_id(doc.path, number, body),
                text=body,
                chunk=number,
                start=start,
                end=end,
                sentences=spans,
                location=location,
            )
        )
    return doc


def with_sentence_places(location: dict, spans, where: Locator, body_at: int) -> dict:
    """`location` with, when its sentences are not all in one place, `"at"`: each
    sentence's start in the chunk and its own page, rows or lines (citations name where
    the quoted sentence is, not the whole chunk's span)."""
    places = []
    for a, b in spans:
        own = where.locate(body_at + a, body_at + b)
        places.append([a, {k: own[k] for k in NARROW if k in own}])
    mine = {k: location[k] for k in NARROW if k in location}
    if all(place == mine for _, place in places):
        return location
    return {**location, "at": places}


UNIT_KEYS = ("slide", "sheet", "cell", "chapter")  # a chunk never spans two of these


def units(doc: Document) -> list[tuple[int, str]]:
    """The document's text cut where a slide, sheet, notebook cell or chapter begins (a
    chunk of two slides would be cited as neither), as (offset in `doc.text`, text)."""
    marks = doc.extracted.marks if doc.extracted is not None else []
    cuts, last = [], None
    for offset, location in marks:
        unit = tuple(location.get(k) for k in UNIT_KEYS)
        if any(unit) and unit != last:
            if offset - doc.offset > 0:
                cuts.append(offset - doc.offset)
            last = unit
    bounds = [0, *[c for c in cuts if 0 < c < len(doc.text)], len(doc.text)]
    return [(a, doc.text[a:b]) for a, b in zip(bounds, bounds[1:]) if doc.text[a:b].strip()]


class Locator:
    """Where a stretch of extracted text came from: pages (slides, sheet rows, chapter,
    cell, CSV lines), the file's lines for text-like files, and the nearest heading."""

    def __init__(self, extracted: Extracted):
        import bisect

        self._bisect = bisect.bisect_right
        self.marks = extracted.marks
        self.mark_at = [o for o, _ in extracted.marks]
        self.headings = extracted.headings
        self.heading_at = [o for o, _ in extracted.headings]
        text = extracted.text
        self.newlines = (
            [i for i, ch in enumerate(text) if ch == "\n"] if extracted.line_based else None
        )

    def _line(self, offset: int) -> int:
        return self._bisect(self.newlines, offset - 1) + 1

    def locate(self, start: int, end: int) -> dict:
        loc: dict = {}
        if self.newlines is not None:
            loc["line_start"], loc["line_end"] = self._line(start), self._line(max(start, end - 1))
        if self.marks:
            first = self.marks[max(0, self._bisect(self.mark_at, start) - 1)][1]
            last = self.marks[max(0, self._bisect(self.mark_at, max(start, end - 1)) - 1)][1]
            for key, value in first.items():
                if key == "line":
                    loc["line_start"], loc["line_end"] = value, last.get("line", value)
                else:
                    loc[key] = value
                    if key in ("page", "slide", "cell", "row") and last.get(key, value) != value:
                        loc[f"{key}_end"] = last[key]
        section = self._section(start, end)
        if section and section != loc.get("chapter"):
            loc["section"] = section
        return loc

    def _section(self, start: int, end: int) -> str | None:
        """The heading over most of the stretch: a chunk that starts at the end of one
        section and runs on through the next is cited under the next."""
        i = self._bisect(self.heading_at, start) - 1
        current = self.headings[i][1] if i >= 0 else None
        best, size, at = current, 0, start
        for offset, heading in self.headings[i + 1 :]:
            if offset >= end:
                break
            if offset - at > size:
                best, size = current, offset - at
            current, at = heading, offset
        return current if end - at > size else best
