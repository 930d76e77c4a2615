"""`ask`: retrieve, pick the evidence sentences, generate, cite, check the answer against
the evidence, or abstain."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from langchain_core.embeddings import Embeddings

from .checks import MODEL_DECLINES, adds_to, is_grounded, is_instruction, supported
from .compose import broad, reading_order, render
from .config import DEFAULT_K
from .errors import QAError, UsageError
from .extract import answer_span, phrase_for
from .formats import cite
from .index import Index
from .intent import BROAD, DOCUMENT, FACTOID, classify
from .llms import LLMSpec, connection_error, make_chat_model
from .prompts import load_prompt
from .retrieval import Filters, Hit, search
from .text import cited_numbers, content_words, map_citations, stems, uncited
from .text import sentences as sentence_spans

NOT_FOUND = "I couldn't find that in the indexed documents."
DEFAULT_MIN_SCORE = 0.68  # abstains on ~4% of answerable development questions (bench/RESULTS.md)
OVERLAP_WEIGHT = 0.5  # measured on two 300-question samples (bench/RESULTS.md)
BROAD_K = 8  # passages a broad question draws on (bench/RESULTS.md)


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


def candidates(question: str, hits: list[Hit]) -> list[Evidence]:
    """The sentences of the retrieved passages scored against the question, best first.

    The similarities and overlaps were computed by `search` from the stored sentence
    vectors, so no text is embedded here.
    """
    scored, seen = [], set()
    for hit in hits:
        for m in hit.sentences:
            text = hit.text[m.start : m.end].strip()
            if text in seen or len(content_words(text)) < 2 or is_instruction(text):
                continue
            seen.add(text)
            score = m.similarity + OVERLAP_WEIGHT * m.overlap
            scored.append(
                Evidence(text, hit, score, m.similarity, m.overlap, vector=m.vector, start=m.start)
            )
    scored.sort(key=lambda e: e.score, reverse=True)
    return scored


def select_evidence(question: str, hits: list[Hit], limit: int = 3) -> list[Evidence]:
    """The `limit` sentences that best match the question, best first."""
    return candidates(question, hits)[:limit]


class _Timer:
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
            sources=_sources(used),
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


def ask(
    question: str,
    index: Index,
    embedder: Embeddings,
    llm: LLMSpec | str = "local",
    *,
    k: int = DEFAULT_K,
    retriever: str = "hybrid",
    filters: Filters | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
    chat_model=None,
    on_token: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    document: str | None = None,
) -> Answer:
    """Answer `question` from the index, citing the passages used.

    The question's kind (`qa.intent`) picks the route: a factoid gets a span or a
    sentence, a broad question several sentences that cover it, a request about a whole
    document a summary of that document (the one it names, else `document`: in a chat,
    the one the last answer came from). `chat_model` overrides the model `llm` names
    (tests pass a fake one).
    """
    question = question.strip()
    if not question:
        raise UsageError("the question is empty")
    spec = llm if isinstance(llm, LLMSpec) else LLMSpec.parse(llm)
    intent = classify(question)
    if intent.kind == DOCUMENT:
        from .summary import summarize_question

        return summarize_question(
            question,
            intent,
            index,
            embedder,
            spec,
            filters=filters,
            chat_model=chat_model,
            on_progress=on_progress,
            document=document,
        )
    timer = _Timer(question, spec, intent.kind)
    broad = intent.kind == BROAD
    hits = search(
        question,
        index,
        embedder,
        max(k, BROAD_K) if broad else k,
        retriever=retriever,
        filters=filters,
        spread=not broad,
    )
    timer.lap("retrieve")
    scored = candidates(question, hits)
    timer.lap("select")
    if not scored or scored[0].score < min_score:
        return timer.answer(NOT_FOUND, True, False, "none", [])

    capable = spec.writes or (chat_model is not None and not spec.small)
    if capable:
        model = chat_model if chat_model is not None else make_chat_model(spec)
        return _answer_from_passages(
            question,
            hits[:k] if not broad else hits,
            scored,
            model,
            spec,
            timer,
            intent,
            on_token,
        )
    if broad:
        return _broad_answer(scored, hits, question, timer, intent.as_list)
    return _factoid_answer(question, scored, spec, timer, chat_model)


def _broad_answer(
    scored: list[Evidence], hits: list[Hit], question: str, timer: _Timer, as_list: bool
) -> Answer:
    """Several sentences that together cover the question, cited: passages by relevance,
    sentences in each in the document's order."""
    chosen = broad(scored, hits[0].id, question)
    if not chosen:  # nothing complete enough to show: the best sentence as it is
        chosen = scored[:1]
    rank: dict[str, int] = {}
    for e in scored:  # best first: a passage ranks by its best sentence
        rank.setdefault(e.hit.id, len(rank))
    chosen = reading_order(chosen, rank)
    _number(chosen)
    timer.lap("compose")
    return timer.answer(render(chosen, as_list), False, True, "evidence", chosen)


def _factoid_answer(question, scored, spec: LLMSpec, timer: _Timer, chat_model) -> Answer:
    evidence = scored[:1]
    _number(evidence)
    best = evidence[0]
    # A date, number, name or place the evidence holds unambiguously is the answer.
    span = answer_span(question, best.text)
    if span != best.text:
        return timer.answer(f"{span} [{best.n}]", False, True, "span", [best])
    if not spec.small and chat_model is None:  # no model to point at a phrase
        return timer.answer(f"{_flat(best.text)} [{best.n}]", False, True, "evidence", [best])

    # The bundled model points at the answer in the evidence sentence rather than writes
    # it: its reply is mapped onto the phrase it names, which is highlighted in the
    # sentence. The sentence stays the answer: shown alone, the phrase lost answers
    # (contains-gold 0.72 against 0.75 for the sentence, bench/RESULTS.md). The model's
    # own words are never shown, so they are not streamed either.
    model = chat_model if chat_model is not None else make_chat_model(spec)
    prompt = load_prompt("answer_small", {"context", "question"})
    raw = _generate(model, prompt.messages(context=best.text, question=question), spec, None)
    timer.lap("generate")
    reply = _clean(raw)
    if not reply or MODEL_DECLINES.search(reply):
        return timer.answer(NOT_FOUND, True, False, "none", [])
    reply, _ = _cite(reply, evidence)
    grounded = is_grounded(reply, evidence) and adds_to(reply, question)
    phrase = phrase_for(uncited(reply), question, best.text) if grounded else None
    return timer.answer(
        f"{_flat(best.text)} [{best.n}]", False, True, "evidence", [best], highlight=phrase
    )


def _flat(text: str) -> str:
    """A sentence on one line (a formula set as "O\n2" in the document)."""
    return " ".join(text.split())


def _passage_text(hit: Hit) -> str:
    """A passage as a model sees it: whole, without sentences that address the model."""
    return (
        " ".join(
            hit.text[m.start : m.end].strip()
            for m in hit.sentences
            if not is_instruction(hit.text[m.start : m.end])
        )
        or hit.text
    )


def _answer_from_passages(question, hits, scored, model, spec, timer, intent, on_token) -> Answer:
    """A capable model reads the top passages whole, numbered with their sources, and
    writes complete sentences with a citation after each claim. Each sentence is checked
    against the passages it cites: an unsupported one is dropped (and listed)."""
    passages = {i: hit for i, hit in enumerate(hits, 1)}
    shown = {i: _passage_text(hit) for i, hit in passages.items()}  # also the support
    context = "\n\n".join(
        f"[{i}] ({hit.source}{f', {hit.date}' if hit.date else ''})\n{shown[i]}"
        for i, hit in passages.items()
    )
    prompt = load_prompt("answer", {"context", "question"})
    stream = on_token if spec.capabilities.streams else None
    raw = _generate(model, prompt.messages(context=context, question=question), spec, stream)
    timer.lap("generate")
    reply = raw.strip()
    if not reply or MODEL_DECLINES.search(reply.split("\n")[0]):
        return timer.answer(NOT_FOUND, True, False, "none", [])

    best_of = {}  # passage number -> its best sentence, the quote its source shows
    for e in scored:
        for i, hit in passages.items():
            if e.hit.id == hit.id and i not in best_of:
                best_of[i] = e
    kept, dropped, cited_order = [], [], []
    for line in (ln for ln in reply.splitlines() if ln.strip()):
        bullet = re.match(r"^\s*(?:[-*•]|\d+[.)])\s+", line)
        body = line[bullet.end() :] if bullet else line
        parts = [body] if bullet else [body[a:b] for a, b in sentence_spans(body)]
        for sentence in parts:
            cites = [c for c in cited_numbers(sentence) if c in passages]
            support = [shown[c] for c in cites] or list(shown.values())
            if not supported(sentence, support) or not adds_to(sentence, question):
                dropped.append(uncited(sentence))
                continue
            if not cites:  # cite the passage that supports it best
                mine = stems(sentence)
                cites = [max(passages, key=lambda i: len(mine & stems(shown[i])))]
                sentence = f"{sentence.rstrip()} [{cites[0]}]"
            sentence = map_citations(sentence, lambda ns: [n for n in ns if n in passages])
            cited_order += [c for c in cites if c not in cited_order]
            kept.append(("- " if bullet else "") + sentence.strip())
    if not kept:  # nothing the passages support: the extractive answer instead
        if intent.kind == BROAD:
            answer = _broad_answer(scored, hits, question, timer, intent.as_list)
        else:
            best = scored[0]
            _number([best])
            answer = timer.answer(
                f"{_flat(best.text)} [{best.n}]", False, False, "evidence", [best]
            )
        answer.grounded = False
        answer.unsupported = dropped
        return answer
    text = "\n".join(kept) if any(k.startswith("- ") for k in kept) else " ".join(kept)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    used = []
    for c in cited_order:
        e = best_of.get(c)
        if e is None:  # a passage with no scored sentence: quote its start
            hit = passages[c]
            e = Evidence(hit.text[:200], hit, hit.score, 0.0, 0.0)
        e.n = c
        used.append(e)
    return timer.answer(_renumber(text, used), False, True, "model", used, dropped)


def _generate(model, messages, spec: LLMSpec, on_token) -> str:
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


def _clean(raw: str) -> str:
    text = raw.strip()
    text = re.sub(r"^(?:answer|a)\s*:\s*", "", text, flags=re.IGNORECASE)
    text = text.split("\n\n")[0].strip()
    return text


def _number(evidence: list[Evidence]) -> None:
    """Number the passages the evidence comes from, in evidence order."""
    numbers: dict[str, int] = {}
    for ev in evidence:
        ev.n = numbers.setdefault(ev.hit.id, len(numbers) + 1)


def _cite(reply: str, evidence: list[Evidence]) -> tuple[str, list[int]]:
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


def _renumber(text: str, used: list[Evidence]) -> str:
    """Number the cited sources 1, 2, … in the order they are first cited."""
    order: dict[int, int] = {}
    for n in cited_numbers(text):
        order.setdefault(n, len(order) + 1)
    text = map_citations(text, lambda ns: [order[n] for n in ns])
    for ev in used:
        ev.n = order.get(ev.n, ev.n)
    return text


def _sources(used: list[Evidence]) -> list[Source]:
    by_n: dict[int, Source] = {}
    for ev in sorted(used, key=lambda e: e.n):
        if ev.n in by_n:
            continue
        h = ev.hit
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
            page=(h.location or {}).get("page"),
            line_start=(h.location or {}).get("line_start"),
            line_end=(h.location or {}).get("line_end"),
            section=(h.location or {}).get("section"),
            location=h.location,
            citation=cite(h.source, h.location, h.chunk),
        )
    return list(by_n.values())
