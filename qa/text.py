"""Words, stems and sentences: how retrieval, evidence selection and grounding read text."""

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

NUMERAL = r"\d[\d,.]*\d"  # digits with separators: 600,000 and 3.5 stay whole
NUMBER = re.compile(rf"{NUMERAL}|\d")


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
# Tokens that keep a sentence's every character: a number with separators ("600,000"),
# a word (with inner hyphens or apostrophes), or one character of punctuation.
TOKEN = re.compile(rf"{NUMERAL}|\w[\w'’-]*\w|\w|[^\w\s]")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n{2,}")
# A full stop that ends an abbreviation rather than a sentence: initials ("U.S.", "J."),
# titles and the like ("Mr.", "Dr.", "St.", "No."). A sentence that does end with one is
# joined to the next: two sentences shown together read better than one cut in two.
ABBREVIATIONS = (
    "Mr Mrs Ms Dr Prof St Jr Sr Gen Col Lt Capt Sgt Rev Hon Gov Sen Rep Pres No Nos Vol vs "
    "e.g i.e approx cf ca Fig Jan Feb Mar Apr Aug Sep Sept Oct Nov Dec "
    "v c r b d fl"  # "Marbury v. Madison", "(c. 1524–1580)", "(r. 1735–1796)", "(d. 1435)"
).split()
_ABBREVIATION = re.compile(
    rf"(?:(?<![\w.])(?:[A-Z]\.)+|\b(?:{'|'.join(map(re.escape, ABBREVIATIONS))})\.)$"
)


def full_stop_pattern() -> str:
    """A regular expression for ". " where it ends a sentence, not an abbreviation
    ("Theodore W. Pangborn", "the U.S. Navy"): where a chunk may be cut (a cut after "M."
    leaves one chunk ending "M." and the next starting with a surname)."""
    by_width: dict[int, list[str]] = {}
    for a in ABBREVIATIONS:
        by_width.setdefault(len(a), []).append(re.escape(a))
    behind = "".join(rf"(?<!\b(?:{'|'.join(v)}))" for _, v in sorted(by_width.items()))
    return rf"(?<!\b[A-Z]){behind}\. "


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


def folded(found: set[str]) -> set[str]:
    """Stems with a demonym folded into its place ("russian" into "russia", "american"
    into "america"), so that "the Russian president" matches "Putin's Russia". Used where
    words are matched at question time (sentence overlap), not in the stored BM25 index."""
    return {t[:-1] if len(t) >= 6 and t.endswith(("ian", "can")) else t for t in found}


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


# How people ask rather than what they ask about: "tell me about the S-400", "what does the
# article say about the Quad?", "walk me through how…". These words are in no passage, so
# they only lower a question's similarity and word overlap with the sentences that answer
# it ("tell me about the S-400" scored 0.58 against the sentence on its delivery, "S-400"
# 0.82, and was declined). `subject` drops them for scoring; the question's kind is still
# read from the whole question.
_DOCUMENT = (
    r"(?:article|document|documents|doc|docs|text|file|files|paper|report|piece|notes?|sources?)"
)
_ASKING = re.compile(
    r"^\s*(?:(?:please|so|ok(?:ay)?|hey|now|and)[\s,]+)*"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|i'?d\s+like\s+(?:you\s+)?to\s+|"
    r"i\s+(?:want|need)\s+(?:you\s+)?to\s+|let'?s\s+)?"
    r"(?:tell\s+me(?:\s+(?:more|a\s+bit|a\s+little))?\s+about|tell\s+me(?=\s+(?:who|what|when|"
    r"where|why|how|which|whether|if)\b)|tell\s+us\s+about|"
    r"(?:know|learn|hear)\s+(?:more\s+)?about|talk\s+(?:me\s+)?about|"
    r"explain(?:\s+to\s+me)?|describe|walk\s+me\s+through|take\s+me\s+through|"
    r"give\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|the\s+|some\s+)?(?:short\s+|brief\s+|quick\s+|"
    r"general\s+|rough\s+|high[\s-]level\s+)?(?:overview|rundown|run-down|summary|account|"
    r"breakdown|explanation|description|picture|sense|idea|background)\s+(?:of|on|about)|"
    r"what\s+(?:can|could)\s+you\s+tell\s+me\s+about|what\s+do\s+you\s+know\s+about|"
    r"do\s+you\s+know\s+(?:anything\s+)?about|"
    rf"(?:summari[sz]e|sum\s+up)\s+what\s+(?:the|this|my|our)\s+(?:(?P<of>[\w-]+)\s+)?{_DOCUMENT}"
    r"\s+(?:says?|said)\s+(?:about|on)|"
    rf"what\s+(?:does|do|did)\s+(?:the|this|that|my|our)\s+(?:(?P<on>[\w-]+)\s+)?{_DOCUMENT}\s+"
    r"(?:say|said|tell\s+(?:me|us)|mention|report|write)\s+(?:about|on|regarding)|"
    r"what\s+is\s+(?:known|said|written)\s+about)\s*[:,]?\s+",
    re.IGNORECASE,
)
# A second sentence that only asks for the document's view: "…? What does the article say?"
_ASKING_TAIL = re.compile(
    r"(?<=[?.!])\s+(?:what|how)\s+(?:does|do)\s+(?:the|this)\s+\w+\s+(?:say|put\s+it)\s*[?.!]*\s*$"
    rf"|,?\s+(?:according\s+to|in|from)\s+(?:the|this|my|our)\s+{_DOCUMENT}\s*(?=[?.!]*\s*$)"
    r"|,?\s+please\s*(?=[?.!]*\s*$)",
    re.IGNORECASE,
)


def subject(question: str) -> str:
    """The question without the words that only ask ("tell me about", "what does the
    article say about", "…? What does the article say?"); the question itself when
    nothing would be left."""
    asking = _ASKING.match(question)
    rest = _ASKING_TAIL.sub("", question[asking.end() :] if asking else question).strip()
    # "the Warsaw document": the word before the document's name says what it is about
    named = asking and (asking.group("of") or asking.group("on"))
    if named and named[:1].isupper():
        rest = f"{named} {rest}"
    return rest if len(content_words(rest)) >= 1 else question.strip()
