"""Capable models (`ollama:`, `openai:`): they read the top passages whole, numbered with
their sources, and write complete sentences with a citation after each claim. Each
sentence is checked against the passages it cites; an unsupported one is dropped and
listed."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..prompts import load_prompt
from ..retrieval import Hit
from ..text import sentences as sentence_spans
from ..text import stems
from .abstention import MODEL_DECLINES, adds_to
from .citations import cited_numbers, map_citations, renumber, uncited
from .generate import generate
from .grounding import supported
from .records import Answer, AnswerFrom, Draft, Evidence
from .safety import is_instruction, without_instructions


def passage_text(hit: Hit) -> str:
    """A passage as a model sees it: whole, without sentences that address the model
    (a passage of nothing else is empty: never shown whole)."""
    if not hit.sentences:  # sentences not scored: found anew, judged by the patterns
        return without_instructions(hit.text)
    return " ".join(
        hit.text[m.start : m.end].strip()
        for m in hit.sentences
        if not is_instruction(hit.text[m.start : m.end], m.vector)
    )


def answer_from_passages(
    question: str,
    hits: list[Hit],
    scored: list[Evidence],
    model,
    draft: Draft,
    *,
    on_token: Callable[[str], None] | None,
    fallback: Callable[[], Answer],
) -> Answer:
    """A capable model reads the top passages whole, numbered with their sources, and
    writes complete sentences with a citation after each claim. Each sentence is checked
    against the passages it cites: an unsupported one is dropped (and listed)."""
    passages = {i: hit for i, hit in enumerate(hits, 1)}
    shown = {i: passage_text(hit) for i, hit in passages.items()}  # also the support
    context = "\n\n".join(
        f"[{i}] ({hit.source}{f', {hit.date}' if hit.date else ''})\n{shown[i]}"
        for i, hit in passages.items()
    )
    prompt = load_prompt("answer", {"context", "question"})
    spec = draft.spec
    stream = on_token if spec.capabilities.streams else None
    raw = generate(model, prompt.messages(context=context, question=question), spec, stream)
    draft.lap("generate")
    reply = raw.strip()
    if not reply or MODEL_DECLINES.search(reply.split("\n")[0]):
        return draft.abstain()

    best_of: dict[int, Evidence] = {}  # passage number -> its best sentence (its quote)
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
    if not kept:  # nothing the passages support: the documents' own sentences instead
        answer = fallback()
        answer.grounded = False
        answer.unsupported = dropped
        return answer
    text = "\n".join(kept) if any(k.startswith("- ") for k in kept) else " ".join(kept)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    used = []
    for c in cited_order:
        hit = passages[c]  # a passage with no scored sentence: quote its start
        e = best_of.get(c) or Evidence(text=hit.text[:200], hit=hit, score=hit.score)
        e.n = c
        used.append(e)
    return draft.answer(renumber(text, used), used, via=AnswerFrom.MODEL, unsupported=dropped)
