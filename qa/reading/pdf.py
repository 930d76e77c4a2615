"""PDF files, page by page (pypdf); a page without a text layer is read by OCR when the
extra is installed (`ocr.py`), else reported."""

from __future__ import annotations

import io

from . import ocr
from .extracted import Builder, Extracted, Skip


# -- PDF (pypdf) -----------------------------------------------------------------------------------
def pdf(data: bytes) -> Extracted:
    import logging
    import warnings

    from pypdf import PdfReader

    # pypdf reports recoverable damage through logging and warnings; a readable PDF is
    # read, an unreadable one is listed as skipped, and stderr stays quiet either way.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    b = Builder()
    empty, scanned = [], []
    reading = ocr.available()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            for n, page in enumerate(reader.pages, 1):
                text = (page.extract_text() or "").strip()
                if not text and reading:  # a scanned page: its picture is read
                    text = ocr.pdf_page(data, n).strip()
                    scanned.append(n)
                if not text:
                    empty.append(n)
                    continue
                b.mark(page=n)
                b.add(text)
    except Exception as exc:
        raise Skip(f"unreadable PDF ({type(exc).__name__})") from exc
    out = b.done()
    out.ocr_pages = len([n for n in scanned if n not in empty])
    if empty and not out.text.strip():
        raise Skip(
            "no text on any page (a scanned PDF?)"
            if reading
            else f"no text layer on any page (a scanned PDF? {ocr.HINT})"
        )
    if empty:
        why = "no text found" if reading else f"no text layer (scanned? {ocr.HINT})"
        out.notes.append(f"{_pages(empty)}: {why}, not indexed")
    if out.ocr_pages:
        out.notes.append(f"{_pages([n for n in scanned if n not in empty])}: read by OCR")
    return out


def _pages(numbers: list[int]) -> str:
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(map(str, numbers))
