"""PDF files, page by page (pypdf); a page without a text layer is reported."""

from __future__ import annotations

import io

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
