"""When an answer declines: a model's reply that says it does not know, a reply that only
restates the question, and a question about something the documents never mention."""

from __future__ import annotations

import re

from ..text import STOPWORDS, content_words, stem, stems
from .citations import uncited

MODEL_DECLINES = re.compile(
    r"couldn'?t find|could not find|cannot find|can'?t find|not (?:mentioned|provided|stated|"
    r"specified|given|included)|no information|(?:don'?t|do not) know|cannot answer|"
    r"can'?t answer|unable to answer|does not (?:say|mention|contain)",
    re.IGNORECASE,
)


def adds_to(answer: str, question: str) -> bool:
    """An answer must say something the question did not: 'the previous Mercury and
    Gemini veterans' does not answer 'How many missions were flown by the Mercury and
    Gemini veterans?'."""
    asked = stems(question)
    return any(stem(w) not in asked for w in content_words(uncited(answer)))


# What a question names that the documents never mention: then any answer would be about
# something else ("who flew on Apollo 14?" answered with Apollo 17's crew), so `ask`
# declines and says what it could not find. Three narrow checks, each measured on the
# 2,287 development questions (bench/RESULTS.md): together they decline 4 answerable
# ones, none of the 300 of the sample.

# A numbered name: a capitalised word and a number of up to three digits ("Apollo 14",
# "Super Bowl 50", "Article 288"); four digits are years, "7-4" a score.
_NUMBERED = re.compile(r"\b([A-Z][\w-]*)\s+(\d{1,3})\b(?![.,-]?\d|-)")
_NOT_NAMES = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec page week day top""".split()
)
# "how much did tickets … cost", "how many assault rifles": the thing asked about.
_HOW_MUCH = re.compile(
    r"\bhow\s+(?:much|many)\s+"
    r"(?:(?:did|does|do|is|was|were|are|has|have|had|will|would|can|could)\s+)?"
    r"(?:(?:the|a|an|one|each|all|of|his|her|their|its)\s+)*"
    r"((?:[^\W\d_][\w'’]*[\s-]*)+)",
    re.IGNORECASE,
)
# Words after "how many" that name a measure, a unit or a comparison rather than a
# thing the documents must name: "how many years", "how many kgs", "how much older".
_MEASURES = frozenset(
    """money time times people percent percentage cost costs total number amount types type
    kinds kind sorts ways places place weight size length height width depth distance area
    population members years year months month weeks week days day hours hour minutes
    seconds decades centuries km kms kilometers kilometres miles mi meters metres m feet ft
    inches kg kgs kilograms grams pounds lb lbs tons tonnes litres liters gallons acres
    hectares degrees dollars euros older younger longer shorter higher lower bigger smaller
    larger greater faster slower further farther earlier later heavier lighter""".split()
)
# A capitalised word inside the question (not its first word): a name.
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][a-z][\w'’-]*)")


def unmentioned(
    question: str, passages: list[str], mentions, broad: bool, sources_mention=None
) -> str | None:
    """What the question names that the documents do not mention, or None.

    - a numbered name the index never holds (`mentions(phrase)` asks it);
    - for "how much / how many X", an X none of the retrieved `passages` holds;
    - for a broad question, drawn from several passages, a name none of them holds and
      the documents they come from never mention (`sources_mention(phrase)`; else the
      index): "like Finland or Germany?" is answered from an article on schooling that
      names Germany elsewhere, "about the Ukrainian border?" declined by an article on a
      summit that never names it, whatever other documents say.
    """
    sources_mention = sources_mention or mentions
    for m in _NUMBERED.finditer(question):
        name, number = m.groups()
        if name.lower() not in STOPWORDS | _NOT_NAMES and not mentions(f"{name} {number}"):
            return m.group(0)
    how_much = None if broad else _HOW_MUCH.search(question)
    if not (how_much or broad):
        return None
    held = {stem(w) for w in re.findall(r"\w+", " ".join(passages).lower())}
    if how_much:
        asked: list[str] = []
        for w in re.findall(r"[^\W\d_][\w'’]*", how_much.group(1).lower()):
            if w in STOPWORDS or (asked and w.endswith("ed")):
                break
            asked.append(w)
        asked = [w for w in asked if w not in _MEASURES]
        if asked and not any(stem(w) in held for w in asked):
            return " ".join(asked)
    if broad:
        for m in _NAME.finditer(question):
            name = re.sub(r"['’]s$", "", m.group(1))
            if not any(stem(w) in held for w in re.findall(r"\w+", name.lower())) and not (
                sources_mention(name)
            ):
                return name
    return None


# A question that asks for a sum of money ("how much did the licence cost?", "what was his
# salary?") is answered only by a sentence that names one: a currency sign or word. When
# none of the best AMOUNT_SENTENCES does, the passages are about the thing but not its
# price, and any answer would be another figure. `python bench/abstention.py` (the 44
# training articles, one file each): it declines 6 of the 35 near misses that nothing else
# declined; of the 11,877 SQuAD questions, the 107 it applies to are answerable, and it
# declines 4, each of which would have been answered wrongly ("one" for "$99").
AMOUNT_SENTENCES = 3
_ASKS_MONEY = re.compile(
    # "how much did … cost / earn / pay", not "how much of …" (a share)
    r"\bhow\s+much\s+(?!of\b)(?:[\w'’-]+\s+)*?(?:costs?|costing|price[sd]?|pay|paid|earn|earned"
    r"|earns|earnings|salary|salaries|worth|spend|spent|fees?|royalties|funding|revenue|budget"
    r"|income|money|gross\w*|charged?|sold|sell|raised?|donated?|wages?)\b"
    # "what was the launch price …", "what is Kanye West's net worth"
    r"|\bwhat(?:'s|’s|\s+(?:is|was|were|are|will\s+be|would\s+be))\s+"
    r"(?:(?:the|an?|his|her|its|their|(?:[\w.-]+\s+)?[\w.-]+(?:'s|’s))\s+)*(?:[\w-]+\s+){0,2}"
    r"(?:price|cost|salary|fee|net\s+worth|budget|revenue|income|wage|fare)s?\b",
    re.IGNORECASE,
)
# A currency, or a share ("14.21% of total revenue" answers "how much revenue…").
_AMOUNT = re.compile(
    r"[$£€¥₹%]|\bper\s?cent\b|\b(?:USD|GBP|EUR|dollars?|pounds?|quid|euros?|yen"
    r"|francs?|marks|rupees?|r[o]?ubles?|yuan|renminbi|pesos?|lire|lira|kronor|kroner|crowns"
    r"|guilders|florins|shillings|cents)\b",
    re.IGNORECASE,
)


def amount_missing(question: str, best: list[str]) -> bool:
    """True for a question that asks for a sum of money when none of `best` (the best
    AMOUNT_SENTENCES evidence sentences) names one."""
    return bool(_ASKS_MONEY.search(question)) and not any(
        _AMOUNT.search(s) for s in best[:AMOUNT_SENTENCES]
    )
