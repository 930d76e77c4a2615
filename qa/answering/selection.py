"""Which sentence answers a factoid: a logistic model over how each candidate sentence
matches the question, trained on questions nobody evaluates with (bench/fit_evidence.py,
card qa/models/evidence.md).

Besides the similarity and word overlap that rank the candidates, it weighs the score of
the passage a sentence comes from, whether the sentence holds a span of the kind the
question asks for (a date for "when", a number for "how many": qa/answering/spans.py), and
the plain share of the question's words it holds; not its length, which a reader does not
gain from. Cross-validated by article
on 2,600 training questions, it picks a sentence that holds the answer more often than the
similarity-plus-overlap order it replaces (the card gives the figures).
"""

from __future__ import annotations

import json
import math
from functools import cache, lru_cache
from pathlib import Path

from ..text import stems
from .records import Evidence
from .spans import question_kind, question_stems, typed_spans

MODEL = Path(__file__).resolve().parent.parent / "models" / "evidence.json"
FEATURES = (
    "similarity",  # cosine(question, sentence)
    "overlap",  # share of the question's words, weighted by rarity among the candidates
    "passage_score",  # the hybrid score of the sentence's passage
    "holds_kind",  # the question asks for a kind of span and the sentence holds one
    "lacks_kind",  # it asks for one and the sentence holds none
    "share",  # plain share of the question's content words in the sentence
)


@cache
def _model() -> tuple[tuple[float, ...], float, int]:
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{MODEL} was fitted on other features: {data['features']}")
    return tuple(data["weights"]), float(data["bias"]), int(data["pool"])


@lru_cache(maxsize=64)
def _asked(question: str) -> tuple[str | None, frozenset[str], frozenset[str]]:
    """What the features need of the question, worked out once for all its candidates:
    the kind of span it asks for, its content stems, and all its words' stems."""
    return question_kind(question), frozenset(stems(question)), frozenset(question_stems(question))


def features(question: str, e: Evidence) -> list[float]:
    kind, asked, q_stems = _asked(question)
    holds = bool(kind and typed_spans(kind, q_stems, e.text))
    return [
        e.similarity,
        e.overlap,
        e.hit.score,
        float(bool(kind) and holds),
        float(bool(kind) and not holds),
        len(asked & stems(e.text)) / max(1, len(asked)),
    ]


def pool() -> int:
    """How many of the best candidates (by similarity plus overlap) the model reads."""
    return _model()[2]


def answer_score(question: str, e: Evidence) -> float:
    """The model's logit that `e` holds the answer to `question`."""
    weights, bias, _ = _model()
    return bias + sum(w * x for w, x in zip(weights, features(question, e)))


def best_sentence(question: str, scored: list[Evidence]) -> Evidence:
    """Of the best `pool()` candidates of `scored` (best first), the one the model rates
    most likely to hold the answer; ties keep the first."""
    return ranked(question, scored)[0]


# A factoid's runner-up sentence is shown after the chosen one when the chosen one's
# probability is below this: on the training questions (bench/RESULTS.md) a sentence chosen
# below it held the answer less than two times in three (0.2-0.3: 0.61, 0.3-0.4: 0.67;
# above 0.4: 0.76 and up), and the runner-up held it for another 12-19% of them.
RUNNER_UP_BELOW = 0.35


def ranked(question: str, scored: list[Evidence]) -> list[Evidence]:
    """The best `pool()` candidates of `scored`, most likely to hold the answer first
    (ties keep their order)."""
    return sorted(scored[: pool()], key=lambda e: answer_score(question, e), reverse=True)


def probability(question: str, e: Evidence) -> float:
    """The model's probability that `e` holds the answer to `question`."""
    return 1.0 / (1.0 + math.exp(-answer_score(question, e)))
