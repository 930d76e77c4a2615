"""Commands that build and look after the index: ingest, status, forget, reindex."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_FILE_MB, LOCK_TIMEOUT
from . import (
    ChromaOpt,
    IndexOpt,
    JsonOpt,
    LockOpt,
    _chunk_settings,
    _embedder,
    _index,
    _print_json,
    app,
)


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
    max_file_mb: Annotated[
        float,
        typer.Option(help="Skip files larger than this (MB), measured as read and unpacked."),
    ] = DEFAULT_MAX_FILE_MB,
    lock_timeout: LockOpt = LOCK_TIMEOUT,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            metavar="",
            help="After indexing, keep watching: changed, new, renamed and deleted files "
            "are synced as they settle, one line each on stderr; Ctrl-C stops.",
        ),
    ] = False,
    json_out: JsonOpt = False,
):
    """Index files and folders (text, Office, PDF, HTML, ePub…), skipping what is unchanged.

    Example: qa ingest seeds/ ~/notes

    Example: qa ingest ~/notes --watch
    """
    from ..config import default_seeds_dir
    from ..ingest import ingest as run_ingest
    from .show import ingest_progress

    store = _index(index, chroma_url)
    chunk = _chunk_settings(store, chunk_size, chunk_overlap)
    roots = paths or [default_seeds_dir()]
    with ingest_progress(enabled=not json_out) as progress:
        report = run_ingest(
            roots,
            store,
            _embedder(),
            chunk,
            prune=prune,
            max_file_mb=max_file_mb,
            progress=progress,
            lock_timeout=lock_timeout,
        )
    from .show import print_changes, print_ingest_report

    if json_out:
        _print_json(report.to_dict())
    else:
        print_ingest_report(report)
    if watch:
        from ..watch import watch as run_watch

        def synced(report) -> None:
            print_changes(report)
            if json_out:
                _print_json(report.to_dict())

        run_watch(
            roots,
            store,
            _embedder(),
            chunk,
            on_sync=synced,
            on_start=lambda: print_changes(None, f"watching {len(roots)} path(s); Ctrl-C stops"),
            max_file_mb=max_file_mb,
            lock_timeout=lock_timeout,
        )
        print_changes(None, "stopped watching")


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
    info: dict[str, Any]
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
        info["document_list"] = [asdict(d) for d in store.documents()]
    if check and store.exists():
        info["consistency"] = store.consistency()
    if json_out:
        _print_json(info)
    else:
        from .show import print_status

        print_status(info)
    if check and not info.get("consistency", {}).get("ok", True):
        raise typer.Exit(1)  # a script can test `qa status --check`


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
    from ..ingest import forget as run_forget

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
    from ..ingest import reindex as run_reindex
    from .show import ingest_progress, print_ingest_report

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
