"""Reading the files people keep as text, each format through a well-kept library, and
keeping where each piece of text came from (page, slide, sheet, chapter, cell, heading).

Every reader returns an `Extracted`: the text, and `marks` saying from which offset on
the text is on which page (slide, sheet and row, chapter, cell, line of a CSV), plus the
headings and their offsets. Tables become one row a line, cells separated by " | " and
named by their column headers, so a question about a cell can be answered. The choice of
library for each format, and what was measured, is in bench/RESULTS.md.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field


def cite(source: str, location: dict | None, chunk: int | None = None) -> str:
    """How a passage is cited: "report.pdf p. 4", "notes/plan.md:12-18 § Budget",
    "deck.pptx slide 3", "book.xlsx sheet Q3 rows 2-9", "nb.ipynb cell 5"; a passage
    indexed before locations were recorded keeps its chunk number."""
    if location is None:
        return f"{source} (chunk {chunk})" if chunk is not None else source

    def span(key: str, one: str, many: str) -> str:
        first, last = location[key], location.get(f"{key}_end")
        return f"{many} {first}-{last}" if last and last != first else f"{one} {first}"

    out = source
    if "sheet" in location:
        out += f" sheet {location['sheet']}"
        if "row" in location:
            out += " " + span("row", "row", "rows")
    elif "line_start" in location:
        a, b = location["line_start"], location.get("line_end", location["line_start"])
        out += f":{a}" if a == b else f":{a}-{b}"
    if "page" in location:
        out += " " + span("page", "p.", "pp.")
    if "slide" in location:
        out += " " + span("slide", "slide", "slides")
    if "cell" in location:
        out += " " + span("cell", "cell", "cells")
    if "chapter" in location:
        out += f" § {location['chapter']}"
    if location.get("section"):
        out += f" § {location['section']}"
    return out


# What narrows from a chunk to one of its sentences: the rest (sheet, chapter, section)
# is the chunk's. A chunk never spans two slides or cells (`units`), but pages, sheet rows
# and a text file's lines it may.
NARROW = ("page", "page_end", "row", "row_end", "line_start", "line_end", "slide", "cell")


def quote_location(location: dict | None, start: int) -> dict | None:
    """Where the sentence starting at `start` in a chunk is: the chunk's location with its
    page, rows or lines narrowed to that sentence's (an index made before sentences'
    places were kept has no `"at"`: the chunk's location then)."""
    if not location or "at" not in location:
        return location
    base = {k: v for k, v in location.items() if k != "at" and k not in NARROW}
    place = None
    for offset, own in location["at"]:
        if offset > start:
            break
        place = own
    return {**base, **(place if place is not None else location["at"][0][1])}


def chunk_location(location: dict | None) -> dict | None:
    """A chunk's location as shown (without its sentences' places)."""
    if not location or "at" not in location:
        return location
    return {k: v for k, v in location.items() if k != "at"}


class Skip(Exception):
    """A file that is not ingested; the message is the reason shown to the user."""


@dataclass
class Extracted:
    text: str
    marks: list[tuple[int, dict]] = field(default_factory=list)  # (offset, location from there)
    headings: list[tuple[int, str]] = field(default_factory=list)  # (offset, heading)
    line_based: bool = False  # offsets in `text` are offsets in the file's own lines
    notes: list[str] = field(default_factory=list)  # told to the user (a scanned page)


class _Builder:
    """Text assembled piece by piece. A mark or heading given before a piece applies from
    where that piece starts."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.out = Extracted("")
        self._marks: list[dict] = []
        self._headings: list[str] = []

    def mark(self, **location) -> None:
        self._marks.append(location)

    def heading(self, text: str) -> None:
        text = " ".join(text.split())
        if text:
            self._headings.append(text[:120])

    def add(self, text: str, sep: str = "\n\n") -> int:
        """Append `text` (after `sep`); returns where it starts."""
        if not text.strip():
            return self.size
        if self.parts:
            self.parts.append(sep)
            self.size += len(sep)
        start = self.size
        self.out.marks += [(start, m) for m in self._marks]
        self.out.headings += [(start, h) for h in self._headings]
        self._marks.clear()
        self._headings.clear()
        self.parts.append(text)
        self.size += len(text)
        return start

    def done(self) -> Extracted:
        self.out.text = "".join(self.parts)
        return self.out


def table_lines(rows: list[list[str]]) -> list[str]:
    """One line a row. When the first row reads as a header (every cell filled, no
    numbers), each later cell is named by it: "Name: Ada | Role: engineer"."""
    rows = [[" ".join(str(c).split()) for c in row] for row in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    head = rows[0]
    named = (
        len(rows) > 1 and all(head) and not any(re.fullmatch(r"[\d.,\s%$€£-]+", c) for c in head)
    )
    if not named:
        return [" | ".join(r) for r in rows]
    lines = [" | ".join(head)]
    for r in rows[1:]:
        lines.append(" | ".join(f"{h}: {v}" for h, v in zip(head, r) if v))
    return lines


# -- text-like files -----------------------------------------------------------------------------
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)
_FENCE = re.compile(r"^(```|~~~)", re.M)


def markdown_headings(text: str) -> list[tuple[int, str]]:
    """ATX headings (`## Budget`) outside fenced code blocks."""
    fenced = []
    opened = None
    for m in _FENCE.finditer(text):
        if opened is None:
            opened = m.start()
        else:
            fenced.append((opened, m.end()))
            opened = None
    return [
        (m.start(), m.group(2))
        for m in _MD_HEADING.finditer(text)
        if not any(a <= m.start() < b for a, b in fenced)
    ]


def plain(text: str, markdown: bool = False) -> Extracted:
    return Extracted(text, headings=markdown_headings(text) if markdown else [], line_based=True)


# -- HTML (selectolax, lexbor engine) -------------------------------------------------------------
_BLOCK = {
    "p", "div", "li", "br", "section", "article", "blockquote", "pre", "dt", "dd", "header",
    "footer", "main", "nav", "aside", "figure", "figcaption", "ul", "ol", "dl", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "caption", "address", "details", "summary",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


# The HTML parser's time grows with the square of the nesting depth (20,000 nested
# <div>s: 4 s; 200,000: many minutes). Real pages nest tens of levels deep.
MAX_HTML_DEPTH = 1000
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)[^>]*?(/?)>")
# Elements that never hold others open: void ones, and ones the parser closes itself.
_FLAT = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "p", "li", "dt", "dd", "option", "tr", "td", "th", "thead",
    "tbody", "tfoot", "colgroup", "rp", "rt", "optgroup", "html", "head", "body",
}  # fmt: skip


def html_depth(source: str, limit: int = MAX_HTML_DEPTH) -> int:
    """How deep the elements of `source` nest, counted up to just past `limit`."""
    depth = deepest = 0
    for m in _TAG.finditer(source):
        closing, name, self_closing = m.groups()
        if self_closing or name.lower() in _FLAT:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def html(source: str) -> Extracted:
    from selectolax.lexbor import LexborHTMLParser

    if html_depth(source) > MAX_HTML_DEPTH:
        raise Skip(f"HTML nested more than {MAX_HTML_DEPTH:,} elements deep (damaged or hostile)")
    tree = LexborHTMLParser(source)
    for node in tree.css("script, style, noscript, template, head, svg"):
        node.decompose()
    for table in tree.css("table"):
        rows = [[c.text(deep=True, strip=True) for c in tr.css("th, td")] for tr in table.css("tr")]
        table.replace_with("\n" + "\n".join(table_lines(rows)) + "\n")
    root = tree.body or tree.root
    b = _Builder()
    line: list[str] = []

    def flush() -> None:
        text = re.sub(r"[ \t\r\f\v]+", " ", "".join(line)).strip()
        line.clear()
        for para in re.split(r"\n\s*\n", text):
            b.add(para.strip())

    for node in root.traverse(include_text=True):
        if node.tag == "-text":
            line.append(node.text_content or "")
        elif node.tag in _BLOCK:
            flush()
            if node.tag in _HEADINGS:
                b.heading(node.text(deep=True, strip=True))
    flush()
    return b.done()


# -- PDF (pypdf) -----------------------------------------------------------------------------------
def pdf(data: bytes) -> Extracted:
    import logging
    import warnings

    from pypdf import PdfReader

    # pypdf reports recoverable damage through logging and warnings; a readable PDF is
    # read, an unreadable one is listed as skipped, and stderr stays quiet either way.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    b = _Builder()
    empty = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            for n, page in enumerate(reader.pages, 1):
                text = (page.extract_text() or "").strip()
                if not text:
                    empty.append(n)
                    continue
                b.mark(page=n)
                b.add(text)
    except Exception as exc:
        raise Skip(f"unreadable PDF ({type(exc).__name__})") from exc
    out = b.done()
    if empty and not out.text.strip():
        raise Skip("no text layer on any page (a scanned PDF? it needs OCR first)")
    if empty:
        out.notes.append(f"{_pages(empty)}: no text layer (scanned?), not indexed")
    return out


def _pages(numbers: list[int]) -> str:
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(map(str, numbers))


# -- Office documents ------------------------------------------------------------------------------
def docx(data: bytes) -> Extracted:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(data))
    b = _Builder()
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            style = (para.style.name if para.style is not None else "") or ""
            if style.startswith(("Heading", "Title")):
                b.heading(para.text)
            b.add(para.text)
        elif tag == "tbl":
            table = Table(child, document)
            rows = [[cell.text for cell in row.cells] for row in table.rows]
            b.add("\n".join(table_lines(rows)))
    return b.done()


def pptx(data: bytes) -> Extracted:
    from pptx import Presentation

    b = _Builder()
    for n, slide in enumerate(Presentation(io.BytesIO(data)).slides, 1):
        title = slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""
        b.mark(slide=n)
        if title.strip():
            b.heading(title)
        for shape in slide.shapes:
            if shape.has_text_frame:
                b.add(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                rows = [[c.text for c in row.cells] for row in shape.table.rows]
                b.add("\n".join(table_lines(rows)))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            b.add(slide.notes_slide.notes_text_frame.text)
    return b.done()


def xlsx(data: bytes) -> Extracted:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    b = _Builder()
    for sheet in book.worksheets:
        # Read-only mode trusts the size a sheet declares (`<dimension ref="A1"/>`), which
        # some writers leave stale: every row is read instead, as Excel does.
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        rows = [
            (n, ["" if v is None else str(v) for v in row])
            for n, row in enumerate(sheet.iter_rows(values_only=True), 1)
        ]
        rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
        if not rows:
            continue
        lines = table_lines([r for _, r in rows])
        b.heading(f"Sheet {sheet.title}")
        for (n, _), text in zip(rows, lines):
            b.mark(sheet=sheet.title, row=n)
            b.add(text, sep="\n")
    book.close()
    return b.done()


def csv_text(text: str) -> Extracted:
    import csv

    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows, lines_at = [], []
    start = 1
    for row in reader:
        rows.append(row)
        lines_at.append(start)
        start = reader.line_num + 1
    b = _Builder()
    kept = [(n, r) for n, r in zip(lines_at, rows) if any(c.strip() for c in r)]
    for (n, _), line in zip(kept, table_lines([r for _, r in kept])):
        b.mark(line=n)
        b.add(line, sep="\n")
    return b.done()


def odt(data: bytes) -> Extracted:
    from odf import teletype
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    b = _Builder()

    def walk(node) -> None:
        name = getattr(node, "qname", (None, None))[1]
        if name == "h":
            b.heading(teletype.extractText(node))
            b.add(teletype.extractText(node))
        elif name == "p":
            b.add(teletype.extractText(node))
        elif name == "table":
            rows = [
                [teletype.extractText(cell) for cell in row.childNodes]
                for row in node.getElementsByType(_odf_row())
            ]
            b.add("\n".join(table_lines(rows)))
        else:
            for child in node.childNodes:
                walk(child)

    walk(document.text)
    return b.done()


def _odf_row():
    from odf.table import TableRow

    return TableRow


def rtf(text: str) -> Extracted:
    from striprtf.striprtf import rtf_to_text

    return Extracted(rtf_to_text(text, errors="ignore"))


# -- ePub (a zip of XHTML chapters, read in spine order) -------------------------------------------
def epub(data: bytes) -> Extracted:
    import posixpath
    import xml.etree.ElementTree as ET
    import zipfile

    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        container = ET.fromstring(book.read("META-INF/container.xml"))
        opf_path = next(e.get("full-path") for e in container.iter() if e.get("full-path"))
        opf = ET.fromstring(book.read(opf_path))
    except (KeyError, StopIteration, zipfile.BadZipFile, ET.ParseError) as exc:
        raise Skip(f"unreadable ePub ({type(exc).__name__})") from exc
    base = posixpath.dirname(opf_path)
    manifest = {e.get("id"): e.get("href") for e in opf.iter() if e.tag.endswith("item")}
    spine = [e.get("idref") for e in opf.iter() if e.tag.endswith("itemref")]
    b = _Builder()
    for n, idref in enumerate(spine, 1):
        href = manifest.get(idref)
        if not href:
            continue
        try:
            chapter = html(book.read(posixpath.join(base, href)).decode("utf-8", "replace"))
        except KeyError:
            continue
        if not chapter.text.strip():
            continue
        title = chapter.headings[0][1] if chapter.headings else f"part {n}"
        b.mark(chapter=title)
        offset = b.add(chapter.text)
        b.out.headings += [(offset + o, h) for o, h in chapter.headings]
    return b.done()


# -- Jupyter notebooks (JSON: markdown and code cells, outputs left out) ---------------------------
def ipynb(text: str) -> Extracted:
    import json

    try:
        cells = json.loads(text)["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        raise Skip(f"unreadable notebook ({type(exc).__name__})") from exc
    b = _Builder()
    for n, cell in enumerate(cells, 1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") not in ("markdown", "code") or not source.strip():
            continue
        b.mark(cell=n)
        offset = b.add(source)
        if cell.get("cell_type") == "markdown":
            b.out.headings += [(offset + o, h) for o, h in markdown_headings(source)]
    return b.done()
