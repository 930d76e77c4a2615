"""What an answer is made of: the evidence sentences, the cited sources, and the Answer
itself, built by `Draft` (its timings, then `abstain(...)` or `answer(..., via=...)`)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from ..llms import LLMSpec
from ..reading.location import cite
from ..retrieval import Hit
from .intent import QuestionKind

NOT_FOUND = "I couldn't find that in the indexed documents."


def not_found(term: str, anywhere: bool = True) -> str:
    """The answer when the documents never mention a thing the question names; when they
    do, but not in the passages about the question (`anywhere` False), it says so."""
    if anywhere:
        return f'I couldn\'t find "{term}" in the indexed documents.'
    return f'I couldn\'t find "{term}" in the passages about this in the indexed documents.'


# The answer when the passages about a thing give no price, cost or other sum for it.
NO_AMOUNT = "I couldn't find an amount of money for that in the indexed documents."
NOTHING_MORE = "The indexed documents say nothing more about that."


class AnswerFrom(StrEnum):
    """Where the words of an answer come from (`answer_from` in `--json`)."""

    MODEL = "model"  # a capable model wrote them, checked sentence by sentence
    EVIDENCE = "evidence"  # the documents' own sentences
    NONE = "none"  # no answer: declined


@dataclass
class Evidence:
    text: str
    hit: Hit
    score: float = 0.0  # similarity + OVERLAP_WEIGHT * overlap
    similarity: float = 0.0  # cosine(question, sentence)
    overlap: float = 0.0  # share of the question's content words found in the sentence
    n: int = 0  # the source number it is cited under
    vector: Any = field(default=None, repr=False)  # the sentence's unit vector
    start: int = 0  # where the sentence starts in the passage
    relevance: float | None = None  # the relevance model's probability; None: not read

    def shown(self) -> Quoted:
        return Quoted(
            n=self.n,
            text=self.text,
            score=round(self.score, 4),
            similarity=round(self.similarity, 4),
            overlap=round(self.overlap, 4),
        )


@dataclass
class Quoted:
    """An evidence sentence as an answer lists it (`evidence` in `--json`)."""

    n: int  # the source it is cited under
    text: str
    score: float
    similarity: float
    overlap: float


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
    page: int | None = None  # where the quoted sentence is: a PDF page,
    line_start: int | None = None  # lines of a text-like file (or CSV rows),
    line_end: int | None = None
    section: str | None = None  # the nearest heading
    location: dict | None = None  # all of it (slide, sheet, chapter, cell…); None: not kept
    citation: str = ""  # as shown: "report.pdf p. 4", "notes/plan.md:12-18 § Budget"
    relevance: float | None = None  # the relevance model's probability for the passage

    @classmethod
    def of(cls, ev: Evidence) -> Source:
        """The source an evidence sentence is cited from, located at that sentence."""
        h = ev.hit
        where = h.location.of_quote(ev.start) if h.location is not None else None
        return cls(
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
            page=where.page if where else None,
            line_start=where.line_start if where else None,
            line_end=where.line_end if where else None,
            section=where.section if where else None,
            location=where.to_dict() if where else None,
            citation=cite(h.source, where, h.chunk),
            relevance=h.relevance,
        )


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    grounded: bool
    answer_from: AnswerFrom
    sources: list[Source]
    evidence: list[Quoted]
    llm: str
    kind: QuestionKind = QuestionKind.FACTOID  # how the question was read
    timings: dict[str, float] = field(default_factory=dict)
    standalone_question: str | None = None
    unsupported: list[str] = field(default_factory=list)  # model sentences dropped
    highlight: str | None = None  # the phrase of the sentence that answers (date, name…)
    ranker: str | None = None  # the relevance model that read passages or sentences; None: off

    def to_dict(self) -> dict:
        out = asdict(self)
        out["answer_from"], out["kind"] = str(self.answer_from), str(self.kind)
        if out["standalone_question"] is None:
            del out["standalone_question"]
        return out


def sources_of(used: list[Evidence]) -> list[Source]:
    """One source per citation number, in number order."""
    by_n: dict[int, Source] = {}
    for ev in sorted(used, key=lambda e: e.n):
        if ev.n not in by_n:
            by_n[ev.n] = Source.of(ev)
    return list(by_n.values())


class Draft:
    """An answer being made: its timings, then the Answer it becomes."""

    def __init__(self, question: str, spec: LLMSpec, kind: QuestionKind):
        self.question, self.spec, self.kind = question, spec, kind
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self._last = self.t0
        self.ranker: str | None = None

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self._last
        self._last = now

    def abstain(self, message: str = NOT_FOUND) -> Answer:
        """Decline, saying why (`NOT_FOUND`, a term never mentioned, a document to name)."""
        return self._finish(message, [], via=AnswerFrom.NONE, abstained=True, grounded=False)

    def answer(
        self,
        text: str,
        used: list[Evidence],
        *,
        via: AnswerFrom,
        grounded: bool = True,
        unsupported: list[str] | None = None,
        highlight: str | None = None,
    ) -> Answer:
        """An answer citing `used` (numbered), its words from `via`."""
        return self._finish(
            text,
            used,
            via=via,
            abstained=False,
            grounded=grounded,
            unsupported=unsupported,
            highlight=highlight,
        )

    def _finish(
        self,
        text: str,
        used: list[Evidence],
        *,
        via: AnswerFrom,
        abstained: bool,
        grounded: bool,
        unsupported: list[str] | None = None,
        highlight: str | None = None,
    ) -> Answer:
        self.timings["total"] = time.perf_counter() - self.t0
        return Answer(
            question=self.question,
            answer=text,
            abstained=abstained,
            grounded=grounded,
            answer_from=via,
            sources=sources_of(used),
            evidence=[e.shown() for e in used],
            llm=self.spec.name,
            kind=self.kind,
            timings={key: round(v, 3) for key, v in self.timings.items()},
            unsupported=unsupported or [],
            highlight=highlight,
            ranker=self.ranker,
        )
