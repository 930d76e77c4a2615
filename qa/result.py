"""What an answer is made of: the evidence sentences, the cited sources, the Answer
itself, and the helpers every route shares (numbering and renumbering citations, calling
a model)."""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

from .errors import QAError
from .formats import cite, quote_location
from .intent import FACTOID
from .llms import LLMSpec, connection_error
from .retrieval import Hit
from .text import cited_numbers, map_citations, stems

NOT_FOUND = "I couldn't find that in the indexed documents."


def not_found(term: str) -> str:
    """The answer when the documents never mention a thing the question names."""
    return f'I couldn\'t find "{term}" in the indexed documents.'


@dataclass
class Evidence:
    text: str
    hit: Hit
    score: float  # similarity + OVERLAP_WEIGHT * overlap
    similarity: float  # cosine(question, sentence)
    overlap: float  # share of the question's content words found in the sentence
    n: int = 0  # the source number it is cited under
    vector: object = field(default=None, repr=False)  # the sentence's unit vector
    start: int = 0  # where the sentence starts in the passage


@dataclass
class Source:
    n: int
    source: str
    chunk: int
    score: float
    date: str | None
    text: str
    quote: str
    path: str
    start: int
    end: int
    page: int | None = None  # where the passage is: a PDF page,
    line_start: int | None = None  # lines of a text-like file (or CSV rows),
    line_end: int | None = None
    section: str | None = None  # the nearest heading
    location: dict | None = None  # all of it (slide, sheet, chapter, cell…); None: not kept
    citation: str = ""  # as shown: "report.pdf p. 4", "notes/plan.md:12-18 § Budget"


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    grounded: bool
    answer_from: str  # model | span (quoted from the evidence) | evidence | none
    sources: list[Source]
    evidence: list[dict]
    llm: str
    kind: str = FACTOID  # factoid | broad | document: how the question was read
    timings: dict[str, float] = field(default_factory=dict)
    standalone_question: str | None = None
    unsupported: list[str] = field(default_factory=list)  # model sentences dropped
    highlight: str | None = None  # the phrase of the answer the bundled model points at

    def to_dict(self) -> dict:
        out = asdict(self)
        if out["standalone_question"] is None:
            del out["standalone_question"]
        return out


class Timer:
    """Timings of one answer, and the Answer it becomes."""

    def __init__(self, question: str, spec: LLMSpec, kind: str):
        self.question, self.spec, self.kind = question, spec, kind
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self._last = self.t0

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self._last
        self._last = now

    def answer(
        self,
        text: str,
        abstained: bool,
        grounded: bool,
        answer_from: str,
        used: list[Evidence],
        unsupported: list[str] | None = None,
        highlight: str | None = None,
    ) -> Answer:
        self.timings["total"] = time.perf_counter() - self.t0
        return Answer(
            question=self.question,
            answer=text,
            abstained=abstained,
            grounded=grounded,
            answer_from=answer_from,
            sources=sources_of(used),
            evidence=[
                {
                    "n": e.n,
                    "text": e.text,
                    "score": round(e.score, 4),
                    "similarity": round(e.similarity, 4),
                    "overlap": round(e.overlap, 4),
                }
                for e in used
            ],
            llm=self.spec.name,
            kind=self.kind,
            timings={key: round(v, 3) for key, v in self.timings.items()},
            unsupported=unsupported or [],
            highlight=highlight,
        )


def flat(text: str) -> str:
    """A sentence on one line (a formula set as "O\n2" in the document)."""
    return " ".join(text.split())


def generate(model, messages, spec: LLMSpec, on_token) -> str:
    parts: list[str] = []
    try:
        if on_token is None:
            return str(model.invoke(messages).content)
        for chunk in model.stream(messages):
            token = chunk.content if isinstance(chunk.content, str) else ""
            if token:
                parts.append(token)
                on_token(token)
        return "".join(parts)
    except QAError:
        raise
    except Exception as exc:
        raise connection_error(spec, exc) from exc


def clean_reply(raw: str) -> str:
    text = raw.strip()
    text = re.sub(r"^(?:answer|a)\s*:\s*", "", text, flags=re.IGNORECASE)
    text = text.split("\n\n")[0].strip()
    return text


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


def sources_of(used: list[Evidence]) -> list[Source]:
    by_n: dict[int, Source] = {}
    for ev in sorted(used, key=lambda e: e.n):
        if ev.n in by_n:
            continue
        h = ev.hit
        where = quote_location(h.location, ev.start)  # the quoted sentence's page, lines
        by_n[ev.n] = Source(
            n=ev.n,
            source=h.source,
            chunk=h.chunk,
            score=h.score,
            date=h.date,
            text=h.text,
            quote=ev.text,
            path=h.path,
            start=h.start,
            end=h.end,
            page=(where or {}).get("page"),
            line_start=(where or {}).get("line_start"),
            line_end=(where or {}).get("line_end"),
            section=(where or {}).get("section"),
            location=where,
            citation=cite(h.source, where, h.chunk),
        )
    return list(by_n.values())
