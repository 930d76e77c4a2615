"""`ingest`: make the index match a set of files and folders."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .config import DEFAULT_MAX_FILE_MB, LOCK_TIMEOUT, ChunkSettings
from .errors import IndexDamaged, PathNotFound, SourcesMissing, UsageError
from .index import KEPT_ENTRIES, Embedded, Index, embedding_settings
from .paths import Sources, check_overlap, folder_mark, is_under, resolve, wanted_again
from .reading import (
    Chunk,
    Document,
    Skip,
    chunk_document,
    iter_files,
    make_splitter,
    read_document,
)

EMBED_BATCH = 256  # chunks embedded and written together, across documents


@dataclass
class IngestReport:
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    ocr_pages: int = 0  # scanned pages and pictures read by OCR (the `ocr` extra)
    seconds: float = 0.0
    skipped_files: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)  # indexed, with a caveat (scanned pages)
    # What changed, a line a document ("added notes/a.md"); not in --json, which counts.
    changes: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        out = asdict(self)
        del out["changes"]
        return out


Progress = Callable[[str, int, int], None]  # (current file, done, total)


def embed_chunks(embedder: Embeddings, chunks: list[Chunk]) -> tuple[list, list[list]]:
    """Chunk vectors and, per chunk, one vector per sentence, from one call to the embedder.
    A text that occurs twice (a sentence in the overlap of two chunks) is embedded once."""
    texts = [c.text for c in chunks] + [c.text[a:b] for c in chunks for a, b in c.sentences]
    distinct = list(dict.fromkeys(texts))
    vector = dict(zip(distinct, embedder.embed_documents(distinct)))
    return (
        [vector[c.text] for c in chunks],
        [[vector[c.text[a:b]] for a, b in c.sentences] for c in chunks],
    )


def index_settings(embedder: Embeddings, chunk: ChunkSettings) -> dict:
    return {
        **embedding_settings(embedder),
        "chunk_size": chunk.size,
        "chunk_overlap": chunk.overlap,
    }


def recorded_chunk_settings(index: Index) -> ChunkSettings | None:
    """The chunk settings an index was built with, or None for a new index."""
    have = index.settings() if index.exists() or index.chroma_url else {}
    if "chunk_size" not in have:
        return None
    default = ChunkSettings()
    return ChunkSettings(
        have.get("chunk_size", default.size), have.get("chunk_overlap", default.overlap)
    )


def ingest(
    paths: Sequence[Path],
    index: Index,
    embedder: Embeddings,
    chunk: ChunkSettings | None = None,
    *,
    prune: bool = True,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
    progress: Progress | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
    only: Collection[Path] | None = None,
) -> IngestReport:
    """Make the index match `paths`: new and changed files are embedded, unchanged ones
    skipped, and (with `prune`) documents of files deleted from an ingested folder removed.
    `chunk` defaults to the settings the index was built with.

    `only` limits the pass to these files and folders under `paths` (what a watcher saw
    change): they are read, or removed when they are gone; nothing else is touched."""
    import math

    if not (math.isfinite(max_file_mb) and max_file_mb > 0):
        raise UsageError(f"--max-file-mb must be a positive number of MB (got {max_file_mb:g})")
    started = time.perf_counter()
    roots = []
    for p in paths:
        if not p.exists():
            raise PathNotFound(f"no such file or folder: {p}")
        roots.append(p.resolve())
    check_overlap(roots, index.directory)

    report = IngestReport()
    lock = index.write_lock(lock_timeout)
    try:
        chunk = chunk or recorded_chunk_settings(index) or ChunkSettings()
        wanted = index_settings(embedder, chunk)
        index.check_settings(wanted)
        if index.exists() and (damage := index.catalog.damage()):  # never "unchanged" on it
            raise IndexDamaged(
                f"the index at {index.directory} is damaged ({damage}); rebuild it from "
                f"your files with `qa reindex`"
            )
        index.recover()
        if not index.settings():
            index.record_settings(wanted)
        scope = None if only is None else [Path(os.path.abspath(p)) for p in only]
        seen = _Sync(index, embedder, make_splitter(chunk), report, max_file_mb).run(
            roots, progress, scope
        )
        if prune:
            for doc in index.documents():
                if doc.path in seen:
                    continue
                if scope is not None and not any(is_under(Path(doc.path), p) for p in scope):
                    continue
                if any(is_under(Path(doc.path), r) for r in roots if r.is_dir()):
                    report.chunks_removed += index.remove_document(doc.path)
                    report.removed += 1
                    report.changes.append(f"removed {doc.source}")
    finally:
        lock.release()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


class _Sync:
    """One pass over the files: each read, compared by hash, chunked and, in batches of
    EMBED_BATCH chunks across documents, embedded and written."""

    def __init__(self, index: Index, embedder, splitter, report: IngestReport, max_file_mb):
        self.index, self.embedder, self.splitter = index, embedder, splitter
        self.report, self.max_file_mb = report, max_file_mb
        self.batch: list[tuple[Document, Path, bool]] = []

    def run(
        self, roots: list[Path], progress: Progress | None, scope: list[Path] | None = None
    ) -> set[str]:
        """The files' real paths, all seen (for pruning); with `scope`, only the files
        under those paths."""
        index, report = self.index, self.report
        forgotten = index.forgotten()
        back = wanted_again(roots, forgotten)
        index.set_forgotten(back, forgotten=False)
        forgotten -= back
        sources = Sources(index.documents())
        files = [
            (f, root)
            for root in roots
            for f in (iter_files(root) if scope is None else _within(root, scope))
        ]
        report.files = len(files)
        seen: set[str] = set()
        for done, (path, root) in enumerate(files):
            if progress:
                progress(str(path), done, len(files))
            try:
                key = str(resolve(path))
                if key in seen:
                    continue
                seen.add(key)
                if key in forgotten:
                    if index.document(key):  # a `qa forget` killed before it removed it
                        report.chunks_removed += index.remove_document(key)
                        report.removed += 1
                    raise Skip(
                        "forgotten (qa forget); ingest the file, or the folder you forgot, "
                        "by name to index it again"
                    )
                known = index.document(key)
                doc = read_document(
                    path, root, self.max_file_mb, known["sha256"] if known else None
                )
            except Skip as why:
                report.skipped += 1
                report.skipped_files.append({"path": str(path), "reason": str(why)})
                continue
            if doc is None:  # the same bytes as indexed
                report.unchanged += 1
                continue
            doc.source = sources.claim(doc.source, key)
            report.notes += [{"path": str(path), "note": note} for note in doc.notes]
            report.ocr_pages += doc.extracted.ocr_pages if doc.extracted else 0
            self.batch.append((chunk_document(doc, self.splitter), root, known is not None))
            if sum(len(d.chunks) for d, _, _ in self.batch) >= EMBED_BATCH:  # chunks, not texts
                self.flush()
        self.flush()
        if progress:
            progress("", len(files), len(files))
        return seen

    def flush(self) -> None:
        if not self.batch:
            return
        chunks = [c for doc, _, _ in self.batch for c in doc.chunks]
        chunk_vecs, sentence_vecs = embed_chunks(self.embedder, chunks)
        vectors, sentences = iter(chunk_vecs), iter(sentence_vecs)
        items = [
            Embedded(
                doc,
                root,
                vectors=[next(vectors) for _ in doc.chunks],
                sentence_vectors=[next(sentences) for _ in doc.chunks],
            )
            for doc, root, _ in self.batch
        ]
        for (doc, _, existed), (added, removed) in zip(self.batch, self.index.put_documents(items)):
            self.report.chunks_added += added
            self.report.chunks_removed += removed
            if existed:
                self.report.updated += 1
            else:
                self.report.added += 1
            n = len(doc.chunks)
            self.report.changes.append(
                f"{'updated' if existed else 'added'} {doc.source} "
                f"({n} chunk{'' if n == 1 else 's'})"
            )
        self.batch.clear()


def _within(root: Path, scope: list[Path]):
    """The files under `root` that lie in `scope` (files, or folders taken whole)."""
    for path in scope:
        if path.exists() and (path == root or is_under(path, root)):
            yield from iter_files(path)


def reindex(
    index: Index,
    embedder: Embeddings,
    chunk: ChunkSettings | None = None,
    *,
    progress: Progress | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> IngestReport:
    """Rebuild the index from the files it was built from, with the current embedder and
    `chunk` (default: the recorded chunk settings). The new index is built in a staging
    folder beside the old one, which stays in place until the new one is complete; only
    folders this function made are ever deleted."""
    import shutil
    import tempfile

    if index.chroma_url:
        raise UsageError(
            "qa reindex works on an embedded index; with a Chroma server, "
            "ingest into a new collection instead"
        )
    index.require_documents()
    chunk = chunk or recorded_chunk_settings(index) or ChunkSettings()
    documents = index.documents()
    forgotten = index.forgotten()
    roots = sorted({Path(d.root) for d in documents})
    gone = [r for r in roots if not r.exists()]
    # A file ingested by name and since deleted (its folder is still there) is dropped;
    # a folder that is gone, or a file whose folder is gone, may only be unmounted.
    deleted = [
        r
        for r in gone
        if r.parent.is_dir() and all(d.path == str(r) for d in documents if d.root == str(r))
    ]
    missing = [r for r in gone if r not in deleted]
    roots = [r for r in roots if r not in deleted]
    if missing:  # an unmounted drive or a renamed folder: rebuilding would drop its documents
        held = sum(Path(d.root) in missing for d in documents)
        names = ", ".join(map(str, missing[:3])) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise SourcesMissing(
            f"{held} indexed document(s) come from folders that are missing now ({names}); "
            f"nothing was changed. Reconnect them and run `qa reindex` again, or drop "
            f"their documents first with `qa forget {missing[0]}`"
        )
    check_overlap(roots, index.directory)
    lock = index.write_lock(lock_timeout)
    try:
        target = index.directory.resolve()  # a symlinked index keeps its link
        remove_leftovers(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.reindex-", dir=target.parent))
        try:
            fresh = Index(staging)
            fresh.record_settings(index_settings(embedder, chunk))
            fresh.set_forgotten(forgotten)
            report = ingest(
                roots, fresh, embedder, chunk, progress=progress, lock_timeout=lock_timeout
            )
            fresh.close()
            index.close()
            for name in KEPT_ENTRIES:  # a placeholder such as .gitkeep stays with the folder
                if (target / name).exists():
                    shutil.copy2(target / name, staging / name)
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            target.rename(old / target.name)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(old, ignore_errors=True)
    finally:
        lock.release()
    report.skipped_files += [{"path": str(r), "reason": "no longer exists"} for r in deleted]
    report.skipped += len(deleted)
    return report


def remove_leftovers(target: Path) -> None:
    """Staging folders a killed reindex of `target` left beside it. Only folders named as
    reindex names them and holding nothing but index files are removed; an old copy set
    aside (`.NAME.old-*`) is removed only while `target` itself is in place."""
    import shutil

    from .index import OWNED_ENTRIES

    patterns = [f".{target.name}.reindex-*"] + (
        [f".{target.name}.old-*"] if target.is_dir() else []
    )
    for pattern in patterns:
        for folder in target.parent.glob(pattern):
            inside = (
                folder / target.name if folder.name.startswith(f".{target.name}.old-") else folder
            )
            entries = {e.name for e in inside.iterdir()} if inside.is_dir() else set()
            if (
                folder.is_dir()
                and not folder.is_symlink()
                and entries <= OWNED_ENTRIES | KEPT_ENTRIES
            ):
                shutil.rmtree(folder, ignore_errors=True)


def forget(paths: Sequence[str], index: Index, lock_timeout: float = LOCK_TIMEOUT) -> list[str]:
    """Remove the documents at these paths (files, or every document under a folder).

    Every path is checked before anything is removed: one that names no document
    changes nothing. The paths are recorded as forgotten before their documents are
    removed, so a run killed halfway is finished by the next ingest, never undone."""
    lock = index.write_lock(lock_timeout)
    try:
        docs = index.documents()
        plans = []
        for p in paths:
            target = Path(p).resolve()
            # A path on disk names files; otherwise the argument may be a source name.
            matches = [
                d
                for d in docs
                if Path(d.path) == target
                or is_under(Path(d.path), target)
                or (d.source == p and not Path(p).exists())
            ]
            plans.append((p, target, matches))
        missing = [p for p, _, matches in plans if not matches]
        if missing:
            raise PathNotFound(f"no indexed document at {', '.join(missing)}; nothing was removed")
        removed: list[str] = []
        for _, target, matches in plans:
            marks = [d.path for d in matches]
            if target.is_dir():
                marks.append(folder_mark(target))  # ingesting this folder by name undoes it
            index.set_forgotten(marks)
            for d in matches:
                if d.source not in removed:
                    index.remove_document(d.path)
                    removed.append(d.source)
        return removed
    finally:
        lock.release()
