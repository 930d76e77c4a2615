"""`qa mcp`: the index as an MCP server for assistants and editors."""

from __future__ import annotations

import typer

from ..config import DEFAULT_K, DEFAULT_RETRIEVER
from . import (
    BaseUrlOpt,
    ChromaOpt,
    IndexOpt,
    KOpt,
    LLMOpt,
    MinScoreOpt,
    RerankOpt,
    RetrieverOpt,
    SinceOpt,
    SourceOpt,
    TimeoutOpt,
    UntilOpt,
    _ask_options,
    _index,
    _llm,
    app,
)


@app.command()
def mcp(
    k: KOpt = DEFAULT_K,
    llm: LLMOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    retriever: RetrieverOpt = DEFAULT_RETRIEVER,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    min_score: MinScoreOpt = None,
    rerank: RerankOpt = None,
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
):
    """Serve the index to an MCP client (an assistant or editor) over stdin/stdout.

    Tools: ask, search, summarize, status. Each indexed document is a resource.

    It only reads; keep the index current with `qa ingest --watch` beside it.

    The options set each call's defaults; a call may change k and the filters.

    Example: qa mcp --index ~/notes-index
    """
    from ..mcp_server import Service, serve

    spec = _llm(llm, base_url, timeout)
    options = _ask_options(k, retriever, source, since, until, min_score, rerank)
    _index(index, chroma_url)  # a bad --index or --chroma-url fails here, in one line
    serve(Service(lambda: _index(index, chroma_url), spec, options))
    raise typer.Exit(0)
