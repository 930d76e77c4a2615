"""Capable models (`ollama:`, `openai:`): they read the top passages whole, numbered with
their sources, and write complete sentences with a citation after each claim. Each
sentence is checked against the passages it cites; an unsupported one is dropped and
listed."""

from __future__ import annotations

import re

from .checks import MODEL_DECLINES, adds_to, is_instruction, without_instructions
from .grounding import supported
from .prompts import load_prompt
from .result import NOT_FOUND, Answer, Evidence, generate, renumber
from .retrieval import Hit
from .text import cited_numbers, map_citations, stems, uncited
from .text import sentences as sentence_spans


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


def answer_from_passages(question, hits, scored, model, spec, timer, on_token, fallback) -> Answer:
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
    stream = on_token if spec.capabilities.streams else None
    raw = generate(model, prompt.messages(context=context, question=question), spec, stream)
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
    if not kept:  # nothing the passages support: the documents' own sentences instead
        answer = fallback()
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
    return timer.answer(renumber(text, used), False, True, "model", used, dropped)
