"""Prompt templates, loaded from `prompts/` when a command runs and checked."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from .config import prompts_dir
from .errors import QAError


class PromptError(QAError):
    """A prompt template is missing or malformed."""


@dataclass(frozen=True)
class Prompt:
    name: str
    system: str
    user: str

    def variables(self) -> set[str]:
        fields = string.Formatter().parse(self.system + self.user)
        return {f for _, f, _, _ in fields if f}

    def messages(self, **values: str) -> list[tuple[str, str]]:
        missing = self.variables() - values.keys()
        if missing:
            raise PromptError(f"prompt {self.name!r} needs {', '.join(sorted(missing))}")
        out = []
        if self.system:
            out.append(("system", self.system.format(**values)))
        out.append(("human", self.user.format(**values)))
        return out


_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)


def load_prompt(name: str, required: set[str] = frozenset()) -> Prompt:
    path = prompts_dir() / f"{name}.txt"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"cannot read the prompt template {path} ({exc.strerror})") from exc
    body = "\n".join(line for line in raw.splitlines() if not line.startswith("#"))
    parts = _SECTION.split(body)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2])))
    if "user" not in sections:
        raise PromptError(f"prompt template {path} has no [user] section")
    prompt = Prompt(name, sections.get("system", ""), sections["user"])
    if missing := required - prompt.variables():
        raise PromptError(f"prompt template {path} lacks {', '.join('{%s}' % m for m in sorted(missing))}")
    return prompt
