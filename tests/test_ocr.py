"""Scanned pages, images and pictures in Office files, read with the `ocr` extra (RapidOCR
and pypdfium2), and reported with the hint without it."""

import io
import json

import pytest

from .pdfs import character_accuracy, joined, page_picture, pdf_bytes, scanned_pdf
from .test_cli import run

pytestmark = pytest.mark.slow  # OCR takes seconds a page

SCANNED = (
    "The harbour master recorded 412 ships in March 2023.\n"
    "The lighthouse at Eling was repainted red and white.\n"
    "Ferries to the island run every forty minutes in summer."
)
PICTURED = "The orchard gave 96 crates of Bramley apples this autumn."
HINT = "install the OCR extra to read it: pip install 'qa[ocr]'"


@pytest.fixture
def scans(tmp_path):
    """A PDF whose page 2 is a scan, a PNG of a note, and an ordinary PDF."""
    pytest.importorskip("rapidocr")
    folder = tmp_path / "scans"
    folder.mkdir()
    typed = pdf_bytes(["Harbour report, part one: the quays were dredged in spring."])
    (folder / "harbour.pdf").write_bytes(joined(typed, scanned_pdf([page_picture(SCANNED)])))
    buffer = io.BytesIO()
    page_picture(PICTURED).crop((0, 0, 2480, 600)).save(buffer, "PNG")
    (folder / "orchard.png").write_bytes(buffer.getvalue())
    (folder / "plain.pdf").write_bytes(pdf_bytes(["The ferry timetable changes in October."]))
    return folder


def test_a_scanned_page_and_an_image_are_read_and_cited_by_page(scans, fake_cli):
    report = json.loads(run("ingest", str(scans), "--json").stdout)
    assert report["skipped_files"] == [] and report["added"] == 3
    assert report["ocr_pages"] == 2
    assert {"path": str(scans / "harbour.pdf"), "note": "page 2: read by OCR"} in report["notes"]
    answer = json.loads(
        run("ask", "how many ships did the harbour master record?", "--json", "--llm",
            "extractive", "--min-score", "0").stdout
    )  # fmt: skip
    assert "412" in answer["answer"]
    assert answer["sources"][0]["citation"] == "scans/harbour.pdf p. 2"
    found = json.loads(run("search", "Bramley apples crates", "--json", "-k", "1").stdout)
    assert found["source"] == "scans/orchard.png" and "96 crates" in found["text"]


def test_character_accuracy_on_a_generated_scan(tmp_path):
    pytest.importorskip("rapidocr")
    from qa.reading import ocr

    clean = ocr.pdf_page(scanned_pdf([page_picture(SCANNED)]), 1)
    copied = ocr.pdf_page(scanned_pdf([page_picture(SCANNED, degraded=True)]), 1)
    assert character_accuracy(clean, SCANNED) >= 0.95, clean
    assert character_accuracy(copied, SCANNED) >= 0.95, copied
    # A page that holds one short line (a cover, a signature page) is read too.
    assert ocr.read_image(page_picture("Received 14 May")) == "Received 14 May"


def test_without_the_extra_the_scan_is_reported_with_the_hint(scans, fake_cli, monkeypatch):
    from qa.reading import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    report = json.loads(run("ingest", str(scans), "--json").stdout)
    assert report["added"] == 2 and report["ocr_pages"] == 0
    assert report["notes"] == [
        {
            "path": str(scans / "harbour.pdf"),
            "note": f"page 2: no text layer (scanned? {HINT}), not indexed",
        }
    ]
    assert report["skipped_files"] == [
        {"path": str(scans / "orchard.png"), "reason": f"an image: {HINT}"}
    ]


def test_pictures_in_word_and_powerpoint_files_are_read(tmp_path, fake_cli, monkeypatch):
    pytest.importorskip("rapidocr")
    from docx import Document
    from pptx import Presentation
    from pptx.util import Inches

    picture = io.BytesIO()
    page_picture(PICTURED).crop((0, 0, 2480, 600)).save(picture, "PNG")
    folder = tmp_path / "office"
    folder.mkdir()
    doc = Document()
    doc.add_paragraph("Notes from the orchard.")
    doc.add_picture(io.BytesIO(picture.getvalue()), width=Inches(6))
    doc.save(folder / "orchard.docx")
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    slide.shapes.add_picture(io.BytesIO(picture.getvalue()), Inches(0.5), Inches(1), Inches(9))
    deck.save(folder / "harvest.pptx")

    report = json.loads(run("ingest", str(folder), "--json").stdout)
    assert report["added"] == 2 and report["ocr_pages"] == 2
    hits = [
        json.loads(line) for line in run("search", "Bramley apples", "--json").stdout.splitlines()
    ]
    assert {h["source"] for h in hits[:2]} == {"office/orchard.docx", "office/harvest.pptx"}
    assert all("96 crates" in h["text"] for h in hits[:2])
    assert next(h for h in hits if h["source"] == "office/harvest.pptx")["location"]["slide"] == 1

    from qa.reading import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    (folder / "orchard.docx").touch()
    report = json.loads(run("ingest", str(folder / "orchard.docx"), "--json").stdout)
    assert report["unchanged"] == 1  # the same bytes: not read again
