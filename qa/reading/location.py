"""Where a passage or one of its sentences is in its file, and how that is cited.

The index stores a location as a JSON object (`to_dict`); an index made before locations
were kept has none, and one made before sentences' places were kept has no `at`: both
still read and cite.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

# What narrows from a chunk to one of its sentences: the rest (sheet, chapter, section)
# is the chunk's. A chunk never spans two slides or cells (`units`), but pages, sheet rows
# and a text file's lines it may.
NARROW = ("page", "page_end", "row", "row_end", "line_start", "line_end", "slide", "cell")


@dataclass(frozen=True)
class Location:
    page: int | None = None  # a PDF's pages
    page_end: int | None = None
    line_start: int | None = None  # a text-like file's lines (a CSV's rows)
    line_end: int | None = None
    slide: int | None = None
    slide_end: int | None = None
    sheet: str | None = None  # a spreadsheet's sheet and rows
    row: int | None = None
    row_end: int | None = None
    cell: int | None = None  # a notebook's cells
    cell_end: int | None = None
    chapter: str | None = None  # an ePub's chapter
    section: str | None = None  # the nearest heading
    # Each sentence's start in the chunk and its own place (the NARROW keys), when the
    # chunk's sentences are not all in one place.
    at: tuple[tuple[int, dict[str, Any]], ...] = ()

    @classmethod
    def from_dict(cls, data: dict | None) -> Location | None:
        """A stored location (None stays None: indexed before locations were kept)."""
        if data is None:
            return None
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "at" in values:
            values["at"] = tuple((int(offset), dict(place)) for offset, place in values["at"])
        return cls(**values)

    def to_dict(self) -> dict:
        """As stored and as `--json` shows it: the keys that are set."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "at":
                if value:
                    out["at"] = [[offset, dict(place)] for offset, place in value]
            elif value is not None:
                out[f.name] = value
        return out

    def of_chunk(self) -> Location:
        """The chunk's own location, without its sentences' places."""
        return replace(self, at=())

    def of_quote(self, start: int) -> Location:
        """Where the sentence starting at `start` in the chunk is: the chunk's location
        with its page, rows or lines narrowed to that sentence's."""
        if not self.at:
            return self
        place = self.at[0][1]
        for offset, own in self.at:
            if offset > start:
                break
            place = own
        base = {k: v for k, v in self.to_dict().items() if k != "at" and k not in NARROW}
        return Location(**{**base, **place})

    def cite(self, source: str) -> str:
        """How a passage is cited: "report.pdf p. 4", "notes/plan.md:12-18 § Budget",
        "deck.pptx slide 3", "book.xlsx sheet Q3 rows 2-9", "nb.ipynb cell 5"."""

        def span(first: object, last: object, one: str, many: str) -> str:
            return f"{many} {first}-{last}" if last and last != first else f"{one} {first}"

        out = source
        if self.sheet is not None:
            out += f" sheet {self.sheet}"
            if self.row is not None:
                out += " " + span(self.row, self.row_end, "row", "rows")
        elif self.line_start is not None:
            a, b = self.line_start, self.line_end or self.line_start
            out += f":{a}" if a == b else f":{a}-{b}"
        if self.page is not None:
            out += " " + span(self.page, self.page_end, "p.", "pp.")
        if self.slide is not None:
            out += " " + span(self.slide, self.slide_end, "slide", "slides")
        if self.cell is not None:
            out += " " + span(self.cell, self.cell_end, "cell", "cells")
        if self.chapter is not None:
            out += f" § {self.chapter}"
        if self.section:
            out += f" § {self.section}"
        return out


def cite(source: str, location: Location | None, chunk: int | None = None) -> str:
    """A passage's citation; one indexed before locations were recorded keeps its chunk
    number."""
    if location is None:
        return f"{source} (chunk {chunk})" if chunk is not None else source
    return location.cite(source)
