"""Citation marks in answers ("[1]", "[1, 3]"): reading them, numbering the sources an
answer cites, and writing sentences with a mark after each run from one passage."""

from __future__ import annotations

import re

from ..text import stems
from .records import Evidence

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")  # [1] or [1, 3]


def cited_numbers(text: str) -> list[int]:
    """The source numbers `text` cites, in order ("… [2] … [1, 3]" → [2, 1, 3])."""
    return [int(x) for m in CITATION.finditer(text) for x in m.group(1).split(",")]


def map_citations(text: str, change) -> str:
    """`text` with each citation's numbers replaced by `change(numbers)`; a citation left
    with no number is removed, and so is the space before punctuation it leaves."""

    def sub(m: re.Match) -> str:
        numbers = change([int(x) for x in m.group(1).split(",")])
        return "[" + ", ".join(map(str, numbers)) + "]" if numbers else ""

    return re.sub(r"[ \t]+([.,;:!?])", r"\1", CITATION.sub(sub, text))


def uncited(text: str) -> str:
    """`text` without its citation marks."""
    text = re.sub(r"[ \t]{2,}", " ", CITATION.sub(" ", text))
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", text).strip()


def flat(text: str) -> str:
    """A sentence on one line (a formula set as "O\n2" in the document)."""
    return " ".join(text.split())


def number(evidence: list[Evidence]) -> None:
    """Number the passages the evidence comes from, in evidence order."""
    numbers: dict[str, int] = {}
    for ev in evidence:
        ev.n = numbers.setdefault(ev.hit.id, len(numbers) + 1)


def cite_reply(reply: str, evidence: list[Evidence]) -> tuple[str, list[int]]:
    """Drop citations that point at no source; cite the best-supporting one if none is left."""
    valid = {e.n for e in evidence}
    text = map_citations(reply, lambda ns: [n for n in ns if n in valid]).strip()
    text = re.sub(r"\s{2,}", " ", text)
    cited = cited_numbers(text)
    if not cited:
        reply_stems = stems(text)
        best = max(evidence, key=lambda e: (len(reply_stems & stems(e.text)), e.score))
        text = f"{text} [{best.n}]"
        cited = [best.n]
    return text, list(dict.fromkeys(cited))


def renumber(text: str, used: list[Evidence]) -> str:
    """Number the cited sources 1, 2, … in the order they are first cited."""
    order: dict[int, int] = {}
    for n in cited_numbers(text):
        order.setdefault(n, len(order) + 1)
    text = map_citations(text, lambda ns: [order[n] for n in ns])
    for ev in used:
        ev.n = order.get(ev.n, ev.n)
    return text


def render(chosen: list[Evidence], as_list: bool = False) -> str:
    """The sentences with a citation after each run of sentences from one passage: prose,
    or one bullet a sentence. Numbers `chosen[i].n` must be set."""
    # A line break inside a sentence (a formula set as "O\n2") would break the prose.
    if as_list:
        return "\n".join(f"- {' '.join(c.text.split())} [{c.n}]" for c in chosen)
    parts: list[str] = []
    for i, c in enumerate(chosen):
        parts.append(" ".join(c.text.split()))
        if i + 1 == len(chosen) or chosen[i + 1].n != c.n:
            parts.append(f"[{c.n}]")
    return " ".join(parts)
