"""Summaries of whole documents: `qa summarize PATH...`, and questions such as "summarise
the article" or "what is notes/plan.md about?".

Without a capable model the summary is extractive: the document's own sentences, chosen
by centrality (closeness to the mean of its stored sentence vectors) and position, without
repeating one another, shown in document order and cited. With `ollama:`/`openai:` the
model summarises the document's parts and then joins those summaries (map-reduce); each
sentence it writes is checked against the parts it cites.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import PathNotFound
from ..index import DocumentRow, Index
from ..llms import LLMSpec
from ..prompts import load_prompt
from ..retrieval import Filters, Hit, SentenceMatch, hit_from
from ..text import sentences
from .citations import cited_numbers, number, render, renumber, uncited
from .extractive import pick, summary_length, summary_scores
from .generate import generate, writer_model
from .grounding import supported
from .intent import Intent, QuestionKind
from .records import NOT_FOUND, Answer, AnswerFrom, Draft, Evidence
from .safety import is_instruction
from .writer import passage_text

SUMMARY_MAX_WORDS = 220  # 3-7 sentences; a very long one is left out rather than cut
PART_CHARS = 3000  # a map step's share of a long document (a few chunks)

Progress = Callable[[int, int], None]


def find_documents(index: Index, names: list[str]) -> list[DocumentRow]:
    """The indexed documents each name means: a path (file or folder), a source name as
    cited, or the end of one ("x.txt" for "seeds/x.txt" when only one ends so)."""
    docs = index.documents()
    found: list[DocumentRow] = []
    for name in names:
        target = Path(name).expanduser().resolve()
        matches = [
            d
            for d in docs
            if d.source == name or Path(d.path) == target or target in Path(d.path).parents
        ]
        if not matches:
            matches = [d for d in docs if d.source.endswith("/" + name.lstrip("./"))]
            if len(matches) > 1:
                listed = ", ".join(d.source for d in matches[:3])
                raise PathNotFound(f"{name} could mean several documents ({listed}); name one")
        if not matches:
            raise PathNotFound(f"no indexed document at {name} (see `qa status --documents`)")
        found += [d for d in matches if d not in found]
    return found


def summarize(
    document: DocumentRow,
    index: Index,
    llm: LLMSpec | str = "local",
    *,
    chat_model=None,
    on_progress: Progress | None = None,
    question: str | None = None,
) -> Answer:
    """A summary of one indexed document (a row of `index.documents()`)."""
    spec = LLMSpec.of(llm)
    draft = Draft(question or f"summarize {document.source}", spec, QuestionKind.DOCUMENT)
    chunks = _chunks(index, document.path)
    draft.lap("read")
    model = writer_model(spec, chat_model)
    if model is not None:
        answer = _map_reduce(document.source, chunks, model, draft, on_progress)
        if answer is not None:
            return answer
    return _extractive(chunks, draft)


def summarize_question(
    question: str,
    intent: Intent,
    index: Index,
    spec: LLMSpec,
    *,
    filters: Filters | None = None,
    chat_model=None,
    on_progress: Progress | None = None,
    document: str | None = None,
) -> Answer:
    """A question about a whole document: the document it names, else the one the
    conversation is about (`document`), else the only one in scope."""
    index.require_documents()
    name = intent.document or document
    if name:
        try:
            docs = find_documents(index, [name])
        except PathNotFound as exc:
            return Draft(question, spec, QuestionKind.DOCUMENT).abstain(str(exc).capitalize() + ".")
    else:
        allowed = (filters or Filters()).require(index)
        docs = [d for d in index.documents() if allowed is None or d.path in allowed]
        if len(docs) != 1:
            message = (
                f"{len(docs)} documents are indexed; name the one to summarise, "
                f'for example "summarise {docs[0].source}", or run `qa summarize PATH`.'
                if docs
                else NOT_FOUND
            )
            return Draft(question, spec, QuestionKind.DOCUMENT).abstain(message)
    return summarize(
        docs[0], index, spec, chat_model=chat_model, on_progress=on_progress, question=question
    )


def _chunks(index: Index, path: str) -> list[Hit]:
    """The document's chunks in order, each with its stored sentences (for the guard)."""
    import numpy as np

    ids = index.chunk_ids(path)
    stored, spans = index.get_chunks(ids), index.sentences(ids)
    hits = [hit_from(c, 0.0) for c in sorted(stored.values(), key=lambda c: c.chunk)]
    for hit in hits:
        hit.sentences = [
            SentenceMatch(
                s.start, s.end, 0.0, 0.0, s.vector / (float(np.linalg.norm(s.vector)) or 1.0)
            )
            for s in spans.get(hit.id, [])
        ]
    return hits


def _extractive(chunks: list[Hit], draft: Draft) -> Answer:
    """3-7 of the document's own sentences, from the sentences `_chunks` attached."""
    items: list[Evidence] = []
    seen: set[str] = set()
    for hit in chunks:
        for s in hit.sentences:
            text = hit.text[s.start : s.end].strip()
            if text in seen or is_instruction(text, s.vector):  # overlap repeats a sentence
                continue
            seen.add(text)
            items.append(Evidence(text=text, hit=hit, vector=s.vector, start=s.start))
    for item, score in zip(items, summary_scores([i.vector for i in items])):
        item.score = item.similarity = score
    position = {id(item): n for n, item in enumerate(items)}
    chosen = pick(
        sorted(items, key=lambda i: i.score, reverse=True),
        enough=10**6,
        most=SUMMARY_MAX_WORDS,
        max_sentences=summary_length(len(items)),
        min_sentences=3,
        drop=1.0,
    )
    if not chosen:
        return draft.abstain()
    chosen.sort(key=lambda i: position[id(i)])
    number(chosen)
    draft.lap("compose")
    return draft.answer(render(chosen), chosen, via=AnswerFrom.EVIDENCE)


def _parts(chunks: list[Hit]) -> list[Hit]:
    """Neighbouring chunks joined into parts of up to PART_CHARS characters."""
    parts: list[list[Hit]] = []
    for hit in chunks:
        if parts and sum(len(h.text) for h in parts[-1]) + len(hit.text) <= PART_CHARS:
            parts[-1].append(hit)
        else:
            parts.append([hit])
    return [
        Hit(
            id=group[0].id,
            source=group[0].source,
            path=group[0].path,
            chunk=group[0].chunk,
            start=group[0].start,
            end=group[-1].end,
            date=group[0].date,
            # what a model reads of it: the document's sentences that address an
            # assistant are left out (also as support for what it writes)
            text="\n".join(passage_text(h) for h in group),
            score=0.0,
            location=group[0].location,
        )
        for group in parts
    ]


def _map_reduce(
    source: str, chunks: list[Hit], model, draft: Draft, on_progress: Progress | None
) -> Answer | None:
    """Parts summarised one by one (a progress callback counts them), then joined; None
    when no sentence of the result is supported by the parts it cites."""
    parts = {n: part for n, part in enumerate(_parts(chunks), 1)}
    spec = draft.spec
    if len(parts) == 1:
        context = f"[1]\n{parts[1].text}"
    else:
        map_prompt = load_prompt("summarize_part", {"source", "part"})
        partial = []
        for n, part in parts.items():
            if on_progress:
                on_progress(n - 1, len(parts))
            reply = generate(model, map_prompt.messages(source=source, part=part.text), spec, None)
            partial.append(f"[{n}] {reply.strip()}")
        if on_progress:
            on_progress(len(parts), len(parts))
        context = "\n\n".join(partial)
    prompt = load_prompt("summarize", {"source", "context"})
    reply = generate(model, prompt.messages(source=source, context=context), spec, None)
    draft.lap("generate")
    kept, dropped, cited = [], [], []
    for a, b in sentences(reply.strip()):
        sentence = reply.strip()[a:b]
        cites = cited_numbers(sentence)
        cites = [c for c in cites if c in parts] or list(parts)
        if supported(sentence, [parts[c].text for c in cites]):
            kept.append(sentence)
            cited += [c for c in cites if c not in cited and f"[{c}]" in sentence]
        else:
            dropped.append(uncited(sentence))
    if not kept:
        return None
    used = []
    for c in cited or [1]:
        part = parts[c]
        first = sentences(part.text)
        quote = part.text[first[0][0] : first[0][1]] if first else part.text[:200]
        used.append(Evidence(text=quote, hit=part, n=c))
    text = " ".join(kept)
    if not cited:
        text += " [1]"
    return draft.answer(renumber(text, used), used, via=AnswerFrom.MODEL, unsupported=dropped)
