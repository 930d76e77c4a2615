"""OCR speed and accuracy on a generated scan (the `ocr` extra).

    .venv/bin/python bench/ocr.py        # about a minute on 2 cores

A known text is drawn on an A4 page at 300 dpi, clean and degraded (rotated 0.8°, blurred,
speckled: tests/pdfs.py), written as an image-only PDF, rendered back by pypdfium2 and
read by RapidOCR, as `qa ingest` reads a scanned page. Character accuracy is 1 - the
character error rate. Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.reading import ocr  # noqa: E402
from tests.pdfs import character_accuracy, page_picture, scanned_pdf  # noqa: E402

TEXT = "\n".join(
    [
        "Minutes of the harbour board, 14 March 2023.",
        "The harbour master recorded 412 ships in March, 37 more than a year before.",
        "The lighthouse at Eling was repainted red and white at a cost of 18,400 pounds.",
        "Ferries to the island run every forty minutes in summer and hourly in winter.",
        "Dredging of the inner quays will start on 2 May and last about six weeks.",
        "The board thanked Ms. Okafor for twelve years as treasurer.",
        "Next meeting: Thursday 20 April, 7 pm, in the old customs house.",
    ]
)


def main() -> None:
    if not ocr.available():
        sys.exit("needs the OCR extra: pip install -e '.[ocr]'")
    ocr.read_image(page_picture("warm up"))  # loads the models once
    print("| page (A4, 300 dpi, 7 lines) | character accuracy | seconds a page (median of 3) |")
    print("|---|---|---|")
    for name, degraded in (("clean", False), ("degraded (rotated, blurred, specks)", True)):
        data = scanned_pdf([page_picture(TEXT, degraded=degraded)])
        times, text = [], ""
        for _ in range(3):
            started = time.perf_counter()
            text = ocr.pdf_page(data, 1)
            times.append(time.perf_counter() - started)
        accuracy = character_accuracy(text, TEXT)
        print(f"| {name} | {accuracy:.3f} | {statistics.median(times):.1f} |")


if __name__ == "__main__":
    main()
