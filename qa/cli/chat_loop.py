"""`qa chat` in the terminal: line editing and history, commands (/sources, /reset…),
piped questions, and each answer printed as it comes."""

from __future__ import annotations

import json
import sys

from rich.markup import escape

from ..terminal import clean
from .show import AnswerStream, err, out, print_answer, print_sources

CHAT_HELP = """Ask a question, or follow up on the last answer ("and what about trade?",
"why?", "where did he go?"); "tell me more" goes on from where the last answer stopped.
  /sources  show the sources of the last answer
  /reset    forget the conversation
  /help     this text
  /exit     leave (Ctrl-D works too)"""


def history_file():
    """The chat history: `$XDG_DATA_HOME/qa/chat_history` (default ~/.local/share), readable
    by its owner only, as questions about private documents are private too."""
    import os
    from pathlib import Path

    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    path = base / "qa" / "chat_history"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)  # one written by an earlier version was world-readable
    return path


def _read_lines(interactive: bool):
    if interactive:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory

        history: FileHistory | InMemoryHistory
        try:
            history = FileHistory(str(history_file()))
        except OSError:
            history = InMemoryHistory()
        session: PromptSession[str] = PromptSession(history=history)
        while True:
            try:
                yield session.prompt("qa> ")
            except KeyboardInterrupt:
                continue  # Ctrl-C clears the line, as in a shell
            except EOFError:
                return
    else:
        for line in sys.stdin.buffer:  # bytes: a line that is not UTF-8 must not end the chat
            yield _decode(line.rstrip(b"\r\n"))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _chat_text(text: str) -> str:
    from ..config import MAX_QUESTION_CHARS
    from ..errors import UsageError

    if len(text) > MAX_QUESTION_CHARS:
        raise UsageError(
            f"the question is {len(text):,} characters long; "
            f"at most {MAX_QUESTION_CHARS:,} are read"
        )
    return text


def run_chat(conversation, json_out: bool = False) -> int:
    """The chat loop; returns the exit code: 1 when questions were asked and every one
    failed (a script piping questions in learns that nothing was answered), else 0."""
    asked = failed = 0
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not json_out
    if interactive:
        out.print("qa chat: ask about your documents. /help for commands, Ctrl-D to leave.")
    try:
        for line in _read_lines(interactive):
            text = line.strip()
            if not text:
                continue
            if text.startswith("/"):
                if not _command(text.split()[0].lower(), conversation):
                    break
                continue
            asked += 1
            failed += not _answer(text, conversation, interactive, json_out)
    except KeyboardInterrupt:
        pass
    return 1 if asked and failed == asked else 0


def _command(command: str, conversation) -> bool:
    """Carry out a /command; False when it ends the chat."""
    if command in ("/exit", "/quit"):
        return False
    if command == "/reset":
        conversation.reset()
        err.print("conversation cleared")
    elif command == "/sources":
        last = conversation.turns[-1] if conversation.turns else None
        if last is not None and last.sources:
            print_sources(last.sources, last.highlight)
        else:
            err.print("no sources yet")
    elif command == "/help":
        out.print(CHAT_HELP, markup=False)
    else:
        err.print(f"unknown command {clean(command)}; /help lists them", markup=False)
    return True


def _answer(text: str, conversation, interactive: bool, json_out: bool) -> bool:
    """Answer one question and print it; False when it failed with an error."""
    from ..errors import QAError

    try:
        text = _chat_text(text)
        standalone = conversation.standalone(text)
        if standalone != text and not json_out:
            err.print(f"[dim]searching: {escape(clean(standalone))}[/dim]")
        stream = AnswerStream(enabled=interactive)
        with stream:
            answer = conversation.ask(text, on_token=stream.on_token if interactive else None)
            stream.finish(answer.answer, answer.highlight)
    except QAError as exc:
        err.print(f"qa: error: {clean(str(exc))}", markup=False)
        return False
    except KeyboardInterrupt:  # Ctrl-C while answering: drop that answer, keep chatting
        err.print("(cancelled)")
        return True
    if json_out:
        out.print(json.dumps(answer.to_dict(), ensure_ascii=False), markup=False)
    else:
        print_answer(answer, streamed=interactive)
        out.print()
    return True
