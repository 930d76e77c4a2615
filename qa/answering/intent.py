"""What a question asks for, which decides how it is answered.

- `factoid`: one fact: who, when, where, which, how many, a name, "what is X".
  Answered with a span or one sentence.
- `broad`: an overview, outcomes, causes, a process, a list, a comparison, what someone
  said or agreed. Answered with several sentences that together cover the question.
- `document`: a request about a whole document ("summarise the article", "what is
  notes/plan.md about", "main points of report.pdf"). Answered with a summary of it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path


class QuestionKind(StrEnum):
    """How a question is read (`kind` in `--json`)."""

    FACTOID = "factoid"
    BROAD = "broad"
    DOCUMENT = "document"


_DOC_NOUN = (
    r"(?:article|document|doc|text|file|paper|report|page|piece|editorial|story|note|notes|"
    r"essay|book|chapter|post|memo|letter|transcript|pdf)"
)
_SUMMARY_VERB = (
    r"(?:summari[sz]e|sum\s+up|recap|outline|give\s+(?:me\s+)?(?:a\s+|an\s+|the\s+)?"
    r"(?:short\s+|brief\s+|quick\s+)?(?:summary|overview|rundown|gist|recap|tl;?dr|synopsis)"
    r"(?:\s+of)?|(?:the\s+)?(?:main|key)\s+(?:points|ideas|takeaways|messages)(?:\s+of)?|"
    r"tl;?dr(?:\s+of)?|what(?:'s|\s+is)\s+the\s+(?:gist|point|summary)\s+of)"
)
_POLITE = r"^\s*(?:(?:please|can\s+you|could\s+you|would\s+you|now)\s+)*"
_END = r"\s*(?:for\s+me|please)?\s*[.?!]*\s*$"
# A path-like token: a file name with a known suffix, or a name with a slash.
_PATH = re.compile(
    r"(?<![\w/.])((?:[\w.~-]+/)*[\w.~()-]+\.(?:txt|md|markdown|rst|html?|pdf|docx?))\b"
)

_WHOLE_DOC = [
    # "summarise the article", "give me a summary of this document", "tl;dr"
    re.compile(
        _POLITE + _SUMMARY_VERB + rf"(?:\s+(?:the|this|that|my|our)\s+{_DOC_NOUN})?" + _END, re.I
    ),
    re.compile(_POLITE + _SUMMARY_VERB + r"\s+it" + _END, re.I),
    # "what is the article about?", "what's this document about"
    re.compile(
        _POLITE
        + rf"what(?:'s|\s+is|\s+does)\s+(?:the|this|that)\s+{_DOC_NOUN}\s+(?:about|say)"
        + _END,
        re.I,
    ),
]

_BROAD_START = re.compile(
    r"^\s*(?:(?:please|can\s+you|could\s+you|would\s+you)\s+)*"
    r"(?:why|how\s+(?:did|does|do|is|are|was|were|can|could|should|would|will|has|have|had)\b|"
    r"describe|explain|list|name\s+(?:the|all|some)|enumerate|compare|contrast|summari[sz]e|"
    r"sum\s+up|outline|discuss|tell\s+me\s+(?:about|what|how|why)|walk\s+me\s+through|"
    r"what\s+do\s+you\s+know\s+about|talk\s+(?:me\s+)?about|"
    r"i(?:\s+(?:want|need)|'?d\s+like|\s+would\s+like)\s+to\s+(?:know|learn|hear)\s+(?:more\s+)?about|"
    r"give\s+(?:me\s+)?(?:a\s+|an\s+)?(?:short\s+|brief\s+|quick\s+)?"
    r"(?:overview|rundown|summary|history|account|list|breakdown|sense|idea|picture)|"
    r"what\s+(?:are|were)\s+the\s+(?:main|key|major|different|various)|"
    r"what\s+(?:are|were)\s+(?:some|the)\s+\w+s\b)",
    re.I,
)
_BROAD_ANYWHERE = re.compile(
    r"\b(?:differences?\s+between|difference\s+in|compared?\s+(?:with|to)|versus|vs\.?|"
    r"pros\s+and\s+cons|advantages|disadvantages|benefits|drawbacks|similarities|"
    r"outcomes?|results\s+of|effects|effect\s+(?:of|on)|impacts?\s+(?:of|on)|causes\s+of|"
    r"(?:main|the)\s+causes|consequences|reasons|implications|significance|overview|rundown|"
    r"summary|in\s+general|main\s+points|verdict|stance|position\s+on|view\s+of|"
    r"what\s+happened|what\s+came\s+out|what\s+(?:caused|led\s+to|made)\b|"
    # "what factors caused…", "which events led to…": causes, in the plural
    r"(?:what|which)\s+(?:[\w-]+\s+)?(?!(?:has|was|is|this|its|his)\b)[\w-]+[^\Ws]s\s+"
    r"(?:have\s+|had\s+)?(?:caused|led\s+to|"
    r"contributed\s+to|brought\s+about|resulted\s+in|drove|prompted)\b|"
    r"what\s+(?:did|does|do|will|would)\s+(?:[\w.'’-]+\s+){1,6}?"
    r"(?:say|said|agree|agreed|discuss|decide|announce|think|argue|claim|propose|conclude|"
    r"recommend|do|achieve|mean|cover|describe|report|find|want|offer|promise|plan|"
    r"reveal|suggest|note|state|write)\b)",
    re.I,
)
_LIST = re.compile(
    r"^\s*(?:(?:please|can\s+you|could\s+you)\s+)*(?:list|enumerate|name\s+(?:the|all|some))\b"
    r"|\bwhat\s+(?:are|were)\s+(?:the\s+)?(?:main\s+|key\s+|major\s+)?(?:uses|types|kinds|steps|"
    r"issues|examples|ways|factors|parts|stages|features)\b",
    re.I,
)


@dataclass(frozen=True)
class Intent:
    kind: QuestionKind
    as_list: bool = False  # a broad answer shown as bullets
    document: str | None = None  # a path or source name the question names


def named_document(question: str) -> str | None:
    """A file the question names ("what is notes/plan.md about?")."""
    m = _PATH.search(question)
    return m.group(1) if m else None


def classify(question: str) -> Intent:
    q = question.strip()
    named = named_document(q)
    if any(p.match(q) for p in _WHOLE_DOC):
        return Intent(QuestionKind.DOCUMENT, document=named)
    if named and re.search(
        rf"(?:{_SUMMARY_VERB})|\babout\s*\??\s*$|\bmain\s+points\b|\bin\s+short\b", q, re.I
    ):
        return Intent(QuestionKind.DOCUMENT, document=named)
    if _LIST.search(q):
        return Intent(QuestionKind.BROAD, as_list=True)
    if ruled(q) == QuestionKind.BROAD or learned(q) > _model().threshold:
        return Intent(QuestionKind.BROAD)
    return Intent(QuestionKind.FACTOID)


def ruled(question: str) -> QuestionKind:
    """The kind the patterns alone give a question that is not about a whole document."""
    q = question.strip()
    if _LIST.search(q) or _BROAD_START.match(q) or _BROAD_ANYWHERE.search(q):
        return QuestionKind.BROAD
    return QuestionKind.FACTOID


# The learned half: where the patterns see no sign of a broad question, a logistic model
# over its words decides ("what was chopin's relationship with george sand like, from how
# they met to how it ended", "what are schwarzenegger's most famous movies"). Fitted on
# training questions nobody evaluates with (bench/fit_intent.py, card
# qa/models/intent.md), with a threshold that sends at most 1% of factoid questions the
# broad way.
MODEL = Path(__file__).resolve().parent.parent / "models" / "intent.json"
EXTRAS = ("log_words",)


@dataclass(frozen=True)
class _Weights:
    ngrams: dict[str, float]
    extras: tuple[float, ...]
    bias: float
    threshold: float


@cache
def _model() -> _Weights:
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    if tuple(data["extras"]) != EXTRAS:
        raise ValueError(f"{MODEL} was fitted on other features: {data['extras']}")
    return _Weights(data["ngrams"], tuple(data["extra_weights"]), data["bias"], data["threshold"])


def ngrams(question: str) -> list[str]:
    """The question's lowercased words and word pairs, the first word marked as first."""
    words = ["<s>", *re.findall(r"\w+", question.lower())]
    return words[1:] + [f"{a} {b}" for a, b in zip(words, words[1:])]


def extras(question: str) -> list[float]:
    """The features besides the words, in EXTRAS' order."""
    return [math.log(max(1, len(question.split())))]


def learned(question: str) -> float:
    """The learned model's probability that `question` is broad."""
    m = _model()
    known = {g for g in ngrams(question) if g in m.ngrams}
    z = m.bias + sum(m.ngrams[g] for g in known) / math.sqrt(len(known) or 1)
    z += sum(w * x for w, x in zip(m.extras, extras(question)))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))  # no overflow on odd input
