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

from . import __version__
from .config import (
    DATE_FORMATS,
    DEFAULT_CHUNK_OVERLAP,
    DEFAULT_CHUNK_SIZE,
    DEFAULT_K,
    DEFAULT_RETRIEVER,
    LOCK_TIMEOUT,
    Retriever,
)
from .errors import QAError, UsageError
from .text import clean


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

    def invoke(self, ctx: typer.Context):
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
        help="Index directory [env QA_INDEX; default: index/ in the project]. With --chroma-url: the local replica's folder.",
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
        help="Server URL for ollama:/openai: (defaults: OLLAMA_HOST or http://localhost:11434; OPENAI_BASE_URL).",
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
MinScoreOpt = Annotated[
    float | None,
    typer.Option("--min-score", help="Abstain when the best evidence scores below this."),
]


def _index(index: str | None, chroma_url: str | None):
    from .config import default_index_dir, offline_environment
    from .index import Index

    offline_environment()
    from .config import configured

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
    from .config import MAX_QUESTION_CHARS

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


def _llm(llm: str | None, base_url: str | None):
    """The model to answer with: the flag or QA_LLM, else the settings file, else local."""
    from .config import configured
    from .llms import LLMSpec

    return LLMSpec.parse(llm or configured("llm") or "local", base_url or configured("base_url"))


def _embedder():
    from .embeddings import default_embedder

    return default_embedder()


def _filters(source, since: datetime | None, until: datetime | None):
    from .retrieval import Filters

    day = lambda d: d.strftime("%Y-%m-%d") if d else None  # noqa: E731
    return Filters(source=source, since=day(since), until=day(until))


def _chunk_settings(store, size: int | None, overlap: int | None):
    """The chunk settings asked for; what is not given is as the index records (else the
    default). None when nothing is given: the library then uses the recorded ones."""
    if size is None and overlap is None:
        return None
    from .config import ChunkSettings
    from .ingest import recorded_chunk_settings

    recorded = recorded_chunk_settings(store) or ChunkSettings()
    return ChunkSettings(
        recorded.size if size is None else size,
        recorded.overlap if overlap is None else overlap,
    )


def _print_json(obj) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=None))


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files and folders to index (default: seeds/).", show_default=False),
    ] = None,
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            help=f"Characters per chunk [default: as the index records, else {DEFAULT_CHUNK_SIZE}]."
        ),
    ] = None,
    chunk_overlap: Annotated[
        int | None,
        typer.Option(
            help="Characters shared by neighbouring chunks "
            f"[default: as the index records, else {DEFAULT_CHUNK_OVERLAP}]."
        ),
    ] = None,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune/--no-prune",
            metavar="",
            help="Remove documents whose files were deleted from an ingested folder.",
        ),
    ] = True,
    max_file_mb: Annotated[float, typer.Option(help="Skip files larger than this.")] = 50.0,
    lock_timeout: LockOpt = LOCK_TIMEOUT,
    json_out: JsonOpt = False,
):
    """Index files and folders (text, Markdown, HTML, PDF), skipping what is unchanged.

    Example: qa ingest seeds/ ~/notes
    """
    from .config import default_seeds_dir
    from .ingest import ingest as run_ingest
    from .ui import ingest_progress

    store = _index(index, chroma_url)
    chunk = _chunk_settings(store, chunk_size, chunk_overlap)
    with ingest_progress(enabled=not json_out) as progress:
        report = run_ingest(
            paths or [default_seeds_dir()],
            store,
            _embedder(),
            chunk,
            prune=prune,
            max_file_mb=max_file_mb,
            progress=progress,
            lock_timeout=lock_timeout,
        )
    if json_out:
        _print_json(report.to_dict())
        return
    from .ui import print_ingest_report

    print_ingest_report(report)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    k: KOpt = DEFAULT_K,
    llm: LLMOpt = None,
    base_url: BaseUrlOpt = None,
    retriever: RetrieverOpt = DEFAULT_RETRIEVER,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    min_score: MinScoreOpt = None,
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
    json_out: JsonOpt = False,
):
    """Answer a question from the indexed documents, citing the passages used.

    Example: qa ask "what did India and Russia agree on defence?"
    """
    from .answer import DEFAULT_MIN_SCORE
    from .answer import ask as run_ask
    from .ui import AnswerStream, print_answer

    spec = _llm(llm, base_url)
    question = _text_argument(question, "question")
    store = _index(index, chroma_url)
    store.require_documents()
    stream = AnswerStream(enabled=not json_out and sys.stdout.isatty())
    with stream:
        answer = run_ask(
            question,
            store,
            _embedder(),
            spec,
            k=k,
            retriever=retriever.value,
            filters=_filters(source, since, until),
            min_score=DEFAULT_MIN_SCORE if min_score is None else min_score,
            on_token=stream.on_token if stream.enabled else None,
        )
        stream.finish(answer.answer)
    if json_out:
        _print_json(answer.to_dict())
    else:
        print_answer(answer, streamed=stream.enabled)


@app.command()
def summarize(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Indexed files or folders, or source names as cited.", show_default=False
        ),
    ],
    llm: LLMOpt = None,
    base_url: BaseUrlOpt = None,
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", metavar="", help="Print one JSON object per document.")
    ] = False,
):
    """Summarise whole documents: 3-7 of their own sentences, cited (an ollama:/openai:
    model writes the summary instead, part by part for a long document).

    Example: qa summarize seeds/000_367919e9dc5d7af7.txt
    """
    from .summary import find_documents
    from .summary import summarize as run_summarize
    from .ui import print_answer, summary_progress

    spec = _llm(llm, base_url)
    store = _index(index, chroma_url)
    store.require_documents()
    documents = find_documents(store, paths)
    for n, document in enumerate(documents):
        with summary_progress(document["source"], enabled=not json_out) as progress:
            answer = run_summarize(document, store, spec, on_progress=progress)
        if json_out:
            _print_json({"document": document["source"], **answer.to_dict()})
            continue
        from .ui import out

        if len(documents) > 1:
            out.print(("\n" if n else "") + f"[bold]{clean(document['source'])}[/bold]")
        print_answer(answer)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: KOpt = 5,
    retriever: RetrieverOpt = DEFAULT_RETRIEVER,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", metavar="", help="Print one JSON object per passage.")
    ] = False,
    vimgrep: Annotated[
        bool,
        typer.Option(
            "--vimgrep",
            metavar="",
            help="Print path:line:column:text lines, for an editor's quickfix list "
            "(vim -q, Emacs grep-mode, VS Code).",
        ),
    ] = False,
):
    """Show the passages that match a query, ranked, with scores (no LLM).

    Example: qa search "S-400 air defence" -k 3

    Example: vim -q <(qa search "assault rifles" --vimgrep)
    """
    from .retrieval import search as run_search

    query = _text_argument(query, "query")
    store = _index(index, chroma_url)
    store.require_documents()
    hits = run_search(
        query,
        store,
        _embedder(),
        k,
        retriever=retriever.value,
        filters=_filters(source, since, until),
    )
    if json_out:
        for hit in hits:
            _print_json(hit.to_dict())
        return
    if vimgrep:
        from .ui import print_vimgrep

        print_vimgrep(hits)
        return
    from .ui import print_hits

    print_hits(hits)


@app.command()
def chat(
    k: KOpt = DEFAULT_K,
    llm: LLMOpt = None,
    base_url: BaseUrlOpt = None,
    retriever: RetrieverOpt = DEFAULT_RETRIEVER,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    min_score: MinScoreOpt = None,
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", metavar="", help="Print one JSON object per answer.")
    ] = False,
):
    """Chat with your documents: follow-ups are understood in context.

    Commands inside the chat: /sources, /reset, /help, /exit (or Ctrl-D).
    Example: qa chat
    """
    from .answer import DEFAULT_MIN_SCORE
    from .chat import Conversation
    from .ui import run_chat

    spec = _llm(llm, base_url)
    store = _index(index, chroma_url)
    store.require_documents()
    options = {
        "k": k,
        "retriever": retriever.value,
        "filters": _filters(source, since, until),
        "min_score": DEFAULT_MIN_SCORE if min_score is None else min_score,
    }
    run_chat(Conversation(store, _embedder(), spec, options), json_out=json_out)


@app.command()
def status(
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
    documents: Annotated[
        bool, typer.Option("--documents", metavar="", help="List the indexed documents.")
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            metavar="",
            help="Also check that the texts, the full-text index and the vectors agree.",
        ),
    ] = False,
    json_out: JsonOpt = False,
):
    """Show where the index is, what it holds, and the settings it was built with.

    Example: qa status --documents
    """
    store = _index(index, chroma_url)
    if not store.exists() and not chroma_url:
        info = {"index": str(store.directory), "documents": 0, "chunks": 0, "settings": {}}
    else:
        i = store.info()
        info = {
            "index": i.location,
            "documents": i.documents,
            "chunks": i.chunks,
            "settings": i.settings,
        }
    if documents and store.exists():
        info["document_list"] = store.documents()
    if check and store.exists():
        info["consistency"] = store.consistency()
        if not info["consistency"]["ok"]:
            info["consistency"]["advice"] = "run `qa ingest` again to repair, or `qa reindex`"
    if json_out:
        _print_json(info)
        return
    from .ui import print_status

    print_status(info)


@app.command()
def forget(
    paths: Annotated[list[str], typer.Argument(help="Files or folders whose documents to remove.")],
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
    lock_timeout: LockOpt = LOCK_TIMEOUT,
    json_out: JsonOpt = False,
):
    """Remove documents from the index (the files themselves are not touched).

    Example: qa forget seeds/old-note.txt
    """
    from .ingest import forget as run_forget

    store = _index(index, chroma_url)
    store.require_documents()
    removed = run_forget(paths, store, lock_timeout)
    if json_out:
        _print_json({"removed": removed})
    else:
        typer.echo(f"removed {len(removed)} document(s): " + ", ".join(removed))


@app.command()
def reindex(
    index: IndexOpt = None,
    chunk_size: Annotated[
        int | None, typer.Option(help="Characters per chunk [default: as recorded].")
    ] = None,
    chunk_overlap: Annotated[
        int | None, typer.Option(help="Chunk overlap [default: as recorded].")
    ] = None,
    lock_timeout: LockOpt = LOCK_TIMEOUT,
    json_out: JsonOpt = False,
):
    """Rebuild the index from its recorded sources (after changing model or chunk settings).

    Example: qa reindex --chunk-size 600
    """
    from .ingest import reindex as run_reindex
    from .ui import ingest_progress, print_ingest_report

    store = _index(index, None)
    chunk = _chunk_settings(store, chunk_size, chunk_overlap)
    with ingest_progress(enabled=not json_out) as progress:
        report = run_reindex(
            store, _embedder(), chunk, progress=progress, lock_timeout=lock_timeout
        )
    if json_out:
        _print_json(report.to_dict())
    else:
        print_ingest_report(report)


@app.command("eval")
def eval_(
    file: Annotated[
        Path, typer.Argument(help="A question set in SQuAD JSON format (v1.1 or v2.0).")
    ],
    index: Annotated[
        Path | None,
        typer.Option(
            "--index", help="Use (or build, if empty) this index instead of a temporary one."
        ),
    ] = None,
    answers: Annotated[
        bool,
        typer.Option(
            "--answers",
            metavar="",
            help="Also generate answers: exact match, F1, abstention, latency.",
        ),
    ] = False,
    llm: LLMOpt = None,
    base_url: BaseUrlOpt = None,
    k: KOpt = DEFAULT_K,
    retriever: RetrieverOpt = DEFAULT_RETRIEVER,
    min_score: MinScoreOpt = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    sample: Annotated[
        int | None, typer.Option(min=1, help="A random sample of N questions.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for --sample.")] = 0,
    unanswerable: Annotated[
        Path | None,
        typer.Option(help="Also ask these questions (one a line), which should be abstained on."),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option(help="Characters per chunk (temporary index).")
    ] = DEFAULT_CHUNK_SIZE,
    chunk_overlap: Annotated[
        int, typer.Option(help="Chunk overlap (temporary index).")
    ] = DEFAULT_CHUNK_OVERLAP,
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            help="For a broad question file: the documents it is about (repeatable; a SQuAD "
            "file becomes one document per article)."
        ),
    ] = None,
    json_out: JsonOpt = False,
):
    """Measure retrieval (recall@k, MRR) and, with --answers, answer quality on a SQuAD file;
    or, on a broad question file, fact coverage, readability and abstention.

    Example: qa eval ../shared/eval/squad-v1.1-dev-8-articles.json --sample 300 --seed 1 --answers
    --unanswerable bench/unrelated_questions.txt

    Example: qa eval ../shared/eval/broad-questions-dev.json --corpus seeds/
    --corpus ../shared/eval/squad-v1.1-dev-8-articles.json
    """
    from .config import ChunkSettings, offline_environment
    from .evaluate import build_index, evaluate, load_squad, pick, temporary_directory
    from .ui import eval_progress, print_eval

    offline_environment()
    spec = _llm(llm, base_url)
    if index is not None:
        _check_eval_folder(index)
    from .evaluate import load_broad

    broad = load_broad(file)
    if broad is not None:
        if not corpus:
            raise UsageError(
                f"{file} holds broad questions: name the documents they are about with "
                f"--corpus (files, folders, or a SQuAD file: one document per article)"
            )
        from .evaluate import run_broad

        with temporary_directory() as tmp, eval_progress(enabled=not json_out) as progress:
            result = run_broad(
                broad,
                corpus,
                Path(index) if index else Path(tmp),
                _embedder(),
                spec,
                k=k,
                retriever=retriever.value,
                min_score=min_score,
                chunk=ChunkSettings(chunk_size, chunk_overlap),
                progress=progress,
            )
        _print_json(result) if json_out else print_eval(result)
        return
    paragraphs, questions = load_squad(file)
    questions = pick(questions, limit, sample, seed)
    if unanswerable:
        from .evaluate import load_unanswerable

        questions += load_unanswerable(unanswerable)
    embedder = _embedder()
    with temporary_directory() as tmp, eval_progress(enabled=not json_out) as progress:
        target = Path(index) if index else Path(tmp)
        from .index import Index

        store = Index(target / "index")
        if not store.exists() or store.info().documents == 0:
            store = build_index(
                paragraphs,
                target,
                embedder,
                ChunkSettings(chunk_size, chunk_overlap),
                progress=progress.ingest if progress else None,
            )
        result = evaluate(
            questions,
            store,
            embedder,
            k=k,
            retriever=retriever.value,
            answers=answers,
            llm=spec,
            min_score=min_score,
            progress=progress.questions if progress else None,
        )
    if json_out:
        _print_json(result)
    else:
        print_eval(result)


def _check_eval_folder(folder: Path) -> None:
    """`qa eval --index DIR` writes DIR/corpus/ and DIR/index/: DIR must be new, empty, or
    one that an earlier `qa eval` built."""
    from .errors import IndexFolderRefused

    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--index {folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "index" / "qa.sqlite3").exists():
        raise IndexFolderRefused(
            f"{folder} holds files that qa eval did not write; choose a new or empty folder"
        )


config_app = typer.Typer(cls=_Group, no_args_is_help=False, invoke_without_command=True)
app.add_typer(config_app, name="config")


@config_app.callback()
def config_show(
    ctx: typer.Context,
    json_out: JsonOpt = False,
):
    """Show or change the settings file: a model chosen once is used by every command.

    Without a subcommand, shows each setting, its value and where it comes from (a flag
    wins over the environment, which wins over the file, which wins over the default).

    Example: qa config set llm ollama:llama3.1
    """
    if ctx.invoked_subcommand:
        return
    from .config import CONFIG_KEYS, config_file, read_config

    values = read_config()
    envs = {"llm": "QA_LLM", "index": "QA_INDEX", "chroma_url": "QA_CHROMA_URL"}
    rows = []
    for key, about in CONFIG_KEYS.items():
        env = envs.get(key)
        if env and os.environ.get(env):
            value, source = os.environ[env], f"environment ({env})"
        elif key in values:
            value, source = values[key], "settings file"
        else:
            value, source = {"llm": "local"}.get(key), "default"
        rows.append({"key": key, "value": value, "from": source, "about": about})
    if json_out:
        _print_json({"file": str(config_file()), "settings": rows})
        return
    typer.echo(f"settings file: {clean(str(config_file()))}")
    for r in rows:
        shown = clean(r["value"]) if r["value"] else "-"
        typer.echo(f"  {r['key']:<11} {shown:<32} ({r['from']}) {r['about']}")


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="llm, base_url, index or chroma_url.")],
    value: Annotated[str, typer.Argument(help="The value.")],
):
    """Set one setting in the settings file.

    Example: qa config set llm ollama:llama3.1
    """
    from .config import CONFIG_KEYS, read_config, write_config

    if key not in CONFIG_KEYS:
        raise UsageError(f"unknown setting {key!r}; choose one of {', '.join(CONFIG_KEYS)}")
    if key == "llm":
        _llm(value, None)  # refuses what --llm would refuse
    elif key == "chroma_url":
        _check_url(value)
    elif not value.strip():
        raise UsageError(f"{key} cannot be empty; use `qa config unset {key}`")
    if key == "index":
        value = str(Path(value).expanduser().resolve())
    values = read_config()
    values[key] = value
    path = write_config(values)
    typer.echo(f"{key} = {clean(value)} (in {clean(str(path))})")


@config_app.command("unset")
def config_unset(key: Annotated[str, typer.Argument(help="The setting to remove.")]):
    """Remove one setting from the settings file (back to its default).

    Example: qa config unset llm
    """
    from .config import CONFIG_KEYS, read_config, write_config

    if key not in CONFIG_KEYS:
        raise UsageError(f"unknown setting {key!r}; choose one of {', '.join(CONFIG_KEYS)}")
    values = read_config()
    values.pop(key, None)
    write_config(values)
    typer.echo(f"{key} unset")


@app.command()
def models(
    base_url: BaseUrlOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", metavar="", help="Print one JSON object per model.")
    ] = False,
):
    """List the models that can answer: the bundled one, models an Ollama server has, and
    those of a configured OpenAI-compatible server. The one in use is marked.

    Example: qa models
    """
    from .llms import available_models

    current = _llm(None, base_url).name
    rows = available_models(base_url or _config_value("base_url"))
    for row in rows:
        row["current"] = row["name"] == current
    if json_out:
        for row in rows:
            _print_json(row)
        return
    for row in rows:
        mark = "*" if row["current"] else " "
        state = "" if row["available"] else " (not available)"
        typer.echo(f"{mark} {clean(row['name']):<28} {clean(row['detail'])}{state}")
    typer.echo("\n* in use. Choose another once with `qa config set llm NAME`, or --llm NAME.")


def _config_value(key: str) -> str | None:
    from .config import configured

    return configured(key)


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
    from .config import offline_environment

    offline_environment()  # before any library that could phone home is imported
    app()
