"""From a question to a cited answer, in stages:

- `intent`: what the question asks for (a fact, an overview, a whole document);
- `pipeline`: `ask` retrieves, scores the passages' sentences, declines or routes by kind;
- `spans`, `extractive`: answers quoted from the documents (a span, several sentences);
- `generate`, `writer`: a capable model writes, checked sentence by sentence (`grounding`);
- `summary`: a whole document, extractive or map-reduce;
- `abstention`, `safety`: when to decline, and text that addresses an assistant;
- `records`, `citations`: the Answer and its sources, and the "[1]" marks;
- `options`: how to answer, as one object; `conversation`: follow-ups in a chat.
"""

from .conversation import Conversation
from .options import DEFAULT_MIN_SCORE, AskOptions
from .pipeline import ask
from .records import NOT_FOUND, Answer, AnswerFrom, Evidence, Source
from .summary import find_documents, summarize

__all__ = [
    "DEFAULT_MIN_SCORE",
    "NOT_FOUND",
    "Answer",
    "AnswerFrom",
    "AskOptions",
    "Conversation",
    "Evidence",
    "Source",
    "ask",
    "find_documents",
    "summarize",
]
