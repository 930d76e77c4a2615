"""A file as a document (its text, date and checksum) and its chunks: deterministic ids,
offsets into the file, sentence spans, and where each chunk and sentence is."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import DEFAULT_MAX_FILE_MB, ChunkSettings
from ..text import full_stop_pattern, sentences
from .extracted import Extracted
from .files import source_name
from .location import NARROW
from .registry import extract, read_bytes

_DATE_HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*\n?[ \t]*")


@dataclass
class Chunk:
    id: str
    text: str
    chunk: int
    start: int
    end: int
    sentences: list[tuple[int, int]] = field(default_factory=list)  # spans within `text`
    location: dict = field(default_factory=dict)  # page, lines, section… (Location.to_dict)


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


def iso_date(value: str) -> str | None:
    """`value` if it is a real calendar date written YYYY-MM-DD, else None."""
    import datetime

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return value


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
        # a paragraph, a line, a sentence (not "Theodore W." or "the U.S."), a clause, a word
        separators=["\n\n", "\n", full_stop_pattern(), r"\? ", "! ", "; ", ", ", " ", ""],
        is_separator_regex=True,
        keep_separator="end",
        add_start_index=True,
    )


def read_document(
    path: Path, root: Path, max_file_mb: float = DEFAULT_MAX_FILE_MB, known: str | None = None
) -> Document | None:
    """A file's text, date and content hash; no chunks yet. None when its bytes hash to
    `known` (the hash indexed): an unchanged file is not parsed again (a scanned PDF is
    not read by OCR again)."""
    data = read_bytes(path, max_file_mb)
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 == known:
        return None
    extracted = extract(path, data, max_file_mb)
    date, text, offset = split_date(extracted.text)
    return Document(
        path=path.resolve(),
        source=source_name(path, root),
        text=text,
        sha256=sha256,
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
        return self._bisect(self.newlines or [], offset - 1) + 1

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
