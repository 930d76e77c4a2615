"""`qa eval FILE`: which measure a question file gets (broad questions with their corpus,
or SQuAD), and the index it is measured on (a folder of its own, or a temporary one)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..answering.options import AskOptions
from ..config import ChunkSettings
from ..errors import UsageError
from ..index import Index
from .broad import load_broad, run_broad
from .squad import Sampling, build_index, evaluate, load_squad, load_unanswerable


def temporary_directory():
    return tempfile.TemporaryDirectory(prefix="qa-eval-")


def check_eval_folder(folder: Path) -> None:
    """`qa eval --index DIR` writes DIR/corpus/ and DIR/index/: DIR must be new, empty, or
    one that an earlier `qa eval` built."""
    from ..errors import IndexFolderRefused

    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--index {folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "index" / "qa.sqlite3").exists():
        raise IndexFolderRefused(
            f"{folder} holds files that qa eval did not write; choose a new or empty folder"
        )


def run_eval(
    file: Path,
    make_embedder,
    llm,
    options: AskOptions,
    *,
    directory: Path | None,
    corpus: list[Path],
    answers: bool,
    chunk: ChunkSettings,
    sampling: Sampling | None = None,
    unanswerable: Path | None = None,
    progress=None,
) -> dict:
    """`qa eval FILE`: a broad question file (with `corpus`) or a SQuAD file, indexed into
    `directory` (reused when it holds the index already) or a temporary folder."""
    if directory is not None:
        check_eval_folder(directory)
    broad = load_broad(file)
    if broad is not None and not corpus:
        raise UsageError(
            f"{file} holds broad questions: name the documents they are about with "
            f"--corpus (files, folders, or a SQuAD file: one document per article)"
        )
    with temporary_directory() as tmp:
        target = Path(directory) if directory else Path(tmp)
        embedder = make_embedder()
        if broad is not None:
            return run_broad(
                broad, corpus, target, embedder, llm, options, chunk=chunk, progress=progress
            )
        paragraphs, questions = load_squad(file)
        questions = (sampling or Sampling()).pick(questions)
        if unanswerable:
            questions += load_unanswerable(unanswerable)
        index = Index(target / "index")
        if not index.exists() or index.info().documents == 0:
            index = build_index(
                paragraphs, target, embedder, chunk, progress=progress.ingest if progress else None
            )
        return evaluate(
            questions,
            index,
            embedder,
            options,
            answers=answers,
            llm=llm,
            progress=progress.questions if progress else None,
        )
