"""Prompt templates, loaded from `prompts/` when a command runs and checked."""

from __future__ import annotations

import re
import string
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from .config import prompts_dir
from .errors import QAError


class PromptError(QAError):
    """A prompt template is missing or malformed."""


_ROLES = {"system": "system", "user": "human", "assistant": "ai"}


@dataclass(frozen=True)
class Prompt:
    name: str
    turns: tuple[tuple[str, str], ...]  # (role, template), in order

    def variables(self) -> set[str]:
        fields = string.Formatter().parse("".join(t for _, t in self.turns))
        return {f for _, f, _, _ in fields if f}

    def messages(self, **values: str) -> list[tuple[str, str]]:
        missing = self.variables() - values.keys()
        if missing:
            raise PromptError(f"prompt {self.name!r} needs {', '.join(sorted(missing))}")
        return [(_ROLES[role], text.format(**values)) for role, text in self.turns]


_SECTION = re.compile(r"^\[(system|user|assistant)\]\s*$", re.MULTILINE)


def load_prompt(name: str, required: AbstractSet[str] = frozenset()) -> Prompt:
    path = prompts_dir() / f"{name}.txt"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"cannot read the prompt template {path} ({exc.strerror})") from exc
    body = "\n".join(line for line in raw.splitlines() if not line.startswith("#"))
    parts = _SECTION.split(body)
    turns = tuple(zip(parts[1::2], (p.strip() for p in parts[2::2])))
    if not turns or turns[-1][0] != "user":
        raise PromptError(f"prompt template {path} must end with a [user] section")
    prompt = Prompt(name, turns)
    if missing := required - prompt.variables():
        raise PromptError(
            f"prompt template {path} lacks {', '.join('{%s}' % m for m in sorted(missing))}"
        )
    return prompt
