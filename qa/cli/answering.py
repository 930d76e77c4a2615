"""Commands that answer from the index: ask, summarize, search, chat."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..config import DEFAULT_K, DEFAULT_RETRIEVER
from ..terminal import clean
from . import (
    BaseUrlOpt,
    ChromaOpt,
    IndexOpt,
    JsonOpt,
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
    _embedder,
    _filters,
    _index,
    _llm,
    _print_json,
    _text_argument,
    app,
)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
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
    json_out: JsonOpt = False,
):
    """Answer a question from the indexed documents, citing the passages used.

    Example: qa ask "what did India and Russia agree on defence?"
    """
    from ..answering import ask as run_ask
    from .show import AnswerStream, print_answer

    spec = _llm(llm, base_url, timeout)
    question = _text_argument(question, "question")
    store = _index(index, chroma_url)
    store.require_documents()
    stream = AnswerStream(enabled=not json_out and sys.stdout.isatty())
    with stream:
        answer = run_ask(
            question,
            store,
            _embedder(),
            spec,
            _ask_options(k, retriever, source, since, until, min_score, rerank),
            on_token=stream.on_token if stream.enabled else None,
        )
        stream.finish(answer.answer, answer.highlight)
    if json_out:
        _print_json(answer.to_dict())
    else:
        print_answer(answer, streamed=stream.enabled)


@app.command()
def summarize(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Indexed files or folders, or source names as cited.", show_default=False
        ),
    ],
    llm: LLMOpt = None,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", metavar="", help="Print one JSON object per document.")
    ] = False,
):
    """Summarise whole documents, citing the passages used.

    Without a larger model: 3-7 of the document's own sentences. With ollama:/openai:,
    the model summarises the document part by part, then joins the parts.

    Example: qa summarize seeds/000_367919e9dc5d7af7.txt
    """
    from ..answering import find_documents
    from ..answering import summarize as run_summarize
    from .show import out, print_answer, summary_progress

    spec = _llm(llm, base_url, timeout)
    store = _index(index, chroma_url)
    store.require_documents()
    documents = find_documents(store, paths)
    for n, document in enumerate(documents):
        with summary_progress(document.source, enabled=not json_out) as progress:
            answer = run_summarize(document, store, spec, on_progress=progress)
        if json_out:
            _print_json({"document": document.source, **answer.to_dict()})
            continue
        if len(documents) > 1:
            out.print(("\n" if n else "") + f"[bold]{clean(document.source)}[/bold]")
        print_answer(answer)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: KOpt = 5,
    retriever: RetrieverOpt = DEFAULT_RETRIEVER,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    rerank: RerankOpt = None,
    index: IndexOpt = None,
    chroma_url: ChromaOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", metavar="", help="Print one JSON object per passage.")
    ] = False,
    vimgrep: Annotated[
        bool,
        typer.Option(
            "--vimgrep",
            metavar="",
            help="Print path:line:column:text lines, for an editor's quickfix list "
            "(vim -q, Emacs grep-mode, VS Code).",
        ),
    ] = False,
):
    """Show the passages that match a query, ranked, with scores (no LLM).

    Example: qa search "S-400 air defence" -k 3

    Example: vim -q <(qa search "assault rifles" --vimgrep)
    """
    from ..ranker import default_ranker, rerank_setting
    from ..retrieval import search as run_search

    query = _text_argument(query, "query")
    store = _index(index, chroma_url)
    store.require_documents()
    hits = run_search(
        query,
        store,
        _embedder(),
        k,
        retriever=retriever.value,
        filters=_filters(source, since, until),
        ranker=default_ranker() if rerank_setting(rerank) else None,
    )
    if json_out:
        for hit in hits:
            _print_json(hit.to_dict())
        return
    if vimgrep:
        from .show import print_vimgrep

        print_vimgrep(hits)
        return
    from .show import print_hits

    print_hits(hits)


@app.command()
def chat(
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
    json_out: Annotated[
        bool, typer.Option("--json", metavar="", help="Print one JSON object per answer.")
    ] = False,
):
    """Chat with your documents: follow-ups are understood in context.

    Commands inside the chat: /sources, /reset, /help, /exit (or Ctrl-D).
    Example: qa chat
    """
    from ..answering import Conversation
    from .chat_loop import run_chat

    spec = _llm(llm, base_url, timeout)
    store = _index(index, chroma_url)
    store.require_documents()
    options = _ask_options(k, retriever, source, since, until, min_score, rerank)
    options.filters.require(store)  # before the first question, not at it
    code = run_chat(Conversation(store, _embedder(), spec, options), json_out=json_out)
    if code:
        raise typer.Exit(code)
