"""What every reader returns: the text of a file, and where each part of it came from.

`marks` say from which offset on the text is on which page (slide, sheet and row, chapter,
cell, line of a CSV); `headings` give the headings and their offsets. Tables become one
row a line, cells separated by " | " and named by their column headers, so a question
about a cell can be answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class Skip(Exception):
    """A file that is not ingested; the message is the reason shown to the user."""


@dataclass
class Extracted:
    text: str
    marks: list[tuple[int, dict]] = field(default_factory=list)  # (offset, location from there)
    headings: list[tuple[int, str]] = field(default_factory=list)  # (offset, heading)
    line_based: bool = False  # offsets in `text` are offsets in the file's own lines
    notes: list[str] = field(default_factory=list)  # told to the user (a scanned page)
    ocr_pages: int = 0  # pages (or pictures) whose text was read by OCR


class Builder:
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
