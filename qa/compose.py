"""Answers made of several sentences, chosen without a model: broad answers and summaries.

Sentences are picked by maximal marginal relevance over their stored vectors: each next
sentence is the one most relevant to the question (or, for a summary, most central to
the document), plus the share of the question's words it newly covers, minus its
similarity to what is already picked. The picked sentences are shown in document order,
each cited, as prose or as bullets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .text import stems

# Measured on the broad development questions (bench/RESULTS.md).
LAMBDA = 0.7  # relevance against redundancy
COVERAGE_WEIGHT = 0.3  # the question's words a sentence adds to what is picked
RELEVANCE_DROP = 0.25  # candidates scoring this far below the best are not used
WORDS_ENOUGH = 100  # stop adding sentences once the answer is this long
WORDS_MAX = 150  # and never go past this
MAX_SENTENCES = 7
SUMMARY_POSITION_WEIGHT = 0.15  # the lead of a document says most about it
SUMMARY_RANGE = (3, 7)  # sentences in a summary

_START = re.compile(r"^[\"'“‘(\[]?[A-Z0-9]")
_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def complete(sentence: str) -> bool:
    """A whole sentence: starts with a capital or a digit and ends with a full stop (a
    chunk boundary can cut one; such a piece is never shown as part of an answer)."""
    s = sentence.strip()
    return bool(_START.match(s) and _END.search(s)) and len(s.split()) >= 4


def words(text: str) -> int:
    return len(text.split())


def _cosine(a, b) -> float:
    if a is None or b is None:
        return 0.0
    return float(a @ b)


def pick(
    candidates: Sequence,
    question: str | None = None,
    *,
    enough: int = WORDS_ENOUGH,
    most: int = WORDS_MAX,
    max_sentences: int = MAX_SENTENCES,
    min_sentences: int = 1,
    drop: float = RELEVANCE_DROP,
) -> list:
    """Maximal marginal relevance over `candidates` (objects with `text`, `score` and
    `vector`), best first; stops at `enough` words, never passes `most`. Candidates
    scoring more than `drop` below the best are left out."""
    pool = [c for c in candidates if complete(c.text)]
    if not pool:
        return []
    best = max(c.score for c in pool)
    pool = [c for c in pool if c.score >= best - drop]
    asked = stems(question) if question else set()
    covered: set[str] = set()
    chosen: list = []
    total = 0

    def gain(c) -> float:
        redundancy = max((_cosine(c.vector, p.vector) for p in chosen), default=0.0)
        new = len((stems(c.text) & asked) - covered) / len(asked) if asked else 0.0
        return LAMBDA * c.score + COVERAGE_WEIGHT * new - (1 - LAMBDA) * redundancy

    while pool and len(chosen) < max_sentences:
        c = max(pool, key=gain)
        pool.remove(c)
        n = words(c.text)
        if chosen and total + n > most:
            continue  # a shorter one may still fit
        if (
            chosen
            and len(chosen) >= min_sentences
            and max((_cosine(c.vector, p.vector) for p in chosen), default=0.0) > 0.9
        ):
            continue  # says again what is picked
        chosen.append(c)
        covered |= stems(c.text) & asked
        total += n
        if total >= enough and len(chosen) >= min_sentences:
            break
    return chosen


def reading_order(chosen: Sequence, document_rank: dict[str, int]) -> list:
    """Documents in the order given, sentences in the order they stand in each."""
    return sorted(chosen, key=lambda c: (document_rank.get(c.hit.path, 0), c.hit.start + c.start))


def render(chosen: Sequence, as_list: bool = False) -> str:
    """The sentences with a citation after each run of sentences from one passage: prose,
    or one bullet a sentence. Numbers `chosen[i].n` must be set."""
    if as_list:
        return "\n".join(f"- {c.text} [{c.n}]" for c in chosen)
    parts: list[str] = []
    for i, c in enumerate(chosen):
        parts.append(c.text)
        if i + 1 == len(chosen) or chosen[i + 1].n != c.n:
            parts.append(f"[{c.n}]")
    return " ".join(parts)


def summary_scores(vectors: Sequence) -> list[float]:
    """Centrality (cosine to the document's mean sentence vector) plus a bonus that falls
    from the first sentence to the last."""
    import numpy as np

    if not vectors:
        return []
    matrix = np.stack(vectors)
    centroid = matrix.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    n = len(vectors)
    return [
        float(matrix[i] @ centroid) + SUMMARY_POSITION_WEIGHT * (1 - i / max(n - 1, 1))
        for i in range(n)
    ]


def summary_length(sentences: int) -> int:
    """3 sentences for a short document, one more for every ten sentences, at most 7."""
    low, high = SUMMARY_RANGE
    return max(low, min(high, low + sentences // 10))
