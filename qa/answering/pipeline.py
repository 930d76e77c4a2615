"""`ask`: read what the question asks, retrieve, score the sentences, decline or answer by
the question's kind: a factoid with a span or a sentence, a broad question with several
sentences (`extractive`), a whole document with a summary (`summary`); a capable model
writes its own, checked sentence by sentence (`writer`)."""

from __future__ import annotations

from collections.abc import Callable, Collection

from langchain_core.embeddings import Embeddings

from ..errors import UsageError
from ..index import Index
from ..llms import LLMSpec
from ..prompts import load_prompt
from ..ranker import Ranker, default_ranker
from ..retrieval import Hit, search
from ..text import content_words
from .abstention import MODEL_DECLINES, adds_to, amount_missing, unmentioned
from .citations import cite_reply, flat, number, render, uncited
from .extractive import BROAD_DROP, broad, complete, near_duplicate, reading_order, to_read
from .generate import clean_reply, generate, pointer_model, writer_model
from .grounding import is_grounded
from .intent import QuestionKind, classify
from .options import AskOptions
from .records import (
    NO_AMOUNT,
    NOT_FOUND,
    NOTHING_MORE,
    Answer,
    AnswerFrom,
    Draft,
    Evidence,
    not_found,
)
from .safety import is_instruction
from .selection import RUNNER_UP_BELOW, best_sentence, probability, ranked
from .spans import answer_span, phrase_for
from .writer import answer_from_passages

# A broad question's many words spread over several sentences, so its best sentence scores
# lower than a factoid's: its threshold is this much lower. Chosen on the training articles
# (`python bench/calibrate_min_score.py`): 2 of the 80 broad training questions declined,
# as at 0.06, and 19 of 35 near misses and 93.8% of questions about other articles against
# 18 and 92.5% at 0.06 (which had been set on the development set).
BROAD_MIN_SCORE_OFFSET = 0.04
OVERLAP_WEIGHT = 0.5  # measured on two 300-question samples (bench/RESULTS.md)
BROAD_K = 8  # passages a broad question draws on (bench/RESULTS.md; bench/broad_sweep.py)


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
            scored.append(
                Evidence(
                    text=text,
                    hit=hit,
                    score=m.similarity + OVERLAP_WEIGHT * m.overlap,
                    similarity=m.similarity,
                    overlap=m.overlap,
                    vector=m.vector,
                    start=m.start,
                )
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
    options: AskOptions | None = None,
    *,
    chat_model=None,
    on_token: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    document: str | None = None,
    exclude: Collection[str] = (),
) -> Answer:
    """Answer `question` from the index, citing the passages used.

    The question's kind (`intent.classify`) picks the route: a factoid gets a sentence
    (its answering phrase highlighted), a broad question several sentences that cover
    it, a request about a whole document a summary of that document (the one it names,
    else `document`: in a chat, the one the last answer came from). `chat_model`
    overrides the model `llm` names (tests pass a fake one). Filters that leave no
    document raise NothingMatches rather than answer "not found". `exclude`: sentences
    already shown ("tell me more" in a chat): the question is answered as a broad one
    from the rest (`_not_shown`)."""
    question = question.strip()
    if not question:
        raise UsageError("the question is empty")
    spec = LLMSpec.of(llm)
    options = options or AskOptions()
    intent = classify(question)
    if intent.kind == QuestionKind.DOCUMENT:
        from .summary import summarize_question

        return summarize_question(
            question,
            intent,
            index,
            spec,
            filters=options.filters,
            chat_model=chat_model,
            on_progress=on_progress,
            document=document,
        )
    draft = Draft(question, spec, intent.kind)
    ranker = default_ranker() if options.rerank else None
    draft.ranker = ranker.name if ranker else None
    broad_question = intent.kind == QuestionKind.BROAD or bool(exclude)  # more: the context
    hits = search(
        question,
        index,
        embedder,
        max(options.k, BROAD_K) if broad_question else options.k,
        retriever=options.retriever,
        filters=options.filters,
        # The best passages, two of one document if so: with one a document first (as
        # `qa search` lists them), a factoid whose answer is in its document's second
        # passage lost it to other documents' first. Over the 44 training articles as
        # files, contains-gold 0.763 -> 0.785 and 0.755 -> 0.781 (two samples); by
        # paragraph 0.768 -> 0.772 (bench/RESULTS.md).
        spread=False,
        ranker=ranker,
    )
    draft.lap("retrieve")
    scored = candidates(question, hits)
    draft.lap("select")
    floor = options.min_score - (BROAD_MIN_SCORE_OFFSET if broad_question else 0.0)
    scored, floor, lead = _not_shown(scored, exclude, floor)
    if not scored or scored[0].score < floor:
        return draft.abstain(NOTHING_MORE if exclude else NOT_FOUND)
    mentions = lambda phrase: index.mentions(phrase, options.filters.paths(index))  # noqa: E731
    sources = sorted({h.path for h in hits})
    missing = unmentioned(
        question,
        [h.text for h in hits],
        mentions,
        broad_question,
        lambda phrase: index.mentions(phrase, sources),
    )
    if missing:
        return draft.abstain(not_found(missing, anywhere=not mentions(missing)))
    if amount_missing(question, [e.text for e in scored]):
        return draft.abstain(NO_AMOUNT)

    model = writer_model(spec, chat_model)
    if model is not None:
        if broad_question:
            fallback = lambda: _broad_answer(  # noqa: E731
                scored, hits, question, draft, intent.as_list, ranker, lead
            )
        else:
            fallback = lambda: _sentence_answer(best_sentence(question, scored), draft)  # noqa: E731
        if exclude:  # "tell me more": the passages that still have something to say
            hits = [h for h in hits if any(e.hit is h for e in scored)] or hits
        shown = hits if broad_question else hits[: options.k]
        return answer_from_passages(
            question, shown, scored, model, draft, on_token=on_token, fallback=fallback
        )
    if broad_question:
        return _broad_answer(scored, hits, question, draft, intent.as_list, ranker, lead)
    return _factoid_answer(question, scored, spec, draft, chat_model)


def _not_shown(
    scored: list[Evidence], exclude: Collection[str], floor: float
) -> tuple[list[Evidence], float, str | None]:
    """The candidates not among `exclude` (shown already); the threshold for them, as a
    broad answer's other passages, down to BROAD_DROP below the best there was; and the
    passage to go on from, the best shown one's (None when nothing was shown)."""
    if not exclude or not scored:
        return scored, floor, None
    rest = [e for e in scored if e.text not in exclude]
    lead = next((e.hit.id for e in scored if e.text in exclude), None)
    return rest, min(floor, scored[0].score - BROAD_DROP), lead


def _broad_answer(
    scored: list[Evidence],
    hits: list[Hit],
    question: str,
    draft: Draft,
    as_list: bool,
    ranker: Ranker | None = None,
    lead: str | None = None,
) -> Answer:
    """Several sentences that together cover the question, cited: passages by relevance,
    sentences in each in the document's order. The relevance model reads the best
    candidates (with or without --rerank, which is about the passages' order), and what
    it rates weighs in on which are chosen. `lead`: the passage to start from (the best
    by default; "tell me more": the one the last answer came from, continued)."""
    ranker = ranker or default_ranker()
    read = to_read(scored)
    for e, p in zip(read, ranker.score(question, [e.text for e in read])):
        e.relevance = p
    draft.ranker = ranker.name
    draft.lap("relevance")
    chosen = broad(scored, lead or hits[0].id, question)
    if not chosen:  # nothing complete enough to show: the best sentence as it is
        chosen = scored[:1]
    rank: dict[str, int] = {lead: -1} if lead else {}
    for e in scored:  # best first: a passage ranks by its best sentence
        rank.setdefault(e.hit.id, len(rank))
    chosen = reading_order(chosen, rank)
    number(chosen)
    draft.lap("compose")
    return draft.answer(render(chosen, as_list), chosen, via=AnswerFrom.EVIDENCE)


def _sentence_answer(best: Evidence, draft: Draft) -> Answer:
    number([best])
    return draft.answer(f"{flat(best.text)} [{best.n}]", [best], via=AnswerFrom.EVIDENCE)


def _factoid_answer(
    question: str, scored: list[Evidence], spec: LLMSpec, draft: Draft, chat_model
) -> Answer:
    candidates_ = ranked(question, scored)
    best = candidates_[0]
    evidence = [best]
    # Unsure of the sentence, show the runner-up after it (selection.RUNNER_UP_BELOW)
    if probability(question, best) < RUNNER_UP_BELOW and len(candidates_) > 1:
        second = candidates_[1]
        if complete(second.text) and not near_duplicate(second, best):
            evidence.append(second)
    number(evidence)
    # A date, number, name or place the evidence holds unambiguously is highlighted in
    # it; the sentence stays the answer, as for the model's pointer below. Shown alone,
    # such a phrase was right 0.61 of the time on 2,000 training questions, its sentence
    # 0.75: "2" for "how many people came to Chopin's funeral?" (from "Piano Sonata No.
    # 2") reads as an answer; in its sentence it reads as the miss it is (bench/RESULTS.md).
    shown = " ".join(f"{flat(e.text)} [{e.n}]" for e in evidence)
    span = answer_span(question, best.text)
    if span != best.text:
        return draft.answer(shown, evidence, via=AnswerFrom.EVIDENCE, highlight=span)
    model = pointer_model(spec, chat_model)
    if model is None:  # no model to point at a phrase
        return draft.answer(shown, evidence, via=AnswerFrom.EVIDENCE)

    # The bundled model points at the answer in the evidence sentence rather than writes
    # it: its reply is mapped onto the phrase it names, which is highlighted in the
    # sentence. The sentence stays the answer: shown alone, the phrase lost answers
    # (contains-gold 0.72 against 0.75 for the sentence, bench/RESULTS.md). The model's
    # own words are never shown, so they are not streamed either.
    prompt = load_prompt("answer_small", {"context", "question"})
    raw = generate(model, prompt.messages(context=best.text, question=question), spec, None)
    draft.lap("generate")
    reply = clean_reply(raw)
    if not reply or MODEL_DECLINES.search(reply):
        return draft.abstain()
    reply, _ = cite_reply(reply, evidence)
    grounded = is_grounded(reply, evidence) and adds_to(reply, question)
    phrase = phrase_for(uncited(reply), question, best.text) if grounded else None
    return draft.answer(shown, evidence, via=AnswerFrom.EVIDENCE, highlight=phrase)
