"""Finding files under a folder and reading their bytes within limits: regular files only,
at most `--max-file-mb` read, and archives refused when their members would expand past it."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

from .extracted import Skip


def iter_files(root: Path) -> Iterator[Path]:
    """Files under `root` (or `root` itself), skipping hidden entries and symlink loops."""
    if root.is_file():
        yield root
        return
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen:  # a symlink loop or a second link to one folder
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def source_name(path: Path, root: Path) -> str:
    """`seeds/a.txt` for a file found under the folder `seeds/`; a lone file keeps its name."""
    base = root.parent if root.is_dir() else path.parent
    return path.relative_to(base).as_posix()


def decode(data: bytes) -> str:
    """Text in any common encoding; undecodable bytes never raise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if b"\x00" in data[:8192]:
        raise Skip("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_capped(path: Path, limit: int, max_file_mb: float) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, read with that cap (a file
    that grows while read, or lies about its size, is still stopped there)."""
    import stat

    try:
        st = path.stat()  # follows a symlink: what would be read
        if not stat.S_ISREG(st.st_mode):
            kind = (
                "a FIFO" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a file"
            )  # fmt: skip
            raise Skip(f"not a regular file ({kind})")
        if st.st_size > limit:
            raise Skip(f"larger than {max_file_mb:g} MB")
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise Skip(f"unreadable ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise Skip(f"larger than {max_file_mb:g} MB")
    return data


MAX_ARCHIVE_MEMBERS = 10_000


def check_archive(data: bytes, limit: int, max_file_mb: float) -> None:
    """Refuse an archive whose members would expand past `limit` bytes in all (a zip
    bomb: a few MB that unpack to gigabytes), or that holds implausibly many members.
    Python's zipfile never reads a member past the size its header declares."""
    import zipfile

    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Skip(f"unreadable archive ({short_reason(exc)})") from exc
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise Skip(f"an archive of {len(members):,} parts (at most {MAX_ARCHIVE_MEMBERS:,})")
    expanded = sum(m.file_size for m in members)
    if expanded > limit:
        raise Skip(
            f"expands to {expanded / 1024 / 1024:,.0f} MB uncompressed, "
            f"larger than {max_file_mb:g} MB (--max-file-mb)"
        )


def short_reason(exc: Exception) -> str:
    """An exception as a short reason: its class, and its message when it has one."""
    said = " ".join(str(exc).split())[:80]
    return f"{type(exc).__name__}: {said}" if said else type(exc).__name__


def looks_textual(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # cut inside a multi-byte character
    return True
