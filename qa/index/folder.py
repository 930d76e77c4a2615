"""The index folder: what qa may keep there, and the one-writer lock.

The folder belongs to qa alone: a folder holding anything qa did not write is refused,
so that rebuilding an index can never delete a user's file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import IndexBusy, IndexFolderRefused, IndexReadOnly

DB_NAME = "qa.sqlite3"
LOCK_NAME = ".write.lock"
# Everything qa writes into an index folder.
OWNED_ENTRIES = frozenset(
    {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", "chroma", LOCK_NAME}
)
KEPT_ENTRIES = frozenset({".gitkeep"})  # a placeholder a repository keeps in an empty folder
# An index holds the text of the documents in it, so it is readable by its owner alone:
# what qa creates there is created 0700 (folders) and 0600 (files), not fixed afterwards.
PRIVATE_UMASK = 0o077


@contextlib.contextmanager
def private() -> Iterator[None]:
    """Files and folders created in this block are for the owner alone (umask 077)."""
    old = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(old)


def check_folder(directory: Path) -> None:
    """Refuse an index folder that is a file, or that holds anything qa did not write."""
    if directory.exists() and not directory.is_dir():
        raise IndexFolderRefused(f"the index {directory} is a file, not a folder")
    if not directory.is_dir():
        return
    foreign = sorted(
        e.name for e in directory.iterdir() if e.name not in OWNED_ENTRIES | KEPT_ENTRIES
    )
    if foreign:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise IndexFolderRefused(
            f"the index folder {directory} holds files qa did not write "
            f"({', '.join(foreign[:3])}{more}); choose a new or empty folder with --index"
        )


def restore_interrupted_reindex(directory: Path) -> bool:
    """Put back an index a killed `qa reindex` left set aside: it moves the index to
    `.NAME.old-*/NAME`, then the new one into place; killed between the two, the folder
    is missing and the whole index sits in the set-aside copy. True when one was restored."""
    if directory.exists() or directory.is_symlink():
        return False
    try:
        kept = sorted(directory.parent.glob(f".{directory.name}.old-*/{directory.name}"))
    except OSError:
        return False
    for candidate in kept:
        if (candidate / DB_NAME).is_file():
            candidate.rename(directory)
            try:
                candidate.parent.rmdir()
            except OSError:
                pass
            return True
    return False


def writable(directory: Path) -> bool:
    db = directory / DB_NAME
    return os.access(directory, os.W_OK) and (not db.exists() or os.access(db, os.W_OK))


def write_lock(directory: Path, timeout: float, read_only: bool = False) -> WriteLock:
    """An inter-process lock held while this process writes the index."""
    from filelock import FileLock, Timeout

    check_folder(directory)
    made = not directory.exists()
    umask = os.umask(PRIVATE_UMASK)  # kept with the lock: all written meanwhile is private
    try:
        directory.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(directory / LOCK_NAME))
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        os.umask(umask)
        raise IndexBusy(
            f"another qa process is writing to {directory}; "
            f"waited {timeout:g}s (see --lock-timeout)"
        ) from exc
    except OSError as exc:
        os.umask(umask)
        raise IndexReadOnly(
            f"the index at {directory} is read-only ({exc.strerror}); "
            f"qa can search it but not change it"
        ) from exc
    if read_only or not writable(directory):
        lock.release()
        os.umask(umask)
        raise IndexReadOnly(
            f"the index at {directory} is read-only; qa can search it but not change it"
        )
    return WriteLock(lock, directory if made else None, umask)


class WriteLock:
    """The write lock; releasing it also removes a folder made for it that stayed empty
    (a failed first ingest leaves nothing behind)."""

    def __init__(self, lock, made: Path | None, umask: int):
        self.lock, self.made, self.umask = lock, made, umask  # the umask to restore

    def release(self) -> None:
        self.lock.release()
        os.umask(self.umask)
        if self.made is not None and {e.name for e in self.made.iterdir()} <= {LOCK_NAME}:
            (self.made / LOCK_NAME).unlink(missing_ok=True)
            try:
                self.made.rmdir()
            except OSError:
                pass
