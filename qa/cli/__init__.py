"""The `qa` command line: parse options, call one library function, print the result.

Heavy libraries (torch, chromadb, llama-cpp) are imported inside the commands that use
them, so `qa --help` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from .. import __version__
from ..config import DATE_FORMATS, Retriever
from ..errors import QAError, UsageError, from_environment
from ..terminal import clean


class _Group(TyperGroup):
    """Turns library errors into one line on stderr and an exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Usage errors (a bad option value, a missing argument) in one line, not a box."""
        try:
            from typer._click.exceptions import ClickException  # typer vendors click
        except ImportError:  # pragma: no cover - older typer
            from click import ClickException

        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0  # an exit code, when a command exited
        except ClickException as exc:
            where = exc.ctx.command_path if getattr(exc, "ctx", None) else "qa"
            message = " ".join(exc.format_message().split())
            typer.echo(f"qa: error: {clean(message)} (see `{where} --help`)", err=True)
            code = exc.exit_code
        except typer.Abort:
            typer.echo("qa: interrupted", err=True)
            code = 130
        if standalone_mode:
            sys.exit(code)
        return code

    def invoke(self, ctx):  # a click Context (typer vendors click)
        try:
            return super().invoke(ctx)
        except QAError as exc:
            if os.environ.get("QA_DEBUG") == "1":
                raise
            typer.echo(f"qa: error: {clean(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            typer.echo("qa: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:  # `qa ... | head`: the reader left; nothing to report
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit
            ctx.exit(141)
        except Exception as exc:  # a bug: say so in one line, traceback on request
            if os.environ.get("QA_DEBUG") == "1" or type(exc).__module__.startswith(
                ("click", "typer")
            ):
                raise  # usage errors and exits are click's to report
            known = from_environment(exc)  # a full disk, a damaged file, a server gone
            if known is not None:
                typer.echo(f"qa: error: {clean(str(known))}", err=True)
                ctx.exit(known.exit_code)
            typer.echo(
                f"qa: unexpected error: {type(exc).__name__}: {clean(str(exc))} "
                f"(set QA_DEBUG=1 for the traceback)",
                err=True,
            )
            ctx.exit(1)


app = typer.Typer(
    cls=_Group,
    help="Ask questions of your own documents, with cited answers from a local model.\n\n"
    'Start with `qa ingest PATH`, then `qa ask "QUESTION"` or `qa chat`.',
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

IndexOpt = Annotated[
    str | None,
    typer.Option(
        "--index",
        envvar="QA_INDEX",
        help="Index directory [env QA_INDEX; default: index/ in the project]. "
        "With --chroma-url: the local replica's folder.",
    ),
]
ChromaOpt = Annotated[
    str | None,
    typer.Option(
        "--chroma-url",
        envvar="QA_CHROMA_URL",
        help="Use a Chroma server (http://HOST:PORT) for vectors [env QA_CHROMA_URL].",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", metavar="", help="Print JSON instead of text.")]
KOpt = Annotated[int, typer.Option("-k", min=1, max=50, help="How many passages to retrieve.")]
LLMOpt = Annotated[
    str | None,
    typer.Option(
        "--llm",
        envvar="QA_LLM",
        show_default=False,
        help="local | extractive | ollama:MODEL | openai:MODEL [env QA_LLM; default: as "
        "`qa config` sets, else local]. `qa models` lists them.",
    ),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Server URL for ollama:/openai: "
        "(defaults: OLLAMA_HOST or http://localhost:11434; OPENAI_BASE_URL).",
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        envvar="QA_LLM_TIMEOUT",
        show_default=False,
        help="Seconds an ollama:/openai: server may take to answer [env QA_LLM_TIMEOUT; "
        "default: 60].",
    ),
]
RetrieverOpt = Annotated[
    Retriever, typer.Option("--retriever", help="How passages are found.", case_sensitive=False)
]
SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source", help="Only documents whose source matches this glob, e.g. 'seeds/*.txt'."
    ),
]
SinceOpt = Annotated[
    datetime | None,
    typer.Option(
        "--since", formats=DATE_FORMATS, help="Only documents dated on or after this day."
    ),
]
UntilOpt = Annotated[
    datetime | None,
    typer.Option(
        "--until", formats=DATE_FORMATS, help="Only documents dated on or before this day."
    ),
]
LockOpt = Annotated[float, typer.Option(help="Seconds to wait for another writer.")]


RerankOpt = Annotated[
    bool | None,
    typer.Option(
        "--rerank/--no-rerank",
        show_default=False,
        help="Read the best passages with the relevance model qa trains, which weighs in "
        "on their order [env QA_RERANK=1; default: off, not yet better on validation].",
    ),
]


def _unit_interval(value: float | None) -> float | None:
    if value is not None and not 0.0 <= value <= 1.0:  # also refuses nan
        raise typer.BadParameter(f"{value:g} is not between 0 and 1")
    return value


MinScoreOpt = Annotated[
    float | None,
    typer.Option(
        "--min-score",
        callback=_unit_interval,
        help="Abstain when the best evidence scores below this (0-1).",
    ),
]


def _index(index: str | None, chroma_url: str | None):
    from ..config import default_index_dir, offline_environment
    from ..index import Index

    offline_environment()
    from ..config import configured

    if index is not None and not index.strip():
        raise UsageError("--index is empty; name a folder")
    index = index or configured("index")
    chroma_url = chroma_url or configured("chroma_url")
    folder = Path(index).expanduser() if index else None
    if folder is not None and folder.exists() and not folder.is_dir():
        raise UsageError(f"--index {folder} is a file, not a folder")
    if chroma_url:  # --index then names the local replica's folder
        return Index(folder, chroma_url=_check_url(chroma_url))
    return Index(folder or default_index_dir())


def _check_url(url: str) -> str:
    from urllib.parse import urlparse

    try:
        parts = urlparse(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise UsageError(f"--chroma-url {url!r} is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--chroma-url {url!r} is not a URL like http://HOST:PORT")
    return url


def _text_argument(value: str, what: str) -> str:
    """A question or query as text: bytes that are not UTF-8 (a terminal in another
    encoding) are read as cp1252, as in documents; an empty or overlong one is refused."""
    from ..config import MAX_QUESTION_CHARS

    try:
        value = value.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        value = value.encode("utf-8", "surrogateescape").decode("cp1252", "replace")
    if not value.strip():
        raise UsageError(f"the {what} is empty")
    if len(value) > MAX_QUESTION_CHARS:
        raise UsageError(
            f"the {what} is {len(value):,} characters long; at most {MAX_QUESTION_CHARS:,} are read"
        )
    return value


def _llm(llm: str | None, base_url: str | None, timeout: float | None = None):
    """The model to answer with: the flag or QA_LLM, else the settings file, else local."""
    from ..config import configured
    from ..llms import LLMSpec

    return LLMSpec.parse(
        llm or configured("llm") or "local", base_url or configured("base_url"), timeout
    )


def _embedder():
    from ..embeddings import default_embedder

    return default_embedder()


def _filters(source, since: datetime | None, until: datetime | None):
    from ..retrieval import Filters

    day = lambda d: d.strftime("%Y-%m-%d") if d else None  # noqa: E731
    return Filters(source=source, since=day(since), until=day(until))


def _ask_options(
    k: int | None,
    retriever: Retriever | None,
    source: str | None,
    since: datetime | None,
    until: datetime | None,
    min_score: float | None,
    rerank: bool | None = None,
):
    """How to answer, from the flags: what is not given is the library's default."""
    from ..answering import AskOptions

    filters = _filters(source, since, until)
    return AskOptions.given(
        k=k, retriever=retriever, filters=filters, min_score=min_score, rerank=rerank
    )


def _chunk_settings(store, size: int | None, overlap: int | None):
    """The chunk settings asked for; what is not given is as the index records (else the
    default). None when nothing is given: the library then uses the recorded ones."""
    if size is None and overlap is None:
        return None
    from ..config import ChunkSettings
    from ..ingest import recorded_chunk_settings

    recorded = recorded_chunk_settings(store) or ChunkSettings()
    return ChunkSettings(
        recorded.size if size is None else size,
        recorded.overlap if overlap is None else overlap,
    )


def _print_json(obj) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=None))


# The commands register themselves on `app` when their modules load, in the order
# `qa --help` lists them.
from . import indexing  # noqa: E402, F401, I001
from . import answering  # noqa: E402, F401, I001
from . import settings  # noqa: E402, F401, I001
from . import serving  # noqa: E402, F401, I001
from . import evaluating  # noqa: E402, F401, I001


def _version(value: bool):
    if value:
        typer.echo(f"qa {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", metavar="", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
):
    """Ask questions of your own documents, with cited answers from a local model."""


def main() -> None:
    from ..config import offline_environment

    offline_environment()  # before any library that could phone home is imported
    app()
