"""Documents as people keep them: one real file of each format, made here with the
format's own library (or its plain syntax), each stating a distinct fact. Every file is
ingested, and each fact is found and cited with its page, slide, sheet, cell or lines."""

import io
import json
import zipfile

import pytest

from qa.reading import Location, cite

from .pdfs import pdf_bytes
from .test_cli import run


def docx_bytes() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading("Staff", 1)
    doc.add_paragraph("The lighthouse keeper of Skerry Point is Mara Quill.")
    doc.add_paragraph("Her assistant is Tam Reyes, who joined the station last spring.")
    doc.add_heading("Budget", 1)
    table = doc.add_table(rows=2, cols=2)
    for cell, text in zip(table.rows[0].cells, ("Item", "Cost")):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("Foghorn repair", "880 crowns")):
        cell.text = text
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pptx_bytes() -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for title, body in (
        ("Welcome", "An overview of the islands."),
        ("Ferries", "The ferry to Inishmore leaves at 07:40 from Rossaveal pier."),
    ):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text_frame.text = body
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["Nothing to see here"])
    sheet = book.create_sheet("Q3")
    for row in (["Region", "Revenue"], ["Southmarch", 1900], ["Northland", 4200]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def epub_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        z.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            '<manifest><item id="c1" href="one.xhtml" media-type="application/xhtml+xml"/>'
            '<item id="c2" href="two.xhtml" media-type="application/xhtml+xml"/></manifest>'
            '<spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>',
        )
        for name, title, text in (
            ("one", "Chapter One", "The village had a quiet market on Tuesdays."),
            ("two", "Chapter Two", "The dragon of Wyvern Hill sleeps under the old mill."),
        ):
            z.writestr(
                f"OEBPS/{name}.xhtml",
                f"<html><body><h1>{title}</h1><p>{text}</p></body></html>",
            )
    return out.getvalue()


def odt_bytes() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Orchard"))
    doc.text.addElement(P(text="The orchard at Hollow Farm grows forty kinds of apple."))
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "source": ["# Setup\n", "Install things."]},
        {"cell_type": "code", "source": "x = 1", "outputs": []},
        {"cell_type": "markdown", "source": "The training run used 128 GPUs for nine days."},
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}

# file name, bytes or text, a query for its fact, where it must be cited
FILES = [
    ("report.pdf", lambda: pdf_bytes(["The annual report of the river trust for the year. " * 3,
                                    "The tide mill at Eling grinds flour.", ""]),
     "tide mill Eling flour", {"page": 2}, "report.pdf p. 2"),
    ("staff.docx", docx_bytes, "lighthouse keeper Skerry Point", {"section": "Staff"},
     "staff.docx § Staff"),

    ("islands.pptx", pptx_bytes, "ferry Inishmore Rossaveal", {"slide": 2, "section": "Ferries"},
     "islands.pptx slide 2 § Ferries"),
    ("sales.xlsx", xlsx_bytes, "Northland revenue", {"sheet": "Q3", "row": 1, "row_end": 3},
     "sales.xlsx sheet Q3 rows 1-3 § Sheet Q3"),
    ("people.csv", lambda: "name,role\nAda Lovelace,analyst\nGrace Hopper,compiler pioneer\n",
     "Grace Hopper compiler pioneer", {"line_start": 1, "line_end": 3}, "people.csv:1-3"),
    ("tale.epub", epub_bytes, "dragon Wyvern Hill mill", {"chapter": "Chapter Two"},
     "tale.epub § Chapter Two"),
    ("train.ipynb", lambda: json.dumps(NOTEBOOK), "training run GPUs nine days", {"cell": 3},
     "train.ipynb cell 3 § Setup"),
    ("stars.rtf", lambda: r"{\rtf1\ansi{\fonttbl\f0 Arial;}\f0 The observatory on Mount Kalo "
     r"opened in 1931.\par}", "observatory Mount Kalo opened", {}, "stars.rtf"),
    ("farm.odt", odt_bytes, "orchard Hollow Farm apple", {"section": "Orchard"},
     "farm.odt § Orchard"),
    ("greet.py", lambda: "def greet():\n    # The greeting is 'hello, walrus'\n"
     "    return 'hello, walrus'\n", "greeting hello walrus", {"line_start": 1, "line_end": 3},
     "greet.py:1-3"),
    ("plan.md", lambda: "# Plan\n\nAn introduction.\n\n## Budget\n\n"
     "The budget for the Tamar bridge is 3 million euros.\n", "budget Tamar bridge euros",
     {"line_start": 1, "section": "Budget"}, "plan.md:1-7 § Budget"),
    ("zoo.html", lambda: "<html><head><style>p{}</style></head><body><h1>Zoo</h1>"
     "<h2>Penguins</h2><p>The zoo at Ardmore keeps twelve penguins.</p></body></html>",
     "zoo Ardmore penguins", {"section": "Penguins"}, "zoo.html § Penguins"),
]  # fmt: skip


@pytest.fixture
def without_ocr(monkeypatch):
    """As without the `ocr` extra, whether or not it is installed here."""
    from qa.reading import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)


HINT = "install the OCR extra to read it: pip install 'qa[ocr]'"


@pytest.fixture
def shelf(tmp_path, fake_cli, without_ocr):
    folder = tmp_path / "shelf"
    folder.mkdir()
    for name, make, *_ in FILES:
        content = make()
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    report = json.loads(run("ingest", str(folder), "--json", "--chunk-size", "120",
                            "--chunk-overlap", "0").stdout)  # fmt: skip
    return folder, report


def test_every_format_is_ingested_and_a_scanned_page_is_reported(shelf):
    folder, report = shelf
    assert report["skipped_files"] == [], report["skipped_files"]
    assert report["added"] == len(FILES)
    assert report["notes"] == [
        {
            "path": str(folder / "report.pdf"),
            "note": f"page 3: no text layer (scanned? {HINT}), not indexed",
        }
    ]


@pytest.mark.parametrize("name, query, where, shown", [(f[0], *f[2:]) for f in FILES],
                         ids=[f[0] for f in FILES])  # fmt: skip
def test_each_fact_is_found_and_cited_where_it_is(shelf, name, query, where, shown):
    hit = json.loads(run("search", query, "--json", "-k", "1").stdout)
    assert hit["source"] == f"shelf/{name}"
    assert where.items() <= hit["location"].items(), hit["location"]
    assert cite(hit["source"], Location.from_dict(hit["location"])).endswith(shown)
    answer = json.loads(
        run("ask", f"what is said about {query}?", "--json", "--llm", "extractive",
            "--min-score", "0").stdout
    )  # fmt: skip
    # The answer cites where its quoted sentence is; search, the whole passage's span.
    assert answer["sources"][0]["citation"] == f"shelf/{QUOTED.get(name, shown)}"


QUOTED = {"plan.md": "plan.md:7 § Budget"}  # the passage spans lines 1-7; the fact, line 7


def test_a_docx_table_row_keeps_its_column_names(shelf):
    hit = json.loads(run("search", "foghorn repair cost", "--json", "-k", "1").stdout)
    assert hit["source"] == "shelf/staff.docx" and hit["location"]["section"] == "Budget"
    assert "Item: Foghorn repair | Cost: 880 crowns" in hit["text"]


def test_answers_cite_the_page_and_json_sources_carry_it(shelf):
    data = json.loads(
        run("ask", "what does the tide mill at Eling grind?", "--llm", "extractive", "--json",
            "--min-score", "0").stdout
    )  # fmt: skip
    source = data["sources"][0]
    assert source["page"] == 2 and source["citation"] == "shelf/report.pdf p. 2"
    assert {"line_start", "line_end", "section"} <= source.keys()
    text = run("ask", "what does the tide mill at Eling grind?", "--llm", "extractive",
               "--min-score", "0").stdout  # fmt: skip
    assert "[1] shelf/report.pdf p. 2" in text


def test_search_vimgrep_prints_path_line_column(shelf):
    folder, _ = shelf
    out = run("search", "budget Tamar bridge euros", "--vimgrep", "-k", "1").stdout.strip()
    path, line, column, text = out.split(":", 3)
    assert path == str(folder / "plan.md") and (int(line), column) == (1, "1")
    assert "Tamar bridge" in text


def test_a_pdf_with_no_text_at_all_is_skipped_with_the_reason(tmp_path, fake_cli, without_ocr):
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(pdf_bytes(["", ""]))
    (folder / "ok.txt").write_text("A note that is text.")
    report = json.loads(run("ingest", str(folder), "--json").stdout)
    assert report["added"] == 1
    assert report["skipped_files"] == [
        {"path": str(folder / "scan.pdf"),
         "reason": f"no text layer on any page (a scanned PDF? {HINT})"}
    ]  # fmt: skip


def test_old_office_files_say_how_to_read_them(tmp_path, fake_cli):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "memo.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    report = json.loads(run("ingest", str(folder), "--json").stdout)
    assert "save it as .docx" in report["skipped_files"][0]["reason"]


def test_an_index_built_before_locations_keeps_working(tmp_path, fake_cli, docs):
    import sqlite3

    index = tmp_path / "index"
    assert run("ingest", str(docs)).exit_code == 0
    # Make it look like an index from before: no location column.
    with sqlite3.connect(index / "qa.sqlite3") as db:
        db.execute("ALTER TABLE chunks DROP COLUMN location")
    hit = json.loads(run("search", "Etna volcano lava", "--json", "-k", "1").stdout)
    assert hit["location"] is None
    text = run("search", "Etna volcano lava", "-k", "1").stdout
    assert "docs/volcano.md (chunk 0)" in text
    # Reindexing adds the locations.
    assert run("reindex").exit_code == 0
    hit = json.loads(run("search", "Etna volcano lava", "--json", "-k", "1").stdout)
    assert hit["location"]["line_start"] >= 1


# -- the quoted sentence's place, not the chunk's span ---------------------------------------
def exact(fake_cli, fake_llm, tmp_path, name: str, data, question: str) -> dict:
    folder = tmp_path / "exact"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data)
    assert run("ingest", str(folder), "--json").exit_code == 0
    result = run("ask", question, "--llm", "extractive", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["sources"][0]


def test_a_fact_on_page_3_of_a_chunk_spanning_pages_1_to_3_is_cited_p_3(
    fake_cli, fake_llm, tmp_path
):
    pages = [
        "The survey covered rivers across the northern region of the county.",
        "Volunteers walked each bank twice during the spring and the summer.",
        "Otters were seen at eleven of the forty sites that were surveyed.",
    ]
    source = exact(fake_cli, fake_llm, tmp_path, "survey.pdf", pdf_bytes(pages),
                   "at how many sites were otters seen?")  # fmt: skip
    assert source["text"].startswith("The survey covered")  # one chunk holds all three
    assert source["citation"] == "exact/survey.pdf p. 3"
    assert source["page"] == 3 and "at" not in source["location"]


def test_a_fact_on_line_5_is_cited_at_line_5(fake_cli, fake_llm, tmp_path):
    text = (
        "Minutes of the garden committee.\n"
        "Present were six members and the treasurer.\n"
        "The roses along the south wall need pruning.\n"
        "Compost deliveries move to Thursdays.\n"
        "The new greenhouse will cost 2,400 pounds.\n"
        "The next meeting is in March.\n"
    )
    source = exact(fake_cli, fake_llm, tmp_path, "minutes.txt", text,
                   "how much will the new greenhouse cost?")  # fmt: skip
    assert source["citation"] == "exact/minutes.txt:5"
    assert source["line_start"] == source["line_end"] == 5


def test_an_index_without_sentence_places_cites_the_chunk():
    def quote_location(stored: dict, start: int) -> dict:
        return Location.from_dict(stored).of_quote(start).to_dict()

    old = {"page": 1, "page_end": 3}
    assert quote_location(old, 120) == old
    new = {"page": 1, "page_end": 3, "section": "Otters", "at": [[0, {"page": 1}],
           [70, {"page": 2}], [140, {"page": 3}]]}  # fmt: skip
    assert quote_location(new, 140) == {"section": "Otters", "page": 3}
    assert quote_location(new, 100) == {"section": "Otters", "page": 2}
    assert cite("a.pdf", Location.from_dict(new).of_quote(140)) == "a.pdf p. 3 § Otters"
