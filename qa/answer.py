"""`ask`: read what the question asks, retrieve, score the sentences, abstain or answer by
the question's kind: a factoid with a span or a sentence, a broad question with several
sentences, a whole document with a summary (qa/summary.py); a capable model writes its
own, checked sentence by sentence (qa/writing.py)."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.embeddings import Embeddings

from .checks import MODEL_DECLINES, adds_to, is_grounded, is_instruction, unmentioned
from .compose import broad, reading_order, render
from .config import DEFAULT_K
from .errors import UsageError
from .extract import answer_span, phrase_for
from .index import Index
from .intent import BROAD, DOCUMENT, classify
from .llms import LLMSpec, make_chat_model
from .prompts import load_prompt
from .result import (  # noqa: F401 - NOT_FOUND, Answer and Source: where callers found them
    NOT_FOUND,
    Answer,
    Evidence,
    Source,
    Timer,
    cite_reply,
    clean_reply,
    flat,
    generate,
    not_found,
    number,
)
from .retrieval import Filters, Hit, search
from .text import content_words, uncited
from .writing import answer_from_passages

DEFAULT_MIN_SCORE = 0.68  # abstains on ~4% of answerable development questions (bench/RESULTS.md)
# A broad question's many words spread over several sentences, so its best sentence scores
# lower than a factoid's: its threshold is this much lower (bench/RESULTS.md).
BROAD_MIN_SCORE_OFFSET = 0.06
OVERLAP_WEIGHT = 0.5  # measured on two 300-question samples (bench/RESULTS.md)
BROAD_K = 8  # passages a broad question draws on (bench/RESULTS.md)


def candidates(question: str, hits: list[Hit]) -> list[Evidence]:
    """The sentences of the retrieved passages scored against the question, best first.

    The similarities and overlaps were computed by `search` from the stored sentence
    vectors, so no text is embedded here.
    """
    scored, seen = [], set()
    for hit in hits:
        for m in hit.sentences:
            text = hit.text[m.start : m.end].strip()
            if text in seen or len(content_words(text)) < 2 or is_instruction(text, m.vector):
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
    # Over 60 lines with its signature and docstring; the body is the routing, in one view.
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
    timer = Timer(question, spec, intent.kind)
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
    if not scored or scored[0].score < min_score - (BROAD_MIN_SCORE_OFFSET if broad else 0.0):
        return timer.answer(NOT_FOUND, True, False, "none", [])
    missing = unmentioned(
        question,
        [h.text for h in hits],
        lambda phrase: index.mentions(phrase, (filters or Filters()).paths(index)),
        broad,
    )
    if missing:
        return timer.answer(not_found(missing), True, False, "none", [])

    capable = spec.writes or (chat_model is not None and not spec.small)
    if capable:
        model = chat_model if chat_model is not None else make_chat_model(spec)
        if broad:
            fallback = lambda: _broad_answer(scored, hits, question, timer, intent.as_list)  # noqa: E731
        else:
            fallback = lambda: _sentence_answer(scored[0], timer)  # noqa: E731
        return answer_from_passages(
            question, hits if broad else hits[:k], scored, model, spec, timer, on_token, fallback
        )
    if broad:
        return _broad_answer(scored, hits, question, timer, intent.as_list)
    return _factoid_answer(question, scored, spec, timer, chat_model)


def _broad_answer(
    scored: list[Evidence], hits: list[Hit], question: str, timer: Timer, as_list: bool
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
    number(chosen)
    timer.lap("compose")
    return timer.answer(render(chosen, as_list), False, True, "evidence", chosen)


def _sentence_answer(best: Evidence, timer: Timer, grounded: bool = True) -> Answer:
    number([best])
    return timer.answer(f"{flat(best.text)} [{best.n}]", False, grounded, "evidence", [best])


def _factoid_answer(question, scored, spec: LLMSpec, timer: Timer, chat_model) -> Answer:
    evidence = scored[:1]
    number(evidence)
    best = evidence[0]
    # A date, number, name or place the evidence holds unambiguously is the answer.
    span = answer_span(question, best.text)
    if span != best.text:
        return timer.answer(f"{span} [{best.n}]", False, True, "span", [best])
    if not spec.small and chat_model is None:  # no model to point at a phrase
        return timer.answer(f"{flat(best.text)} [{best.n}]", False, True, "evidence", [best])

    # The bundled model points at the answer in the evidence sentence rather than writes
    # it: its reply is mapped onto the phrase it names, which is highlighted in the
    # sentence. The sentence stays the answer: shown alone, the phrase lost answers
    # (contains-gold 0.72 against 0.75 for the sentence, bench/RESULTS.md). The model's
    # own words are never shown, so they are not streamed either.
    model = chat_model if chat_model is not None else make_chat_model(spec)
    prompt = load_prompt("answer_small", {"context", "question"})
    raw = generate(model, prompt.messages(context=best.text, question=question), spec, None)
    timer.lap("generate")
    reply = clean_reply(raw)
    if not reply or MODEL_DECLINES.search(reply):
        return timer.answer(NOT_FOUND, True, False, "none", [])
    reply, _ = cite_reply(reply, evidence)
    grounded = is_grounded(reply, evidence) and adds_to(reply, question)
    phrase = phrase_for(uncited(reply), question, best.text) if grounded else None
    return timer.answer(
        f"{flat(best.text)} [{best.n}]", False, True, "evidence", [best], highlight=phrase
    )
