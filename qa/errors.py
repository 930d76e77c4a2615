"""The errors a user can act on. The CLI turns each into one line on stderr and an exit code."""


class QAError(Exception):
    """Base class: a problem the user can fix; its message says how."""

    exit_code = 1


class UsageError(QAError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class PathNotFound(UsageError):
    """A path given on the command line does not exist."""


class IndexFolderRefused(UsageError):
    """The index folder holds the user's own files, or overlaps a folder being ingested."""


class NothingMatches(UsageError):
    """The filters (a source glob, dates) leave none of the indexed documents."""


class SourcesMissing(QAError):
    """Documents come from folders that are missing now (an unmounted drive)."""


class EmptyIndex(QAError):
    """The index holds no documents yet."""


class IndexMismatch(QAError):
    """The index was built with another embedding model or other chunk settings."""


class IndexDamaged(QAError):
    """The index on disk cannot be read."""


class IndexReadOnly(QAError):
    """The index can be read but not written (a read-only folder or mount)."""


class IndexBusy(QAError):
    """Another process is writing to the index."""


class ModelNotFound(QAError):
    """A model file or package is missing."""


class LLMUnavailable(QAError):
    """The LLM server cannot be reached or refused the request."""


class ServerUnavailable(QAError):
    """The Chroma server cannot be reached."""


class DiskFull(QAError):
    """The disk holding the index (or the cache) has no space left."""


# Exception class names (httpx, Python) of a server that stopped answering mid-call.
CONNECTION_FAILURES = frozenset(
    {"ConnectError", "RemoteProtocolError", "ReadError", "ConnectTimeout", "ReadTimeout",
     "ConnectionError"}
)  # fmt: skip


def is_connection_failure(exc: BaseException) -> bool:
    return bool({c.__name__ for c in type(exc).__mro__} & CONNECTION_FAILURES)


def from_environment(exc: BaseException) -> QAError | None:
    """A failure of the machine rather than of qa, as an error the user can act on: a
    full disk, a damaged SQLite file, a Chroma server that stopped answering. None when
    `exc` is none of these (a bug, reported as one)."""
    import errno
    import sqlite3

    said = " ".join(str(exc).split())
    if (
        (isinstance(exc, OSError) and exc.errno == errno.ENOSPC)
        or "database or disk is full" in said
        or "No space left" in said
    ):
        return DiskFull(
            "no space left on the device holding the index; free some space and run the "
            "command again (what was indexed before is kept)"
        )
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return IndexDamaged(
            f"the index is damaged ({said[:120]}); rebuild it from your files with "
            f"`qa reindex`, or move the index folder aside and run `qa ingest` again"
        )
    if is_connection_failure(exc):
        return ServerUnavailable(
            f"a server stopped answering ({type(exc).__name__}: {said[:120]}); nothing "
            f"written is lost: run the command again once it is back"
        )
    return None


def warn(message: str) -> None:
    """One line on stderr about something the command worked around."""
    import sys

    from .terminal import clean

    print(f"qa: warning: {clean(message)}", file=sys.stderr)
