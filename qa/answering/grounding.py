"""Whether a sentence a model wrote is what the passages it cites say.

Sharing words is not enough: "Super Bowl 50 was not played at Levi's Stadium" shares every
content word with "Super Bowl 50 was played at Levi's Stadium". A claim is supported when

1. most of its content words, and all its numbers, are in the cited passages;
2. one place in them (a sentence, or two neighbouring ones) holds most of its words:
   the claim is aligned to what it restates;
3. each of its clauses ("…, which was later destroyed by fire") is supported on its own,
   so a true claim cannot carry an invented one;
4. it neither negates what that place affirms (nor the reverse), nor puts a word's
   opposite in its place ("lost" for "won"), nor another number for one of that
   place's ("2015" for "2016");
5. it does not swap the roles or the numbers of that place: "The Panthers defeated the
   Broncos" against "The Broncos defeated the Panthers", "from 8% to 5%" against
   "from 5% to 8%".

The checks are lexical and err towards dropping a sentence: a dropped true sentence costs
an answer some words (the documents' own sentences take its place); a kept false one
puts words in the documents' mouth. tests/test_grounding.py holds the labelled replies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import NUMBER, STOPWORDS, TOKEN, content_words, stem
from ..text import sentences as sentence_spans
from .citations import uncited

COVERAGE = 0.6  # share of the claim's content words the cited passages must hold
ALIGNED = 0.5  # share that one place in them must hold
CLAUSE = 0.5  # share each clause of two or more content words must hold

# Words whose opposite, in the place a claim restates, makes the claim false ("Denver
# lost" where the text says "Denver won"); stems of both sides, checked in both directions.
_OPPOSITES = [
    ("win", "lose"), ("won", "lost"), ("defeat", "lost"), ("rise", "fall"), ("rose", "fell"),
    ("increas", "decreas"), ("befor", "after"), ("higher", "lower"), ("larger", "smaller"),
    ("more", "less"), ("more", "fewer"), ("accept", "reject"), ("approv", "reject"),
    ("allow", "ban"), ("allow", "forbid"), ("allow", "prohibit"), ("open", "close"),
    ("includ", "exclud"), ("succeed", "fail"), ("success", "failur"), ("agre", "disagre"),
    ("agre", "refus"), ("support", "oppos"), ("first", "last"), ("gain", "loss"),
    ("buy", "sell"), ("bought", "sold"), ("north", "south"), ("east", "west"),
    ("minimum", "maximum"), ("earli", "later"), ("older", "younger"), ("longer", "shorter"),
    ("strengthen", "weaken"), ("expand", "reduc"), ("rais", "lower"), ("enter", "left"),
    ("arriv", "depart"), ("confirm", "deni"), ("legal", "illeg"), ("true", "fals"),
]  # fmt: skip

_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n['’]t\b",
    re.IGNORECASE,
)
# Where a sentence joins a second claim to its first.
_CLAUSE_BREAK = re.compile(
    r",\s*(?=(?:which|who|whom|whose|where|while|whereas|although|though|but|and)\b)"
    r"|;\s*|\s+(?=(?:but|whereas|although)\b)"
    r"|\s+(?=and\s+(?:later|then|also|subsequently|was|were|is|are|has|had|have|will)\b)",
    re.IGNORECASE,
)


@dataclass
class _Token:
    key: str  # stem, or the number as written
    anchor: bool  # a name (capitalised) or a number: what roles and values attach to
    word: str


def _tokens(text: str) -> list[_Token]:
    out = []
    for i, m in enumerate(TOKEN.finditer(text)):
        raw = m.group(0)
        if NUMBER.fullmatch(raw):
            out.append(_Token(raw.replace(",", ""), True, raw))
        elif raw[0].isalnum():
            low = raw.lower().replace("’", "'")
            low = low[:-2] if low.endswith("'s") else low
            name = raw[0].isupper() and i > 0 and low not in STOPWORDS
            out.append(_Token(low if low in STOPWORDS else stem(low), name, low))
        else:
            out.append(_Token(raw, False, raw))
    return out


def _coverage(words: list[str], text: str) -> float:
    if not words:
        return 0.0
    have = {stem(w) for w in content_words(text)}
    return sum(stem(w) in have for w in words) / len(words)


def _places(texts: list[str]) -> list[str]:
    """The sentences of the passages, and each pair of neighbouring ones."""
    out = []
    for text in texts:
        spans = [text[a:b] for a, b in sentence_spans(text)] or [text]
        out += spans
        out += [f"{x} {y}" for x, y in zip(spans, spans[1:])]
    return out


def _negated(text: str) -> bool:
    return len(_NEGATION.findall(text)) % 2 == 1


def clauses(sentence: str) -> list[str]:
    return [c for c in _CLAUSE_BREAK.split(sentence) if c and c.strip()]


def swapped(claim: str, source: str) -> bool:
    """Two names or numbers that the claim and the source hold in opposite order, around
    the same word ("A defeated B" / "B defeated A") or the same joining words
    ("from 5 to 8" / "from 8 to 5"); a passive ("B was defeated by A") is not a swap."""
    c, s = _tokens(claim), _tokens(source)

    def once(tokens: list[_Token]) -> dict[str, int]:
        seen: dict[str, int] = {}
        for i, t in enumerate(tokens):
            seen[t.key] = -1 if t.key in seen else i
        return {k: i for k, i in seen.items() if i >= 0}

    pc, ps = once(c), once(s)
    shared = [k for k in pc if k in ps]
    anchors = [k for k in shared if c[pc[k]].anchor]
    pivots = [k for k in shared if not c[pc[k]].anchor and k not in STOPWORDS and k[0].isalnum()]

    def by_after(tokens: list[_Token], i: int) -> bool:
        return any(t.word == "by" for t in tokens[i + 1 : i + 3])

    for a in anchors:
        for b in anchors:
            if not (pc[a] < pc[b] and ps[a] > ps[b]):
                continue
            for p in pivots:
                if pc[a] < pc[p] < pc[b] and ps[b] < ps[p] < ps[a]:
                    if by_after(c, pc[p]) == by_after(s, ps[p]):
                        return True
            between_c = [t.key for t in c[pc[a] + 1 : pc[b]]]
            between_s = [t.key for t in s[ps[b] + 1 : ps[a]]]
            if (
                between_c
                and between_c == between_s
                and all(k in STOPWORDS or not k[0].isalnum() for k in between_c)
            ):
                return True
    return False


def supported(sentence: str, texts: list[str]) -> bool:
    """Whether the passages `texts` say what `sentence` (a model's, citations allowed)
    says: the five conditions in this module's docstring."""
    claim = uncited(sentence)
    words = content_words(claim)
    if not words:
        return False
    support = " ".join(texts)
    if _coverage(words, support) < COVERAGE:
        return False
    place = max(_places(texts), key=lambda p: _coverage(words, p))
    if _coverage(words, place) < ALIGNED:
        return False
    if not set(NUMBER.findall(claim)) <= set(NUMBER.findall(support)):
        return False
    if substituted(claim, place):
        return False  # "February 7, 2015" where the sentence says 2016
    for part in clauses(claim):
        mine = content_words(part)
        if len(mine) >= 2 and _coverage(mine, support) < CLAUSE:
            return False
    return (
        not negation_differs(claim, place)
        and not opposed(claim, place)
        and not swapped(claim, place)
    )


def negation_differs(claim: str, place: str) -> bool:
    """A clause of the claim negated where the clause of the place it restates is not, or
    the reverse ("was not played" / "was played")."""
    theirs = clauses(place) or [place]
    for part in clauses(claim):
        mine = content_words(part)
        if not mine:
            continue
        match = max(theirs, key=lambda c: _coverage(mine, c))
        if _negated(part) != _negated(match):
            return True
    return False


def _shape(number: str) -> str:
    digits = number.replace(",", "")
    if re.fullmatch(r"1\d{3}|20\d{2}", digits):
        return "year"
    return f"{len(digits.split('.')[0])} digits"


def _beside(text: str) -> dict[str, set[str]]:
    """Each number of `text` and the words within two tokens of it."""
    tokens = [t for t in _tokens(text) if t.key[0].isalnum()]
    out: dict[str, set[str]] = {}
    for i, t in enumerate(tokens):
        if NUMBER.fullmatch(t.word):
            near = tokens[max(0, i - 2) : i] + tokens[i + 1 : i + 3]
            out.setdefault(t.key, set()).update(n.key for n in near)
    return out


def substituted(claim: str, place: str) -> bool:
    """The claim has a number the place lacks where the place has another of the same
    kind beside the same words ("February 7, 2015" for its "February 7, 2016"); a number
    from elsewhere in the passage is fine."""
    mine, theirs = _beside(claim), _beside(place)
    for x in set(mine) - set(theirs):
        for y in set(theirs) - set(mine):
            if _shape(x) == _shape(y) and mine[x] & theirs[y]:
                return True
    return False


def opposed(claim: str, place: str) -> bool:
    """The claim uses a word whose opposite the place uses instead ("lost" for "won")."""
    mine = {stem(w) for w in content_words(claim)} | set(re.findall(r"\w+", claim.lower()))
    theirs = {stem(w) for w in content_words(place)} | set(re.findall(r"\w+", place.lower()))
    for a, b in _OPPOSITES:
        for x, y in ((a, b), (b, a)):
            if x in mine and x not in theirs and y in theirs and y not in mine:
                return True
    return False


def grounded(answer: str, texts: list[str]) -> bool:
    """Every sentence of `answer` is supported by `texts`."""
    text = uncited(answer)
    parts = [text[a:b] for a, b in sentence_spans(text)] or [text]
    return all(supported(p, texts) for p in parts)


def is_grounded(answer: str, evidence: list) -> bool:
    """Every sentence of the answer says what the evidence (objects with a `text`) says:
    its words and numbers are there, and it neither negates nor swaps them (grounding)."""
    return grounded(answer, [e.text for e in evidence])
