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

import importlib
from typing import TYPE_CHECKING, Any

# What `from qa.answering import X` gives, and the module that holds it. They are loaded
# on first use, so a module that needs one stage (the CLI's printing needs `citations`)
# does not pay for every stage's imports.
_EXPORTS = {
    "ask": "pipeline",
    "Conversation": "conversation",
    "AskOptions": "options",
    "DEFAULT_MIN_SCORE": "options",
    "NOT_FOUND": "records",
    "Answer": "records",
    "AnswerFrom": "records",
    "Evidence": "records",
    "Source": "records",
    "find_documents": "summary",
    "summarize": "summary",
}
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


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'qa.answering' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


if TYPE_CHECKING:
    from .conversation import Conversation
    from .options import DEFAULT_MIN_SCORE, AskOptions
    from .pipeline import ask
    from .records import NOT_FOUND, Answer, AnswerFrom, Evidence, Source
    from .summary import find_documents, summarize
