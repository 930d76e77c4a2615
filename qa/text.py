"""Small text utilities shared by retrieval, evidence selection and grounding."""

from __future__ import annotations

import functools
import re

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves also s t don many much one ones whose""".split()
)

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")  # [1] or [1, 3]
NUMERAL = r"\d[\d,.]*\d"  # digits with separators: 600,000 and 3.5 stay whole
NUMBER = re.compile(rf"{NUMERAL}|\d")


# C0 and C1 control characters (escape sequences start with one) and the bidirectional
# overrides that reorder what a terminal shows; newlines and tabs are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` safe to print on a terminal: no control characters (an escape sequence in a
    document or file name could clear the screen or retitle the window). A carriage
    return becomes a space."""
    return _CONTROL.sub("", text.replace("\r", " "))


def one_line(text: str) -> str:
    """`clean(text)` on one line: a file name with a line break in it must not break a
    citation or a `path:line:` row in two."""
    return clean(text).replace("\n", "⏎").replace("\t", " ")


def iso_date(value: str) -> str | None:
    """`value` if it is a real calendar date written YYYY-MM-DD, else None."""
    import datetime

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return value


def cited_numbers(text: str) -> list[int]:
    """The source numbers `text` cites, in order ("… [2] … [1, 3]" → [2, 1, 3])."""
    return [int(x) for m in CITATION.finditer(text) for x in m.group(1).split(",")]


def map_citations(text: str, change) -> str:
    """`text` with each citation's numbers replaced by `change(numbers)`; a citation left
    with no number is removed, and so is the space before punctuation it leaves."""

    def sub(m: re.Match) -> str:
        numbers = change([int(x) for x in m.group(1).split(",")])
        return "[" + ", ".join(map(str, numbers)) + "]" if numbers else ""

    return re.sub(r"[ \t]+([.,;:!?])", r"\1", CITATION.sub(sub, text))


def uncited(text: str) -> str:
    """`text` without its citation marks."""
    text = re.sub(r"[ \t]{2,}", " ", CITATION.sub(" ", text))
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", text).strip()


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
# Tokens that keep a sentence's every character: a number with separators ("600,000"),
# a word (with inner hyphens or apostrophes), or one character of punctuation.
TOKEN = re.compile(rf"{NUMERAL}|\w[\w'’-]*\w|\w|[^\w\s]")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n{2,}")
# A full stop that ends an abbreviation rather than a sentence: initials ("U.S.", "J."),
# titles and the like ("Mr.", "Dr.", "St.", "No."). A sentence that does end with one is
# joined to the next: two sentences shown together read better than one cut in two.
_ABBREVIATION = re.compile(
    r"(?:(?<![\w.])(?:[A-Z]\.)+|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Gen|Col|Lt|Capt|Sgt|Rev|Hon|"
    r"Gov|Sen|Rep|Pres|No|Nos|Vol|vs|e\.g|i\.e|approx|cf|ca|Fig|Jan|Feb|Mar|Apr|Aug|Sept?|"
    r"Oct|Nov|Dec)\.)$"
)


def words(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(text):
        w = w.lower().replace("’", "'")
        out.append(w[:-2] if w.endswith("'s") else w)
    return out


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


_stemmer = None


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball (Porter 2) after folding '-ment' nouns into their verbs ('agreement', 'agree')."""
    global _stemmer
    if _stemmer is None:
        import snowballstemmer

        _stemmer = snowballstemmer.stemmer("english")
    if word.endswith("ment") and len(word) >= 8:
        word = word[:-4]
    return _stemmer.stemWord(word)


def stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences in `text`."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start()
        if _ABBREVIATION.search(text, max(start, end - 12), end):
            continue  # "the U.S. President", "Mr. Putin": not the end of a sentence
        if text[start:end].strip():
            spans.append((start, end))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    out = []
    for s, e in spans:
        chunk = text[s:e]
        lead = len(chunk) - len(chunk.lstrip())
        out.append((s + lead, s + len(chunk.rstrip())))
    return out
