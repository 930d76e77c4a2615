"""Text from pictures of text: scanned PDF pages, image files, pictures in Office files.

An optional extra (`pip install 'qa[ocr]'`): RapidOCR (PP-OCR's detection and
recognition models, shipped inside its wheel, run by onnxruntime; Apache-2.0) reads, and
pypdfium2 renders a PDF page to an image (no poppler). Without the extra every caller
reports what it could not read, with HINT.
"""

from __future__ import annotations

import functools
import importlib.util
import io

HINT = "install the OCR extra to read it: pip install 'qa[ocr]'"
DPI = 300  # a scanned page is rendered at this resolution before it is read


def available() -> bool:
    """Whether the OCR extra is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "pypdfium2"))


@functools.cache
def _engine(downscaled: bool = False):
    """RapidOCR as configured by default (a page at full resolution), or `downscaled` to
    736 pixels on its long side: on a page that holds a line or two, detection at full
    resolution can find nothing where the smaller picture finds the line."""
    import logging

    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # it logs each model it loads
    params: dict[str, str | int] = {"Global.log_level": "error"}
    if downscaled:
        params |= {"Det.limit_type": "max", "Det.limit_side_len": 736}
    return RapidOCR(params=params)


def read_image(image) -> str:
    """The text of a picture (a PIL image, or an image file's bytes), in reading order:
    lines top to bottom, each line's pieces left to right; "" when it holds none."""
    from PIL import Image

    if isinstance(image, bytes | bytearray):
        image = Image.open(io.BytesIO(image))
    image = image.convert("RGB")
    import numpy as np

    pixels = np.asarray(image)
    for downscaled in (False, True):
        result = _engine(downscaled)(pixels)
        boxes, texts = getattr(result, "boxes", None), getattr(result, "txts", None)
        if boxes is not None and texts:
            return _lines(list(zip(boxes, texts)))
    return ""


def _lines(pieces) -> str:
    """Recognised pieces ((4 corner points, text)) joined into lines: a piece starts a
    new line when its middle lies below the current line's lowest point."""
    placed = sorted(
        ((min(p[1] for p in box), max(p[1] for p in box), min(p[0] for p in box), text)
         for box, text in pieces),
        key=lambda t: (t[0] + t[1]) / 2,
    )  # fmt: skip
    lines: list[list[tuple]] = []
    for top, bottom, left, text in placed:
        if lines and (top + bottom) / 2 <= max(t[1] for t in lines[-1]):
            lines[-1].append((top, bottom, left, text))
        else:
            lines.append([(top, bottom, left, text)])
    return "\n".join(" ".join(t[3] for t in sorted(line, key=lambda t: t[2])) for line in lines)


def pdf_page(data: bytes, number: int) -> str:
    """The text of page `number` (1-based) of a PDF, rendered at DPI and read."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        page = document[number - 1]
        image = page.render(scale=DPI / 72).to_pil()
        page.close()
    finally:
        document.close()
    return read_image(image)
