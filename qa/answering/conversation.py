"""A conversation: follow-ups rewritten into standalone questions, then answered by `ask`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..index import Index
from ..llms import LLMSpec, make_chat_model
from ..prompts import load_prompt
from ..text import STOPWORDS, content_words, words
from .options import AskOptions
from .pipeline import ask
from .records import Answer

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

_PRONOUNS = {
    "it",
    "its",
    "they",
    "them",
    "their",
    "this",
    "that",
    "these",
    "those",
    "he",
    "she",
    "him",
    "her",
    "his",
    "hers",
    "there",
    "then",
    "both",
}
_WHAT_ABOUT = re.compile(
    r"^\s*(?:and|but|so|also)?\s*(?:what|how)\s+about\s+(?P<topic>.+?)\s*\??\s*$", re.IGNORECASE
)
_PREPOSITIONS = frozenset(
    "on about in for of regarding concerning with to into over from between against "
    "towards toward around during under within at".split()
)
_DETERMINERS = frozenset("the a an its their his her this that these those".split())
_AND_TOPIC = re.compile(r"^\s*(?:and|also)\s+(?P<topic>[^?]+?)\s*\??\s*$", re.IGNORECASE)


@dataclass
class Conversation:
    """State of one chat: the questions asked (standalone) and the answers given."""

    index: Index
    embedder: Embeddings
    llm: LLMSpec
    options: AskOptions = field(default_factory=AskOptions)
    chat_model: BaseChatModel | None = None  # overrides `llm` (tests pass a fake one)
    turns: list[Answer] = field(default_factory=list)

    def reset(self) -> None:
        self.turns.clear()

    def _last_answered(self) -> Answer | None:
        return next((t for t in reversed(self.turns) if t.sources), None)

    def standalone(self, question: str) -> str:
        """The follow-up rewritten with what it refers to, or the question unchanged;
        after "tell me more", the last question again (after "who is X?", X)."""
        answered = self._last_answered()
        if answered is not None and asks_for_more(question):
            return named_person(answered) or answered.standalone_question or answered.question
        if not self.turns or not is_follow_up(question):
            return question
        last = self.turns[-1]
        previous = last.standalone_question or last.question
        rewritten = None
        if self.llm.capabilities.condenses or self.chat_model is not None:
            rewritten = self._condense_with_model(question)
        person = named_person(last) or named_person_in(previous)
        return rewritten or rewrite_follow_up(question, previous, person)

    def _condense_with_model(self, question: str) -> str | None:
        model = self.chat_model if self.chat_model is not None else make_chat_model(self.llm)
        history = "\n".join(
            f"User: {t.standalone_question or t.question}\nAssistant: {t.answer}"
            for t in self.turns[-3:]
        )
        prompt = load_prompt("condense", {"history", "question"})
        try:
            out = str(model.invoke(prompt.messages(history=history, question=question)).content)
        except Exception:
            return None
        out = out.strip().splitlines()[0].strip() if out.strip() else ""
        # The rewrite must keep what the user asked about now, or it is not trusted.
        new_words = set(content_words(question)) - _PRONOUNS
        if not out or not new_words <= set(words(out)):
            return None
        return out

    def ask(self, question: str, on_token=None) -> Answer:
        last = self._last_answered()
        query = self.standalone(question)
        shown: set[str] = set()
        if last is not None and asks_for_more(question):
            # What was shown for this question so far (several "more"s in a row), and
            # for the question it continues: the answer goes on from the rest.
            for turn in reversed(self.turns):
                shown.update(e.text for e in turn.evidence)
                if (turn.standalone_question or turn.question) != query:
                    break
        answer = ask(
            query,
            self.index,
            self.embedder,
            self.llm,
            self.options,
            chat_model=self.chat_model,
            on_token=on_token,
            document=last.sources[0].path if last else None,  # "summarise the article"
            exclude=shown,
        )
        answer.question = question
        answer.standalone_question = query
        self.turns.append(answer)
        return answer


# A follow-up that is a question word alone: "why?", "and how?", "when?".
_BARE_WH = re.compile(
    r"^\s*(?:and|but|so)?\s*(?P<wh>why|how|when|where|who|what|which)\s*\??\s*$", re.I
)
_LEADING_WH = re.compile(
    r"^\s*(?:why|how(?:\s+(?:many|much|long|often|far))?|when|where|who|whom|whose|what|which)"
    r"\b\s*",
    re.I,
)


# "tell me more", "go on", "anything else?", "more details please": the last answer, continued.
_MORE = re.compile(
    r"^\s*(?:(?:and|so|ok(?:ay)?|please|can\s+you|could\s+you)[\s,]+)*"
    r"(?:tell\s+me\s+more|say\s+more|more|go\s+on|continue|keep\s+going|elaborate|"
    r"expand(?:\s+on\s+(?:that|this|it))?|anything\s+else|what\s+else|more\s+details?)"
    r"(?:\s+(?:about|on)\s+(?:that|this|it|those|these|them))?"
    r"(?:\s+(?:is\s+there|does\s+it\s+say|please))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def asks_for_more(question: str) -> bool:
    """A follow-up that asks to continue the last answer ("tell me more", "go on")."""
    return _MORE.match(question) is not None


def is_follow_up(question: str) -> bool:
    ws = words(question)
    if not ws:
        return False
    if _WHAT_ABOUT.match(question) or _AND_TOPIC.match(question) or _BARE_WH.match(question):
        return True
    if ws[0] in {"and", "also", "but", "so"}:
        return True
    return any(w in _PRONOUNS for w in ws) and len(content_words(question)) <= 3


def rewrite_follow_up(question: str, previous: str, person: str | None = None) -> str:
    """Rewrite without a model: 'and what about trade?' after 'what did India and Russia
    agree on defence?' becomes 'what did India and Russia agree on trade?', 'why?'
    'why did India and Russia agree on defence?', 'where did he go?' after the answer
    named `person` 'where did Vladimir Putin go?', and 'what about its history?' after
    'tell me about Plymouth' 'tell me about Plymouth's history?'."""
    prev = previous.strip().rstrip("?").strip()
    if person and (replaced := _replace_person(question, person)):
        return replaced
    # A previous follow-up carries its subject in brackets: "where was he born (Chopin)?"
    carried = re.match(r"^(?P<q>.*?)\s*\((?P<s>[^()]+)\)$", prev)
    if carried:
        prev = carried.group("q")
    if bare := _BARE_WH.match(question):  # "why?" after "what did they agree on X?"
        return f"{bare.group('wh').lower()} {_LEADING_WH.sub('', prev, count=1)}?"
    subject = list(
        dict.fromkeys((carried.group("s").split() if carried else []) + _names(prev.split()[1:]))
    )
    m = _WHAT_ABOUT.match(question) or _AND_TOPIC.match(question)
    if m:
        topic = m.group("topic").strip().rstrip("?")
        if subject and _POSSESSIVE.search(topic):  # "what about its history?": the subject's
            whose = f"{' and '.join(subject)}'s"
            return f"tell me about {_POSSESSIVE.sub(whose, topic, count=1)}?"
        tokens = prev.split()
        # Replace the previous question's trailing topic: its last content words after a
        # preposition ("agree on | defence", "the outcomes of | the summit"). Without one
        # there is no topic slot: "how many rifles will be made?" + "and trade?" is not
        # "how many rifles will be trade?"; nor after a request about a whole document.
        end = len(tokens)
        start = end
        while start > 0 and _bare(tokens[start - 1]) not in STOPWORDS and start > end - 3:
            start -= 1
        while start > 0 and _bare(tokens[start - 1]) in _DETERMINERS:
            start -= 1
        slot = start < end and start >= 3 and _bare(tokens[start - 1]) in _PREPOSITIONS
        if slot and not _SUMMARY.match(prev):
            # Names in the replaced words stay: "tell me about Plymouth" + "and the navy?"
            kept = [n for n in _names(tokens[start:]) if n.lower() not in topic.lower()]
            return (
                " ".join(tokens[:start] + [topic]) + (f" ({' '.join(kept)})" if kept else "") + "?"
            )
        rest = [n for n in subject if n.lower() not in topic.lower()]
        return f"what about {topic}" + (f" ({' '.join(rest)})" if rest else "") + "?"
    # Pronouns: keep the question and add the previous question's subject words.
    extra = " ".join(subject or dict.fromkeys(content_words(prev)))
    return f"{question.strip().rstrip('?')} ({extra})?"


_POSSESSIVE = re.compile(r"\b(?:its|their)\b", re.I)
_SUMMARY = re.compile(r"^\s*(?:summari[sz]e|sum\s+up|give\s+me\s+a\s+summary)\b", re.I)


def _names(tokens: list[str]) -> list[str]:
    """The capitalised words among `tokens`, less stop words and brackets."""
    out = []
    for t in tokens:
        w = re.sub(r"(?:['’]s)?[^\w-]*$", "", t.strip("(\"'“‘"))
        if w[:1].isupper() and _bare(w) not in STOPWORDS:
            out.append(w)
    return out


def _bare(token: str) -> str:
    return re.sub(r"\W", "", token.lower())


# "he", "his" in a follow-up: the person the conversation is about, when there is one.
_PERSON_PRONOUN = re.compile(r"\b(?:he|she|him|his|her|hers)\b", re.I)
# Words that stand before a person's name and are not part of it.
_TITLES = frozenset(
    """mr mrs ms dr sir dame lord lady president vice prime minister secretary chancellor
    governor senator general king queen prince princess emperor empress pope saint st
    professor judge justice chairman chairwoman chief ambassador premier""".split()
)
# A run of capitalised words ("President Vladimir Putin", "Mr Putin’s").
_CAPITALISED_RUN = re.compile(r"[A-Z][\w.-]*(?:['’]s)?(?:\s+[A-Z][\w.-]*(?:['’]s)?)*")
_WHO = re.compile(r"^\s*(?:and\s+|so\s+)?(?:who|whom)\b", re.I)


def _people(text: str, asked: set[str]) -> list[tuple[int, str]]:
    """The names of people in `text` (two or more capitalised words after any titles),
    each with how it is introduced: 2 by words of the question ("prime minister" for
    "who is the prime minister?"), 1 by a title ("President"), 0 by neither."""
    out = []
    for m in _CAPITALISED_RUN.finditer(text):
        run = [re.sub(r"['’]s$", "", w).rstrip(".") for w in m.group(0).split()]
        before = {_bare(w) for w in text[: m.start()].split()[-2:]}
        while run and _bare(run[0]) in _TITLES | asked | STOPWORDS:
            before.add(_bare(run.pop(0)))
        if len(run) >= 2 and not any(_bare(w) in asked | STOPWORDS for w in run):
            out.append(
                (2 if before & asked - STOPWORDS else 1 if before & _TITLES else 0, " ".join(run))
            )
    return out


def named_person(answer: Answer) -> str | None:
    """The person a "who" question's answer names: its highlight when that is a name,
    else the name its first sentence introduces with the question's own words, or with a
    title ("Prime Minister Narendra Modi" for "who is the Indian prime minister?")."""
    if answer.abstained or not _WHO.match(answer.standalone_question or answer.question):
        return None
    asked = {_bare(w) for w in words(answer.standalone_question or answer.question)}
    if answer.highlight and (found := _people(answer.highlight, asked)):
        return found[0][1]
    text = answer.evidence[0].text if answer.evidence else answer.answer
    found = _people(text, asked)
    return max(found, key=lambda f: f[0])[1] if found else None


def named_person_in(question: str) -> str | None:
    """The one person a question names ("where did Vladimir Putin go?"), if one."""
    found = {name for _, name in _people(question, set())}
    return found.pop() if len(found) == 1 else None


def _replace_person(question: str, person: str) -> str | None:
    """`question` with its first "he", "his"… replaced by `person`, or None."""
    m = _PERSON_PRONOUN.search(question)
    if not m:
        return None
    word = m.group(0).lower()
    after = [_bare(w) for w in question[m.end() :].split()[:1]]
    possessive = word in ("his", "hers") or (
        word == "her" and after not in ([], [""]) and after[0] not in STOPWORDS
    )
    return question[: m.start()] + (f"{person}'s" if possessive else person) + question[m.end() :]
