"""Office and e-book formats: .docx, .pptx, .xlsx, .odt and ePub, each through its own
library; slides, sheets and rows, and chapters are marked. Pictures in Word and
PowerPoint files are read by OCR when the extra is installed, else counted in a note."""

from __future__ import annotations

import io

from . import ocr
from .extracted import Builder, Extracted, Skip, table_lines
from .plain import html

_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


class Pictures:
    """The pictures a document holds: read by OCR when the extra is installed; what is
    not read is told in a note."""

    def __init__(self) -> None:
        self.read = self.without_ocr = self.unreadable = 0

    def text(self, blob: bytes) -> str:
        if not ocr.available():
            self.without_ocr += 1
            return ""
        try:
            text = ocr.read_image(blob)
        except Exception:  # a format the image library cannot open (EMF, WMF)
            self.unreadable += 1
            return ""
        self.read += 1
        return text

    def done(self, out: Extracted) -> Extracted:
        out.ocr_pages += self.read
        if self.without_ocr:
            out.notes.append(f"{_count(self.without_ocr)} not read ({ocr.HINT})")
        if self.unreadable:
            out.notes.append(f"{_count(self.unreadable)} in a format OCR cannot open")
        return out


def _count(n: int) -> str:
    return f"{n} picture{'' if n == 1 else 's'}"


# -- Office documents ------------------------------------------------------------------------------
def docx(data: bytes) -> Extracted:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(data))
    related = document.part.related_parts
    b, pictures = Builder(), Pictures()
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            style = (para.style.name if para.style is not None else "") or ""
            if style.startswith(("Heading", "Title")):
                b.heading(para.text)
            b.add(para.text)
            for blip in child.iter(_BLIP):
                part = related.get(blip.get(_EMBED))
                if part is not None:
                    b.add(pictures.text(part.blob))
        elif tag == "tbl":
            table = Table(child, document)
            rows = [[cell.text for cell in row.cells] for row in table.rows]
            b.add("\n".join(table_lines(rows)))
    return pictures.done(b.done())


def pptx(data: bytes) -> Extracted:
    from pptx import Presentation

    b, pictures = Builder(), Pictures()
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
            if hasattr(shape, "image"):  # a picture
                b.add(pictures.text(shape.image.blob))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            b.add(slide.notes_slide.notes_text_frame.text)
    return pictures.done(b.done())


def xlsx(data: bytes) -> Extracted:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    b = Builder()
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


def odt(data: bytes) -> Extracted:
    from odf import teletype
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    b = Builder()

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


# -- ePub (a zip of XHTML chapters, read in spine order) -------------------------------------------
def epub(data: bytes) -> Extracted:
    import posixpath
    import xml.etree.ElementTree as ET
    import zipfile

    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        container = ET.fromstring(book.read("META-INF/container.xml"))
        opf_path = next(str(e.get("full-path")) for e in container.iter() if e.get("full-path"))
        opf = ET.fromstring(book.read(opf_path))
    except (KeyError, StopIteration, zipfile.BadZipFile, ET.ParseError) as exc:
        raise Skip(f"unreadable ePub ({type(exc).__name__})") from exc
    base = posixpath.dirname(opf_path)
    manifest = {e.get("id"): e.get("href") or "" for e in opf.iter() if e.tag.endswith("item")}
    spine = [e.get("idref") for e in opf.iter() if e.tag.endswith("itemref")]
    b = Builder()
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
