"""`qa ingest --watch`: after the first sync, keep the index in step with the folders.

Changes come from the operating system (inotify on Linux, through `watchfiles`); once they
settle (DEBOUNCE_MS without a new one) the files they touch are synced by `ingest` with
`only=`: a changed file is embedded again, a new one added, a deleted or renamed one
removed (a rename is a deletion and an addition). Every sync takes the write lock and
writes through the journal, so a kill at any moment leaves the index consistent and
readers (`qa ask`, `qa mcp`) keep working throughout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .config import DEFAULT_MAX_FILE_MB, LOCK_TIMEOUT, ChunkSettings
from .index import Index
from .ingest import IngestReport, ingest
from .paths import is_under

DEBOUNCE_MS = 200  # a save is often several writes (truncate, write, rename)
# Names editors and downloads use for files that are not the document yet.
TEMPORARY = (
    "~", ".swp", ".swo", ".swx", ".tmp", ".temp", ".part", ".crdownload", ".kate-swp", ".bak"
)  # fmt: skip


def ignored(path: Path, roots: Sequence[Path], index_dir: Path) -> bool:
    """What a watcher passes over: the index itself, hidden files and folders (as ingest
    does), editor and download temporaries ("notes.md~", ".notes.md.swp", "#notes.md#",
    vim's "4913" probe), and anything outside the roots."""
    if path == index_dir or is_under(path, index_dir):
        return True
    root = next((r for r in roots if path == r or is_under(path, r)), None)
    if root is None:
        return True
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return True
    name = path.name
    autosave = name.startswith("#") and name.endswith("#")  # emacs
    return name.endswith(TEMPORARY) or autosave or name == "4913"  # vim's write probe


def watch(
    paths: Sequence[Path],
    index: Index,
    embedder: Embeddings,
    chunk: ChunkSettings | None = None,
    *,
    on_sync: Callable[[IngestReport], None],
    on_start: Callable[[], None] | None = None,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
    lock_timeout: float = LOCK_TIMEOUT,
    stop: threading.Event | None = None,
) -> None:
    """Sync the files that change under `paths` until `stop` is set or Ctrl-C (which
    returns normally); each sync's report goes to `on_sync`. The first full sync is the
    caller's (`ingest`)."""
    roots = [Path(p).resolve() for p in paths]
    index_dir = Path(index.directory).resolve()
    # A file given by name is watched through its folder, and only it is synced.
    watched = sorted({r if r.is_dir() else r.parent for r in roots})

    def wanted(_change, name: str) -> bool:
        return not ignored(Path(name), roots, index_dir)

    try:
        import logging

        import watchfiles

        logging.getLogger("watchfiles").setLevel(logging.ERROR)  # qa says what it does
        if on_start:
            on_start()
        for changes in watchfiles.watch(
            *watched,
            watch_filter=wanted,
            debounce=DEBOUNCE_MS,
            step=50,
            stop_event=stop,
            raise_interrupt=False,
        ):
            changed = sorted({Path(name) for _, name in changes})
            on_sync(
                ingest(
                    roots,
                    index,
                    embedder,
                    chunk,
                    max_file_mb=max_file_mb,
                    lock_timeout=lock_timeout,
                    only=changed,
                )
            )
    except KeyboardInterrupt:  # what a sync had written is journalled: stop cleanly
        pass
