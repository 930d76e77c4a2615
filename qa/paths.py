"""What the paths given to `qa ingest` and `qa forget` mean: real paths (symlinks followed,
loops and broken links skipped), unique source names, forgotten files and folders, and
folders that would hold the index itself."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .errors import IndexFolderRefused
from .index import DocumentRow
from .reading import Skip


def check_overlap(roots: Sequence[Path], index_dir: Path) -> None:
    """Refuse to ingest the index folder itself, or a folder inside it or around it.

    An index folder inside an ingested folder is allowed when a hidden folder holds it
    (hidden folders are never walked, so nothing of the index is read as a document).
    """
    ix = index_dir.resolve()
    for root in roots:
        if root == ix or is_under(root, ix):
            raise IndexFolderRefused(
                f"{root} is inside the index folder {ix}; keep documents and index apart"
            )
        if root.is_dir() and is_under(ix, root):
            inside = ix.relative_to(root).parts
            if not any(part.startswith(".") for part in inside):
                raise IndexFolderRefused(
                    f"the index folder {ix} is inside {root}, which is being ingested; "
                    f"choose an --index outside it"
                )


def folder_mark(folder: Path) -> str:
    """How a forgotten folder is recorded beside its forgotten files: with a final '/'."""
    return str(folder).rstrip(os.sep) + os.sep


def wanted_again(roots: Sequence[Path], forgotten: set[str]) -> set[str]:
    """The forgotten paths that ingesting `roots` brings back: a file named again, and
    everything under a named folder that was forgotten as a whole (or lies inside one).
    Ingesting the folder around a forgotten file or folder keeps it out."""
    folders = [Path(f) for f in forgotten if f.endswith(os.sep)]
    back: set[str] = set()
    for root in roots:
        if not root.is_dir():
            back |= {str(root)} & forgotten
        elif any(root == f or is_under(root, f) for f in folders):
            back |= {f for f in forgotten if is_under(Path(f), root)}
    return back


class Sources:
    """Keeps source names (what citations show) unique: a second `docs/x.txt` from another
    folder is shown with more of its path (`b/docs/x.txt`)."""

    def __init__(self, documents: list[DocumentRow]):
        self.owner = {d.source: d.path for d in documents}

    def claim(self, source: str, path: str) -> str:
        parts = Path(path).parts
        name = source
        depth = len(Path(source).parts)
        while self.owner.get(name, path) != path and depth < len(parts) - 1:
            depth += 1
            name = Path(*parts[-depth:]).as_posix()
        if self.owner.get(name, path) != path:
            name = path
        self.owner[name] = path
        return name


def resolve(path: Path) -> Path:
    """The real path of a file; a broken or looping symlink is skipped, not fatal."""
    try:
        return path.resolve(strict=True)
    except RuntimeError as exc:  # Python < 3.13 reports a loop this way
        raise Skip("symlink loop") from exc
    except OSError as exc:
        import errno

        if exc.errno == errno.ELOOP:
            raise Skip("symlink loop") from exc
        raise Skip(
            "broken symlink" if path.is_symlink() else f"unreadable ({exc.strerror})"
        ) from exc


def is_under(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False
