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
