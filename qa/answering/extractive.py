"""Answers made of the documents' own sentences, chosen without a model: broad answers
and extractive summaries.

A broad answer starts from the best passage, whole (the facts a broad question asks for
cluster there), and adds the other passages' best sentences, preferring those that read as
the kind of answer asked for (`cues`) and those the relevance model rates (qa/ranker.py,
which the pipeline asks about the best few), up to WORDS_MAX words.
A summary picks a document's sentences by maximal marginal relevance over their stored
vectors: each next one the most central to the document, minus its similarity to what
is already picked. A broad answer shows its passages most relevant first, a summary in document
order; within a passage, sentences stand in the document's order. Each run of sentences
from one passage is cited, as prose or as bullets. The measurements behind these choices
are in bench/RESULTS.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..text import stems

# First chosen on the broad development questions (bench/RESULTS.md); checked on the broad
# training questions (bench/broad_sweep.py, 80 questions over 20 articles): no setting of
# the grid chosen on some articles does better on the others (0.321 against 0.334 out of
# fold), so these stay. Without the cues "why" questions lose (1 better, 3 worse); a bonus
# for specific sentences (names, numbers) made no difference (3 better, 3 worse) and is gone.
CUE_WEIGHT = 0.2  # a sentence that reads as the kind of answer asked for (`cues`)
# The relevance model's probability that a sentence answers the question, read for the
# best RELEVANCE_POOL complete candidates (chosen on the broad training questions of the
# articles the model was not trained on, bench/RESULTS.md): 0.4275 -> 0.4475 there.
RELEVANCE_WEIGHT = 0.4
RELEVANCE_POOL = 12
NEAR_DUPLICATE = 0.9  # cosine above which a sentence says again what is picked
LAMBDA = 0.7  # summaries: centrality against redundancy
COVERAGE_WEIGHT = 0.3  # the question's words a sentence adds to what is picked
RELEVANCE_DROP = 0.25  # candidates scoring this far below the best are not used
BROAD_DROP = 0.5  # a broad answer's sentences outside the best passage: no further below
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


def near_duplicate(a, b) -> bool:
    """Whether two sentences say the same (their stored vectors' cosine)."""
    return _cosine(a.vector, b.vector) > NEAR_DUPLICATE


def word_count(text: str) -> int:
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
        n = word_count(c.text)
        if chosen and total + n > most:
            continue  # a shorter one may still fit
        if chosen and len(chosen) >= min_sentences and any(near_duplicate(c, p) for p in chosen):
            continue  # says again what is picked
        chosen.append(c)
        covered |= stems(c.text) & asked
        total += n
        if total >= enough and len(chosen) >= min_sentences:
            break
    return chosen


# A sentence that leans on the one before it ("The outcome of that was…", "This led…")
# reads as nonsense alone, so it is used only with the sentences around it.
_LEANS_BACK = re.compile(
    r"^(?:This|These|Those|It|Its|They|Their|Them|He|She|His|Her|Such|Both|"
    r"That\s+(?:is|was|were|has|had|will|would|could|led|meant)|"
    r"The\s+\w+\s+of\s+(?:that|this|these|those|it|them))\b"
)


def leans_back(sentence: str) -> bool:
    return _LEANS_BACK.match(sentence.lstrip("\"'“‘(")) is not None


def broad(
    candidates: Sequence, lead: str, question: str, most: int = WORDS_MAX, drop: float | None = None
) -> list:
    """The best sentence, the lead passage's sentences, then the other passages' best
    (those within `drop` of the best sentence's value), to `most` words. A sentence's
    value is its score, plus CUE_WEIGHT when it reads as what the question asks for
    (a cause for "why", a decision for "what came out of"; `cues`), plus RELEVANCE_WEIGHT
    times the relevance model's probability where it was read (`relevance`)."""
    asks_for = cues(question)

    def value(c) -> float:
        cue = CUE_WEIGHT if any(p.search(c.text) for p in asks_for) else 0.0
        return c.score + cue + RELEVANCE_WEIGHT * (c.relevance or 0.0)

    pool = [c for c in candidates if complete(c.text)]
    first = sorted((c for c in pool if c.hit.id == lead), key=lambda c: c.start)
    floor = max((value(c) for c in pool), default=0.0) - (BROAD_DROP if drop is None else drop)
    rest = sorted(
        (c for c in pool if c.hit.id != lead and value(c) >= floor and not leans_back(c.text)),
        key=value,
        reverse=True,
    )
    # The single best sentence is always in, even outside the lead passage: a generic
    # passage ranked first ("In education, teachers facilitate…") must not crowd out the
    # sentence that answers ("In Germany, teachers are…"); same coverage measured.
    best = max(pool, key=value, default=None)
    chosen: list = []
    total = 0
    for c in ([best] if best else []) + [c for c in first + rest if c is not best]:
        n = word_count(c.text)
        if total + n > most:
            continue  # a shorter one may still fit
        if any(near_duplicate(c, p) for p in chosen):
            continue
        chosen.append(c)
        total += n
    return chosen


def to_read(candidates: Sequence) -> list:
    """The candidates (best first) whose relevance a broad answer asks the model for: the
    best RELEVANCE_POOL complete ones (further down, none changed an answer, measured)."""
    return [c for c in candidates if complete(c.text)][:RELEVANCE_POOL]


# What a sentence that answers a kind of broad question tends to say: a "why" question
# is answered by causes ("because", "in response to"), "what came out of" by decisions
# ("signed", "agreed"), "how did X respond" by measures, "effects" by changes, a history
# by dates. (Cue phrases of this kind are the classic signal for non-factoid answers;
# the lists were written from those kinds, not from the development questions' facts.)
_CUES = [
    (
        r"\b(?:why|causes?|caused|reasons?|led\s+to|because)\b",
        r"\b(?:because|due\s+to|caus\w*|led\s+to|lead\s+to|in\s+response|as\s+a\s+result|"
        r"result\w*|owing\s+to|trigger\w*|reason\w*|since|prompt\w*|so\s+that|"
        r"in\s+order\s+to|sparked|fuel\w*)\b",
    ),
    (
        r"\b(?:outcomes?|came\s+out|results?|agree\w*|achiev\w*|accomplish\w*|decid\w*)\b",
        r"\b(?:sign\w*|agree\w*|deal|treaty|accord|finali[sz]\w*|decid\w*|decision|"
        r"announc\w*|launch\w*|achiev\w*|succe\w*|establish\w*|first|milestones?)\b",
    ),
    (
        r"\b(?:respond\w*|response|react\w*|deal\s+with|handle\w*|tackle\w*)\b",
        r"\b(?:introduc\w*|pass\w*|creat\w*|establish\w*|impos\w*|order\w*|enact\w*|"
        r"measures?|act|law|polic\w*|program\w*|ban\w*|limit\w*|rationing|controls?|"
        r"redesign\w*|respond\w*|response)\b",
    ),
    (
        r"\b(?:effects?|impacts?|consequences?|affect\w*|hit)\b",
        r"\b(?:effect\w*|impact\w*|led\s+to|result\w*|caus\w*|increas\w*|decreas\w*|"
        r"ris\w*|rose|fell|fall|grew|declin\w*|suffer\w*|shortage\w*|affect\w*)\b",
    ),
    (
        r"\b(?:history|founded|founding|origins?|evolv\w*|develop\w*|went\s+from)\b",
        r"\b(?:1\d{3}|20\d{2})\b|\b\d{1,2}(?:st|nd|rd|th)[\s-]century\b",
    ),
]
_CUE_PATTERNS = [(re.compile(q, re.I), re.compile(a, re.I)) for q, a in _CUES]


def cues(question: str) -> list[re.Pattern]:
    """The patterns of sentences that answer what `question` asks for (none for most)."""
    return [answer for asked, answer in _CUE_PATTERNS if asked.search(question)]


def reading_order(chosen: Sequence, passage_rank: dict[str, int]) -> list:
    """Passages in the order given (the most relevant first: an answer about teachers in
    Germany starts with the passage on Germany, not with the document's general opening),
    and each passage's sentences in the order they stand in it."""
    return sorted(chosen, key=lambda c: (passage_rank.get(c.hit.id, 0), c.start))


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
