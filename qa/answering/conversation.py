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

    def standalone(self, question: str) -> str:
        """The follow-up rewritten with what it refers to, or the question unchanged."""
        if not self.turns or not is_follow_up(question):
            return question
        previous = self.turns[-1].standalone_question or self.turns[-1].question
        rewritten = None
        if self.llm.capabilities.condenses or self.chat_model is not None:
            rewritten = self._condense_with_model(question)
        return rewritten or rewrite_follow_up(question, previous)

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
        query = self.standalone(question)
        last = next((t for t in reversed(self.turns) if t.sources), None)
        answer = ask(
            query,
            self.index,
            self.embedder,
            self.llm,
            self.options,
            chat_model=self.chat_model,
            on_token=on_token,
            document=last.sources[0].path if last else None,  # "summarise the article"
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


def is_follow_up(question: str) -> bool:
    ws = words(question)
    if not ws:
        return False
    if _WHAT_ABOUT.match(question) or _AND_TOPIC.match(question) or _BARE_WH.match(question):
        return True
    if ws[0] in {"and", "also", "but", "so"}:
        return True
    return any(w in _PRONOUNS for w in ws) and len(content_words(question)) <= 3


def rewrite_follow_up(question: str, previous: str) -> str:
    """Rewrite without a model: 'and what about trade?' after 'what did India and Russia
    agree on defence?' becomes 'what did India and Russia agree on trade?', and 'why?'
    'why did India and Russia agree on defence?'."""
    prev = previous.strip().rstrip("?").strip()
    if bare := _BARE_WH.match(question):  # "why?" after "what did they agree on X?"
        return f"{bare.group('wh').lower()} {_LEADING_WH.sub('', prev, count=1)}?"
    m = _WHAT_ABOUT.match(question) or _AND_TOPIC.match(question)
    subject = [w for w in prev.split() if w[:1].isupper() and _bare(w) not in STOPWORDS]
    if m:
        topic = m.group("topic").strip().rstrip("?")
        tokens = prev.split()
        # Replace the previous question's trailing topic: its last content words after a
        # preposition ("agree on | defence", "the outcomes of | the summit"). Without one
        # there is no topic slot: "how many rifles will be made?" + "and trade?" is not
        # "how many rifles will be trade?".
        end = len(tokens)
        start = end
        while start > 0 and _bare(tokens[start - 1]) not in STOPWORDS and start > end - 3:
            start -= 1
        while start > 0 and _bare(tokens[start - 1]) in _DETERMINERS:
            start -= 1
        if start < end and start >= 3 and _bare(tokens[start - 1]) in _PREPOSITIONS:
            return " ".join(tokens[:start] + [topic]) + "?"
        return (
            f"what about {topic}"
            + (f" ({' '.join(dict.fromkeys(subject))})" if subject else "")
            + "?"
        )
    # Pronouns: keep the question and add the previous question's subject words.
    extra = " ".join(dict.fromkeys(subject or content_words(prev)))
    return f"{question.strip().rstrip('?')} ({extra})?"


def _bare(token: str) -> str:
    return re.sub(r"\W", "", token.lower())
