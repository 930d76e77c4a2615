"""`ingest`: make the index match a set of files and folders."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .config import ChunkSettings
from .documents import (
    DEFAULT_MAX_FILE_MB,
    Chunk,
    Document,
    Skip,
    chunk_document,
    iter_files,
    make_splitter,
    read_document,
)
from .errors import PathNotFound, UsageError
from .store import Index, embedding_settings

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
    seconds: float = 0.0
    skipped_files: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


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


def ingest(
    paths: Sequence[Path],
    index: Index,
    embedder: Embeddings,
    chunk: ChunkSettings = ChunkSettings(),
    *,
    prune: bool = True,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
    progress: Progress | None = None,
    lock_timeout: float = 60.0,
) -> IngestReport:
    started = time.perf_counter()
    roots = []
    for p in paths:
        if not p.exists():
            raise PathNotFound(f"no such file or folder: {p}")
        roots.append(p.resolve())

    report = IngestReport()
    wanted = index_settings(embedder, chunk)
    splitter = make_splitter(chunk)
    lock = index.write_lock(lock_timeout)
    try:
        index.check_settings(wanted)
        index.recover()
        if not index.settings():
            index.record_settings(wanted)

        files = [(f, root) for root in roots for f in iter_files(root)]
        report.files = len(files)
        seen: set[str] = set()
        batch: list[tuple[Document, Path, bool]] = []

        def flush() -> None:
            chunks = [c for doc, _, _ in batch for c in doc.chunks]
            chunk_vecs, sentence_vecs = embed_chunks(embedder, chunks)
            vectors, sentences = iter(chunk_vecs), iter(sentence_vecs)
            items = [
                (
                    doc,
                    root,
                    [next(vectors) for _ in doc.chunks],
                    [next(sentences) for _ in doc.chunks],
                )
                for doc, root, _ in batch
            ]
            for (_, _, existed), (added, removed) in zip(batch, index.put_documents(items)):
                report.chunks_added += added
                report.chunks_removed += removed
                if existed:
                    report.updated += 1
                else:
                    report.added += 1
            batch.clear()

        for done, (path, root) in enumerate(files):
            if progress:
                progress(str(path), done, len(files))
            key = str(path.resolve())
            if key in seen:
                continue
            seen.add(key)
            known = index.document(key)
            try:
                doc = read_document(path, root, max_file_mb)
            except Skip as why:
                report.skipped += 1
                report.skipped_files.append({"path": str(path), "reason": str(why)})
                continue
            if known and known["sha256"] == doc.sha256:
                report.unchanged += 1
                continue
            batch.append((chunk_document(doc, splitter), root, known is not None))
            if sum(len(d.chunks) for d, _, _ in batch) >= EMBED_BATCH:  # chunks, not texts
                flush()
        if batch:
            flush()
        if progress:
            progress("", len(files), len(files))

        if prune:
            for doc in index.documents():
                if doc["path"] in seen:
                    continue
                if any(_is_under(Path(doc["path"]), r) for r in roots if r.is_dir()):
                    report.chunks_removed += index.remove_document(doc["path"])
                    report.removed += 1
    finally:
        lock.release()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def reindex(
    index: Index,
    embedder: Embeddings,
    chunk: ChunkSettings | None = None,
    *,
    progress: Progress | None = None,
    lock_timeout: float = 60.0,
) -> IngestReport:
    """Rebuild the index from the files it was built from, with the current embedder and
    `chunk` (default: the recorded chunk settings). The old index stays in place until the
    new one is complete."""
    import shutil

    if index.chroma_url:
        raise UsageError(
            "qa reindex works on an embedded index; with a Chroma server, "
            "ingest into a new collection instead"
        )
    index.require_documents()
    recorded = index.settings()
    if chunk is None:
        chunk = ChunkSettings(
            recorded.get("chunk_size", ChunkSettings().size),
            recorded.get("chunk_overlap", ChunkSettings().overlap),
        )
    roots = sorted({Path(d["root"]) for d in index.documents()})
    missing = [r for r in roots if not r.exists()]
    lock = index.write_lock(lock_timeout)
    try:
        staging = index.directory.with_name(index.directory.name + ".reindex")
        shutil.rmtree(staging, ignore_errors=True)
        fresh = Index(staging)
        report = ingest(
            [r for r in roots if r.exists()],
            fresh,
            embedder,
            chunk,
            progress=progress,
            lock_timeout=lock_timeout,
        )
        fresh.close()
        index.close()
        old = index.directory.with_name(index.directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        index.directory.rename(old)
        staging.rename(index.directory)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        lock.release()
    report.skipped_files += [{"path": str(r), "reason": "no longer exists"} for r in missing]
    report.skipped += len(missing)
    return report


def forget(paths: Sequence[str], index: Index, lock_timeout: float = 60.0) -> list[str]:
    """Remove the documents at these paths (files, or every document under a folder)."""
    lock = index.write_lock(lock_timeout)
    try:
        removed = []
        docs = index.documents()
        for p in paths:
            target = Path(p).resolve()
            matches = [
                d
                for d in docs
                if Path(d["path"]) == target
                or _is_under(Path(d["path"]), target)
                or d["source"] == p
            ]
            if not matches:
                raise PathNotFound(f"no indexed document at {p}")
            for d in matches:
                index.remove_document(d["path"])
                removed.append(d["source"])
        return removed
    finally:
        lock.release()


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False
