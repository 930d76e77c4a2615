"""The shortest span of an evidence sentence that answers a question, without a model.

The question's form says what kind of answer it wants (a date, a number, a name, a
place); when the sentence holds exactly one span of that kind that is not made of the
question's own words, that span is the answer. Otherwise (no kind, none or several such
spans) the whole sentence is the answer: measured, picking among several lost more answers
than it shortened (bench/RESULTS.md).

For other questions a model's reply can point at the answer: `phrase_for` maps it onto the
phrases of the sentence that lie between the question's own words, and returns the one
phrase that holds the reply's new words, quoted from the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from ..text import NUMBER, STOPWORDS, TOKEN, stem, words

_MONTH = r"""(?:January|February|March|April|May|June|July|August|September|October
    |November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?
    |Dec\.?)"""
_ORDINAL = r"(?:st|nd|rd|th)"
_DATE = re.compile(
    rf"""\b(?:
        (?P<month_day_year> {_MONTH} \s+ \d{{1,2}}{_ORDINAL}? ,? \s+ \d{{3,4}} )
      | (?P<day_month_year> \d{{1,2}}{_ORDINAL}? \s+ {_MONTH} ,? \s+ \d{{3,4}} )
      | (?P<month_year> {_MONTH} ,? \s+ \d{{3,4}} )
      | (?P<century> (?:the\s+)? (?:early\s+|mid-?|late\s+)? \d{{1,2}}{_ORDINAL} \s+ century )
      | (?P<decade> (?:the\s+)? \d{{3,4}}s )
      | (?P<years> \d{{3,4}} (?: \s* (?:–|-|to) \s* \d{{2,4}} )? )
      | (?P<month_day> {_MONTH} \s+ \d{{1,2}}{_ORDINAL}? )
    )\b""",
    re.VERBOSE,
)
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty "
    "fifty sixty seventy eighty ninety hundred thousand million billion trillion "
    "dozen half several"
).split()
_NUMBER_WORD = "(?:" + "|".join(_NUMBER_WORDS) + ")"
_NUMBER = re.compile(
    rf"""
    (?P<about> (?:about|around|approximately|over|under|nearly|almost|more\ than|less\ than
                 |up\ to) \s+ )?
    (?:
        (?P<figure> (?:[$£€¥]\s?)? (?:{NUMBER.pattern})
                    (?: \s?% | \s+percent | \s+per\s+cent )?
                    (?: \s+ (?:million|billion|trillion|thousand|hundred) )? )
      | (?P<words> \b {_NUMBER_WORD} (?: [\s-]+ {_NUMBER_WORD} )* \b )
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_UNIT = re.compile(r"\s*(?:[A-Za-z%]+(?:\s+(?:of|per)\s+[A-Za-z]+)?)")
_NAME_PART = r"(?:[A-Z][\w'’.-]*|\d+)"
_NAME = re.compile(
    rf"""{_NAME_PART}
    (?: \s+ (?:of|the|de|von|van|and|&|da|del|la|le|du|al|bin|for)? \s* {_NAME_PART} )*""",
    re.VERBOSE,
)

_KINDS = [
    (
        "date",
        re.compile(
            r"""^\s*(?:
                when\b
              | (?:in\s+)? (?:what|which) \s+
                (?:year|years|decade|century|month|day|date|time\s+period|era) \b
              | how\s+long\s+ago\b
            )""",
            re.I | re.VERBOSE,
        ),
    ),
    (
        "number",
        re.compile(
            r"""^\s*(?:
                how \s+ (?:many|much|long|old|far|large|big|high|tall|wide|deep|heavy|fast
                           |often) \b
              | (?:what|which) \s+ (?:percentage|percent|proportion|number|amount|fraction
                                     |share|size|population|speed|temperature|distance) \b
            )""",
            re.I | re.VERBOSE,
        ),
    ),
    ("person", re.compile(r"^\s*(?:who|whom|whose)\b", re.I)),
    (
        "place",
        re.compile(
            r"""^\s*where\b
              | ^\s*(?:in\s+)? (?:what|which) \s+
                (?:city|country|state|town|region|continent|place|location|county|province
                  |island|river) \b""",
            re.I | re.VERBOSE,
        ),
    ),
]


def question_kind(question: str) -> str | None:
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    # "The first X was born in what year?": the wh-word may come last.
    m = re.search(r"\b(when|what year|how many|how much|who|where)\b[^?]*\??\s*$", question, re.I)
    if m:
        return question_kind(m.group(1))
    return None


# A figure that is part of a name is no date or number: "S-400", "Covid-19", "MiG-29".
_DESIGNATION = re.compile(r"[^\W\d_][-‑]?$")


def _in_name(sentence: str, start: int) -> bool:
    """Whether the figure at `start` is part of a name ("S-400")."""
    return _DESIGNATION.search(sentence, 0, start) is not None


def _candidates(kind: str, sentence: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if kind == "date":
        spans = [m.span() for m in _DATE.finditer(sentence)]
        spans = [(a, b) for a, b in spans if not _in_name(sentence, a)]
    elif kind == "number":
        for m in _NUMBER.finditer(sentence):
            start, end = m.span()
            if m.group("figure") and _in_name(sentence, start):
                continue
            unit = _UNIT.match(sentence, end)
            if unit and unit.group().strip().lower() not in STOPWORDS:
                end = unit.end()
            spans.append((start, end))
    elif kind in ("person", "place"):
        for m in _NAME.finditer(sentence):
            start, end = m.span()
            if start == 0 and sentence[start:end].split()[0].lower() in STOPWORDS:
                continue
            if kind == "place":
                before = sentence[max(0, start - 6) : start].lower()
                if not re.search(r"\b(?:in|at|from|near|to|of|on)\s+$", before):
                    continue
            spans.append((start, end))
    return spans


# A question about a size or duration is answered by a number with its unit (an age, "how
# old", is often a bare number).
_DIMENSION = re.compile(r"\bhow\s+(?:tall|high|long|wide|deep|heavy|big|large)\b", re.I)
_LENGTH_UNIT = re.compile(
    r"\b(?:feet|foot|ft|inch(?:es)?|in|yards?|miles?|mi|m|metres?|meters?|cm|mm|km|"
    r"kilomet(?:re|er)s?|centimet(?:re|er)s?|millimet(?:re|er)s?|storeys?|stor(?:y|ies)|floors?|"
    r"kg|kilograms?|grams?|g|pounds?|lbs?|tons?|tonnes?|ounces?|oz|acres?|hectares?|ha|"
    r"sq|square|cubic|seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|"
    r"centur(?:y|ies)|millennia|yrs?|hrs?|mins?|aged?|light-years?|mph|km/h|°)(?=\W|$)|\d\s*['\"′″]",
    re.I,
)


def answer_span(question: str, sentence: str) -> str:
    """The shortest span of `sentence` that answers `question`, or the sentence itself."""
    kind = question_kind(question)
    if kind is None:
        return sentence
    q_stems = question_stems(question)
    if kind == "number" and (counted := _counted(q_stems, sentence)):
        return counted
    spans = typed_spans(kind, q_stems, sentence)
    # Only an unambiguous span is trusted; otherwise the sentence is the answer.
    if len(spans) != 1:
        return sentence
    start, end = spans[0]
    if kind in ("person", "place") and not re.search(r"[^\W\d_]", sentence[start:end]):
        return sentence  # a year alone ("in 1957") is no name or place
    if _DIMENSION.search(question) and not _LENGTH_UNIT.search(sentence[start:end]):
        return sentence  # "how tall": a number without a measure ("at one point") is none
    return sentence[start:end].strip(" ,;:.")


def typed_spans(kind: str, q_stems: AbstractSet[str], sentence: str) -> list[tuple[int, int]]:
    """The spans of `sentence` of the kind asked for (a date, a number, a name, a place)
    that are not made of the question's own words (`q_stems`)."""
    spans = []
    for start, end in _candidates(kind, sentence):
        words = re.findall(r"\w+", sentence[start:end])
        if not words or any(
            stem(w.lower()) in q_stems for w in words if w.lower() not in STOPWORDS
        ):
            continue  # the question's own words are not its answer
        spans.append((start, end))
    return spans


def question_stems(question: str) -> set[str]:
    return {stem(w.lower()) for w in re.findall(r"\w+", question)}


def _counted(q_stems: set[str], sentence: str) -> str | None:
    """For "how many assault rifles ...?": the one number followed by the thing the
    question counts, with it ("more than 600,000 assault rifles"), or None."""
    found = []
    for m in _NUMBER.finditer(sentence):
        if m.group("figure") and _in_name(sentence, m.start()):
            continue  # "MiG-29 jets"
        number = [w for w in re.findall(r"\w+", m.group()) if w.lower() not in STOPWORDS]
        if any(stem(w.lower()) in q_stems for w in number):
            continue
        end = m.end()
        # The thing counted follows within three words ("600,000 assault rifles").
        tail = re.match(r"(?:\s+[\w'’-]+){1,3}", sentence[m.end() :])
        for w in re.finditer(r"[\w'’-]+", tail.group() if tail else ""):
            if w.group().lower() in STOPWORDS:
                break
            if stem(w.group().lower()) in q_stems:
                end = m.end() + w.end()
        if end > m.end():
            found.append(sentence[m.start() : end])
    return found[0].strip() if len(found) == 1 else None


_CLAUSE_BREAK = set(',;:()[]"“”')


def phrases(question: str, sentence: str) -> list[tuple[int, int]]:
    """(start, end) of the stretches of `sentence` between the question's own words and
    clause punctuation, without stopwords at either end.

    SQuAD-style answers are such stretches: the question's words place the answer, and
    the answer is what the sentence says next to them.
    """
    asked = {stem(w) for w in words(question) if w not in STOPWORDS}
    out: list[tuple[int, int]] = []
    run: list[tuple[int, int, str]] = []

    def close():
        while run and (run[0][2].lower() in STOPWORDS or not run[0][2][0].isalnum()):
            run.pop(0)
        while run and (run[-1][2].lower() in STOPWORDS or not run[-1][2][-1].isalnum()):
            run.pop()
        if run:
            out.append((run[0][0], run[-1][1]))
        run.clear()

    for m in TOKEN.finditer(sentence):
        token = m.group()
        content = [w for w in words(token) if w not in STOPWORDS]
        if token in _CLAUSE_BREAK or (content and all(stem(w) in asked for w in content)):
            close()
        else:
            run.append((m.start(), m.end(), token))
    close()
    return out


def phrase_for(reply: str, question: str, sentence: str, cover: float = 0.8) -> str | None:
    """The part of `sentence` that holds the answer in `reply`, or None.

    The reply's content words that are not the question's must, for `cover` of them, lie
    in one phrase (`phrases`); the stretch of that phrase from the first to the last of
    them, quoted from the sentence, is returned. Measured on three 300-question samples,
    0.8 kept more right answers than 0.5 (more phrases, more of them wrong) while still
    shortening answers (bench/RESULTS.md).
    """
    asked = {stem(w) for w in words(question)}
    said = {stem(w) for w in words(reply) if w not in STOPWORDS} - asked
    if not said:
        return None
    best, held = None, 0
    for start, end in phrases(question, sentence):
        n = len(said & {stem(w) for w in words(sentence[start:end])})
        if n > held:
            hits = [
                m
                for m in TOKEN.finditer(sentence, start, end)
                if said & {stem(w) for w in words(m.group())}
            ]
            best, held = sentence[hits[0].start() : hits[-1].end()], n
    return best if held >= cover * len(said) else None
