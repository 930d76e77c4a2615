"""`qa eval`: the measures, on a SQuAD or a broad question file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE, DEFAULT_K, DEFAULT_RETRIEVER
from . import (
    BaseUrlOpt,
    JsonOpt,
    KOpt,
    LLMOpt,
    MinScoreOpt,
    RerankOpt,
    RetrieverOpt,
    _ask_options,
    _embedder,
    _llm,
    _print_json,
    app,
)


@app.command("eval")
def eval_(
    file: Annotated[
        Path, typer.Argument(help="A question set in SQuAD JSON format (v1.1 or v2.0).")
    ],
    index: Annotated[
        Path | None,
        typer.Option(
            "--index", help="Use (or build, if empty) this index instead of a temporary one."
        ),
    ] = None,
    answers: Annotated[
        bool,
        typer.Option(
            "--answers",
            metavar="",
            help="Also generate answers: exact match, F1, abstention, latency.",
        ),
    ] = False,
    llm: LLMOpt = None,
    base_url: BaseUrlOpt = None,
    k: KOpt = DEFAULT_K,
    retriever: RetrieverOpt = DEFAULT_RETRIEVER,
    min_score: MinScoreOpt = None,
    rerank: RerankOpt = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N questions.")] = None,
    sample: Annotated[
        int | None, typer.Option(min=1, help="A random sample of N questions.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for --sample.")] = 0,
    unanswerable: Annotated[
        Path | None,
        typer.Option(help="Also ask these questions (one a line), which should be abstained on."),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option(help="Characters per chunk (temporary index).")
    ] = DEFAULT_CHUNK_SIZE,
    chunk_overlap: Annotated[
        int, typer.Option(help="Chunk overlap (temporary index).")
    ] = DEFAULT_CHUNK_OVERLAP,
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            help="For a broad question file: the documents it is about (repeatable; a SQuAD "
            "file becomes one document per article)."
        ),
    ] = None,
    json_out: JsonOpt = False,
):
    """Measure retrieval and answer quality on a question set.

    A SQuAD file: recall@k and MRR, and with --answers exact match, F1, abstention. A
    broad question file (with --corpus): fact coverage, readability, abstention.

    Example: qa eval ../shared/eval/squad-v1.1-dev-8-articles.json --sample 300 --seed 1 --answers
    --unanswerable bench/unrelated_questions.txt

    Example: qa eval ../shared/eval/broad-questions-dev.json --corpus seeds/
    --corpus ../shared/eval/squad-v1.1-dev-8-articles.json
    """
    # Long only by its options; the work is eval.run.run_eval's.
    from ..config import ChunkSettings, offline_environment
    from ..eval.run import run_eval
    from ..eval.squad import Sampling
    from .show import eval_progress, print_eval

    offline_environment()
    spec = _llm(llm, base_url)
    with eval_progress(enabled=not json_out) as progress:
        result = run_eval(
            file,
            _embedder,
            spec,
            _ask_options(k, retriever, None, None, None, min_score, rerank),
            directory=index,
            corpus=corpus or [],
            answers=answers,
            chunk=ChunkSettings(chunk_size, chunk_overlap),
            sampling=Sampling(limit=limit, sample=sample, seed=seed),
            unanswerable=unanswerable,
            progress=progress,
        )
    if json_out:
        _print_json(result)
    else:
        print_eval(result)
