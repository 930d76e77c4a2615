"""Calling a chat model: which model writes an answer, the call itself (streamed when asked),
and its reply cleaned. A failed call is one line naming the server, never a traceback."""

from __future__ import annotations

import re

from ..errors import QAError
from ..llms import LLMSpec, connection_error, make_chat_model


def writer_model(spec: LLMSpec, chat_model=None):
    """The model that writes whole answers, or None when there is none: a capable
    backend (ollama:, openai:), or a chat model passed in that is not the small bundled
    one (tests pass a fake one)."""
    if spec.writes or (chat_model is not None and not spec.small):
        return chat_model if chat_model is not None else make_chat_model(spec)
    return None


def pointer_model(spec: LLMSpec, chat_model=None):
    """The small bundled model that points at a phrase of the evidence, or None."""
    if spec.small or chat_model is not None:
        return chat_model if chat_model is not None else make_chat_model(spec)
    return None


def generate(model, messages, spec: LLMSpec, on_token) -> str:
    parts: list[str] = []
    try:
        if on_token is None:
            return str(model.invoke(messages).content)
        for chunk in model.stream(messages):
            token = chunk.content if isinstance(chunk.content, str) else ""
            if token:
                parts.append(token)
                on_token(token)
        return "".join(parts)
    except QAError:
        raise
    except Exception as exc:
        raise connection_error(spec, exc) from exc


def clean_reply(raw: str) -> str:
    text = raw.strip()
    text = re.sub(r"^(?:answer|a)\s*:\s*", "", text, flags=re.IGNORECASE)
    text = text.split("\n\n")[0].strip()
    return text
