"""Terminal output: progress, streamed answers, sources, tables, and the chat loop."""

from __future__ import annotations

import contextlib
import json
import sys
import textwrap

from rich.console import Console
from rich.markup import escape

from .text import clean, one_line, uncited

# soft_wrap: long lines are left to the terminal, so a path is never split mid-word
# (and a message piped to a file stays one line).
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def ingest_progress(enabled: bool = True):
    """A progress bar on a terminal; a no-op callback otherwise."""
    if not (enabled and err.is_terminal):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(current: str, done: int, total: int) -> None:
            name = clean(current)[-50:] if current else ""
            bar.update(task, completed=done, total=total, description=escape(name))

        yield update


@contextlib.contextmanager
def summary_progress(source: str, enabled: bool = True):
    """A bar over a long document's parts while a model summarises them."""
    if not (enabled and err.is_terminal):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(f"summarising {escape(clean(source)[-40:])}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


class _EvalProgress:
    def __init__(self, bar):
        self.bar = bar
        self.task = None

    def _update(self, label: str, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.bar.add_task(label, total=total)
        self.bar.update(self.task, description=label, completed=done, total=total)

    def ingest(self, current: str, done: int, total: int) -> None:
        self._update("indexing", done, total)

    def questions(self, done: int, total: int) -> None:
        self._update("questions", done, total)


@contextlib.contextmanager
def eval_progress(enabled: bool = True):
    if not (enabled and err.is_terminal):
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        yield _EvalProgress(bar)


def print_eval(result: dict) -> None:
    from rich.table import Table

    table = Table(
        title=f"qa eval: {result['questions']} questions, {result['documents']} documents, "
        f"{result['chunks']} chunks",
        show_header=True,
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    skip = {"questions", "documents", "chunks", "settings", "llm"}
    for key, value in result.items():
        if key in skip or value is None:
            continue
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    out.print(table)
    settings = ", ".join(f"{k}={v}" for k, v in result["settings"].items())
    out.print(
        f"settings: {settings}" + (f", llm={result['llm']}" if "llm" in result else ""),
        markup=False,
    )


def print_ingest_report(report) -> None:
    parts = [
        f"{report.files} files",
        f"{report.added} added",
        f"{report.updated} updated",
        f"{report.unchanged} unchanged",
        f"{report.removed} removed",
        f"{report.skipped} skipped",
        f"{report.chunks_added} chunks added",
        f"{report.chunks_removed} removed",
    ]
    out.print("indexed: " + ", ".join(parts) + f" in {report.seconds:.1f}s")
    for skip in report.skipped_files:
        err.print(f"skipped {one_line(skip['path'])}: {clean(skip['reason'])}", markup=False)
    for note in report.notes:
        err.print(f"note {one_line(note['path'])}: {clean(note['note'])}", markup=False)


class AnswerStream:
    """Shows tokens as they arrive, then replaces them with the checked, cited answer."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.text = ""
        self._live = None

    def __enter__(self):
        if self.enabled:
            from rich.live import Live
            from rich.text import Text

            # A console that wraps (the shared one soft-wraps, which Live would crop).
            # Until the first word comes, say what is happening (a slow server is visible).
            self._live = Live(
                Text("waiting for the model…", style="dim"),
                console=Console(highlight=False),
                refresh_per_second=15,
                transient=False,
            )
            self._live.__enter__()
        return self

    def on_token(self, token: str) -> None:
        self.text += token
        if self._live is not None:
            from rich.text import Text

            self._live.update(Text(clean(self.text)))

    def finish(self, final: str) -> None:
        if self._live is not None:
            from rich.text import Text

            self._live.update(Text(clean(final)))

    def __exit__(self, *exc):
        if self._live is not None:
            self._live.__exit__(*exc)
        return False


def print_answer(answer, streamed: bool = False) -> None:
    if not streamed:
        out.print(_highlighted(clean(answer.answer), answer.highlight and clean(answer.highlight)))
    if answer.sources:
        out.print()
        out.print("[bold]Sources[/bold]")
        print_sources(answer.sources, _focus(answer))


def _highlighted(text: str, phrase: str | None):
    """The answer, with the phrase the bundled model points at in bold (on a terminal;
    piped output is plain text)."""
    from rich.text import Text

    shown = Text(text)
    at = text.find(phrase) if phrase else -1
    if at >= 0:
        shown.stylize("bold", at, at + len(phrase))
    return shown


def excerpt(quote: str, focus: str | None = None, width: int = 160) -> str:
    """`quote` shortened to `width` characters, keeping `focus` (an answer quoted from it)
    in view: a phrase from the end of a long sentence is shown with the words before it."""
    at = quote.find(focus) if focus else -1
    if at < 0 or at + len(focus) <= width - 2:
        return textwrap.shorten(quote, width=width, placeholder=" …")
    # Start late enough for the focus to end in view, with up to 40 characters before it.
    begin = min(at, max(at + len(focus) - (width - 4), at - 40))
    begin = quote.rfind(" ", 0, begin) + 1 if begin > 0 else 0
    lead = "… " if begin else ""
    return lead + textwrap.shorten(quote[begin:], width=width - len(lead), placeholder=" …")


def _focus(answer) -> str | None:
    if answer.highlight:
        return answer.highlight
    return uncited(answer.answer) if answer.answer_from == "span" else None


def print_sources(sources, focus: str | None = None) -> None:
    for s in sources:
        quote = excerpt(clean(s.quote), focus and clean(focus))
        where = one_line(s.citation or f"{s.source} (chunk {s.chunk})")
        out.print(f"[{s.n}] {where}{f' ({s.date})' if s.date else ''}", markup=False)
        out.print(f"    “{quote}”", markup=False)


def print_hits(hits) -> None:
    if not hits:
        out.print("no matching passages")
        return
    from .formats import cite

    for h in hits:
        date = f" ({h.date})" if h.date else ""
        out.print(
            f"{h.rank}. {one_line(cite(h.source, h.location, h.chunk))}{date}  score {h.score:.4f}",
            markup=False,
        )
        text = textwrap.shorten(clean(h.text), width=300, placeholder=" …")
        out.print("    " + text, markup=False)


def print_vimgrep(hits) -> None:
    """`path:line:column:text`, one line a passage, as grep -n and ripgrep --vimgrep print
    it, so an editor's quickfix list (vim, Emacs, VS Code) opens each at its place."""
    for h in hits:
        line = (h.location or {}).get("line_start") or 1
        text = " ".join(clean(h.text).split())
        out.print(f"{one_line(h.path)}:{line}:1:{text[:200]}", markup=False)


def print_status(info: dict) -> None:
    out.print(f"index:     {clean(info['index'])}", markup=False)
    out.print(f"documents: {info['documents']}")
    out.print(f"chunks:    {info['chunks']}")
    s = info.get("settings") or {}
    if s:
        out.print(
            f"embedding: {clean(str(s.get('embedding_model')))} "
            f"({s.get('embedding_dim')} dimensions)",
            markup=False,
        )
        out.print(f"chunking:  {s.get('chunk_size')} characters, {s.get('chunk_overlap')} overlap")
    if "consistency" in info:
        c = info["consistency"]
        state = "consistent" if c["ok"] else f"NOT consistent: {c.get('advice', '')}"
        out.print(
            f"check:     {state} ({c['chunks']} chunks, {c['fts_rows']} full-text rows, "
            f"{c['vectors']} vectors, {c['pending']} unfinished writes)",
            markup=False,
        )
    for d in info.get("document_list", []):
        date = f"  {d['date']}" if d.get("date") else ""
        out.print(f"  {one_line(d['source'])}  {d['chunks']} chunks{date}", markup=False)


CHAT_HELP = """Ask a question, or follow up on the last answer ("and what about trade?").
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

        try:
            history = FileHistory(str(history_file()))
        except OSError:
            history = InMemoryHistory()
        session = PromptSession(history=history)
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
    from .config import MAX_QUESTION_CHARS
    from .errors import UsageError

    if len(text) > MAX_QUESTION_CHARS:
        raise UsageError(
            f"the question is {len(text):,} characters long; "
            f"at most {MAX_QUESTION_CHARS:,} are read"
        )
    return text


def run_chat(conversation, json_out: bool = False) -> int:
    """The chat loop; returns the exit code: 1 when questions were asked and every one
    failed (a script piping questions in learns that nothing was answered), else 0."""
    from .errors import QAError

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
                command = text.split()[0].lower()
                if command in ("/exit", "/quit"):
                    break
                if command == "/reset":
                    conversation.reset()
                    err.print("conversation cleared")
                elif command == "/sources":
                    if conversation.turns and conversation.turns[-1].sources:
                        print_sources(
                            conversation.turns[-1].sources, _focus(conversation.turns[-1])
                        )
                    else:
                        err.print("no sources yet")
                elif command == "/help":
                    out.print(CHAT_HELP, markup=False)
                else:
                    err.print(f"unknown command {clean(command)}; /help lists them", markup=False)
                continue
            asked += 1
            try:
                text = _chat_text(text)
                standalone = conversation.standalone(text)
                if standalone != text and not json_out:
                    err.print(f"[dim]searching: {escape(clean(standalone))}[/dim]")
                stream = AnswerStream(enabled=interactive)
                with stream:
                    answer = conversation.ask(
                        text, on_token=stream.on_token if interactive else None
                    )
                    stream.finish(answer.answer)
            except QAError as exc:
                err.print(f"qa: error: {clean(str(exc))}", markup=False)
                failed += 1
                continue
            except KeyboardInterrupt:  # Ctrl-C while answering: drop that answer, keep chatting
                err.print("(cancelled)")
                continue
            if json_out:
                out.print(json.dumps(answer.to_dict(), ensure_ascii=False), markup=False)
            else:
                print_answer(answer, streamed=interactive)
                out.print()
    except KeyboardInterrupt:
        pass
    return 1 if asked and failed == asked else 0
