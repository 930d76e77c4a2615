"""Terminal output: progress, streamed answers, sources, hits, tables and status."""

from __future__ import annotations

import contextlib
import textwrap

from rich.console import Console
from rich.markup import escape

from ..terminal import clean, one_line

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


def print_changes(report, message: str | None = None) -> None:
    """What a watched sync changed, a line each, on stderr (stdout stays for --json)."""
    if message:
        err.print(f"qa: {message}", markup=False)
    if report is None:
        return
    for line in report.changes:
        err.print(f"qa: {one_line(line)}", markup=False)
    for skip in report.skipped_files:
        err.print(f"qa: skipped {one_line(skip['path'])}: {skip['reason']}", markup=False)


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

    def finish(self, final: str, highlight: str | None = None) -> None:
        """Show the answer as it stands, its answering phrase in bold (as `print_answer`)."""
        if self._live is not None:
            self._live.update(_highlighted(clean(final), highlight and clean(highlight)))

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
        # An answer made of the documents' own sentences already shows what each source
        # says; the quotes are for a model's words (and for /sources in chat)
        print_sources(answer.sources, answer.highlight, quotes=answer.answer_from == "model")


def _highlighted(text: str, phrase: str | None):
    """The answer, with the phrase that answers (`Answer.highlight`) in bold (on a terminal;
    piped output is plain text)."""
    from rich.text import Text

    shown = Text(text)
    at = text.find(phrase) if phrase else -1
    if phrase and at >= 0:
        shown.stylize("bold", at, at + len(phrase))
    return shown


def excerpt(quote: str, focus: str | None = None, width: int = 160) -> str:
    """`quote` shortened to `width` characters, keeping `focus` (an answer quoted from it)
    in view: a phrase from the end of a long sentence is shown with the words before it."""
    at = quote.find(focus) if focus else -1
    if not focus or at < 0 or at + len(focus) <= width - 2:
        return textwrap.shorten(quote, width=width, placeholder=" …")
    # Start late enough for the focus to end in view, with up to 40 characters before it.
    begin = min(at, max(at + len(focus) - (width - 4), at - 40))
    begin = quote.rfind(" ", 0, begin) + 1 if begin > 0 else 0
    lead = "… " if begin else ""
    return lead + textwrap.shorten(quote[begin:], width=width - len(lead), placeholder=" …")


def print_sources(sources, focus: str | None = None, quotes: bool = True) -> None:
    for s in sources:
        where = one_line(s.citation or f"{s.source} (chunk {s.chunk})")
        out.print(f"[{s.n}] {where}{f' ({s.date})' if s.date else ''}", markup=False)
        if quotes:
            out.print(f"    “{excerpt(clean(s.quote), focus and clean(focus))}”", markup=False)


def print_hits(hits) -> None:
    if not hits:
        out.print("no matching passages")
        return
    for h in hits:
        date = f" ({h.date})" if h.date else ""
        relevance = f"  relevance {h.relevance:.2f}" if h.relevance is not None else ""
        out.print(
            f"{h.rank}. {one_line(h.citation())}{date}  score {h.score:.4f}{relevance}",
            markup=False,
        )
        text = textwrap.shorten(clean(h.text), width=300, placeholder=" …")
        out.print("    " + text, markup=False)


def print_vimgrep(hits) -> None:
    """`path:line:column:text`, one line a passage, as grep -n and ripgrep --vimgrep print
    it, so an editor's quickfix list (vim, Emacs, VS Code) opens each at its place."""
    for h in hits:
        line = (h.location.line_start if h.location else None) or 1
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
