"""Text as a terminal shows it: without control characters, and on one line where a
line break would break a row."""

from __future__ import annotations

import re

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
