"""`qa mcp`: the index as a Model Context Protocol server over stdio, for assistants and
editors (Claude Desktop, VS Code, Cursor, any MCP client).

Tools: `search` (passages with citations and scores), `ask` (an answer with its sources,
or a refusal), `summarize` (a document) and `status`; each indexed document is a resource
(its text as indexed). They call the same library functions as the CLI, so an answer here
is the answer `qa ask --json` gives. The server only reads: ingest stays a CLI job (a
`qa ingest --watch` beside it keeps the index current, and the server sees each commit).
A bad argument is a tool error with a one-line message; the server keeps serving.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .answering import AskOptions, ask, find_documents, summarize
from .errors import QAError
from .index import Index
from .llms import LLMSpec
from .ranker import default_ranker
from .retrieval import Filters, search
from .terminal import clean

INSTRUCTIONS = (
    "Answers questions from the user's own indexed documents, with citations. Use `ask` "
    "for an answer (it declines, abstained=true, when the documents do not hold one: say "
    "so rather than guessing), `search` for the passages themselves, `summarize` for one "
    "document, `status` for what is indexed."
)


class SourceOut(BaseModel):
    n: int  # the number the answer cites it by, [n]
    citation: str  # "report.pdf p. 4", "notes/plan.md:12-18 § Budget"
    source: str
    path: str
    quote: str  # the sentence of the passage the answer rests on
    date: str | None = None
    location: dict[str, Any] | None = None


class AnswerOut(BaseModel):
    """What `qa ask --json` prints, less the passages' whole texts and the timings."""

    question: str
    answer: str
    abstained: bool  # true: the documents do not answer it; `answer` says why
    grounded: bool
    answer_from: str  # model | evidence | none
    kind: str  # factoid | broad | document
    highlight: str | None = None  # the phrase of a factoid's sentence that answers it
    llm: str
    ranker: str | None = None  # the relevance model that read the passages
    sources: list[SourceOut]
    unsupported: list[str] = []  # sentences a model wrote that its passages did not support


class Passage(BaseModel):
    rank: int
    citation: str
    source: str
    path: str
    score: float
    relevance: float | None = None  # the relevance model's probability (0-1)
    date: str | None = None
    text: str


class SearchOut(BaseModel):
    query: str
    passages: list[Passage]


class StatusOut(BaseModel):
    index: str
    documents: int
    chunks: int
    settings: dict[str, Any]
    document_list: list[str]


class Service:
    """The library behind the tools: one embedder, one model, and the index reopened when
    another process (an ingest) has committed to it since the last call."""

    def __init__(self, open_index, spec: LLMSpec, options: AskOptions, embedder=None):
        self._open, self.spec, self.options = open_index, spec, options
        self._index: Index | None = None
        self._version: int | None = None
        self._embedder = embedder

    def index(self) -> Index:
        if self._index is not None and self._index.chroma_url:
            self._index.refresh()  # the replica asks the server what changed
        elif self._index is not None:
            version = self._index.db.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:  # another connection committed: reopen
                self._index.close()
                self._index = None
        if self._index is None:
            self._index = self._open()
            self._index.require_documents()
            if not self._index.chroma_url:
                self._version = self._index.db.execute("PRAGMA data_version").fetchone()[0]
        return self._index

    def embedder(self):
        if self._embedder is None:
            from .embeddings import default_embedder

            self._embedder = default_embedder()
        return self._embedder

    def filters(self, source: str | None, since: str | None, until: str | None) -> Filters:
        from .reading.chunking import iso_date

        for name, day in (("since", since), ("until", until)):
            if day is not None and iso_date(day) is None:
                raise QAError(f"{name} must be a date written YYYY-MM-DD, not {day!r}")
        given = Filters(source=source, since=since, until=until)
        return given if (source or since or until) else self.options.filters

    # -- the tools: their docstrings are what a client's model reads ------------------------
    def ask(
        self,
        question: str,
        k: int | None = None,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        min_score: float | None = None,
    ) -> AnswerOut:
        """Answer a question from the indexed documents, citing the passages used. When
        the documents do not hold the answer, `abstained` is true: say so, don't guess.
        `source` is a glob over source names ("notes/*.md"); `since`/`until` are dates
        (YYYY-MM-DD) of dated documents; `k` passages (1-50) are read."""
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise QAError(f"min_score must be between 0 and 1, not {min_score}")
        options = AskOptions.given(
            k=_k(k) if k is not None else self.options.k,
            retriever=self.options.retriever,
            filters=self.filters(source, since, until),
            min_score=self.options.min_score if min_score is None else min_score,
            rerank=self.options.rerank,
        )
        return answer_out(ask(question, self.index(), self.embedder(), self.spec, options))

    def search(
        self,
        query: str,
        k: int = 5,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> SearchOut:
        """The passages that best match a query, ranked, with scores and citations (no
        model: fast, and the texts themselves)."""
        hits = search(
            query,
            self.index(),
            self.embedder(),
            _k(k),
            retriever=self.options.retriever,
            filters=self.filters(source, since, until),
            ranker=default_ranker() if self.options.rerank else None,
        )
        passages = [
            Passage(
                rank=h.rank,
                citation=h.citation(),
                source=h.source,
                path=h.path,
                score=h.score,
                relevance=h.relevance,
                date=h.date,
                text=h.text,
            )
            for h in hits
        ]
        return SearchOut(query=query, passages=passages)

    def summarize(self, document: str) -> AnswerOut:
        """Summarise one indexed document, named by its path or its source name as cited
        ("notes/plan.md"), citing the passages used."""
        index = self.index()
        row = find_documents(index, [document])[0]
        return answer_out(summarize(row, index, self.spec))

    def status(self) -> StatusOut:
        """What is indexed: where, how many documents and passages, the settings."""
        index = self.index()
        info = index.info()
        return StatusOut(
            index=info.location,
            documents=info.documents,
            chunks=info.chunks,
            settings=info.settings,
            document_list=[d.source for d in index.documents()],
        )


def _k(k: int) -> int:
    if not 1 <= k <= 50:
        raise QAError(f"k must be between 1 and 50, not {k}")
    return k


def answer_out(answer) -> AnswerOut:
    """`qa ask --json`'s object as the tool returns it (keys it does not list are left out)."""
    return AnswerOut.model_validate(answer.to_dict())


def document_text(index: Index, path: str) -> str:
    """A document's text as indexed: its chunks in order, the overlap between
    neighbours left out."""
    chunks = sorted(index.get_chunks(index.chunk_ids(path)).values(), key=lambda c: c.chunk)
    text, end = "", None
    for c in chunks:
        if end is None or c.start >= end:
            text += ("\n\n" if text else "") + c.text
        else:
            text += c.text[end - c.start :]
        end = max(end or 0, c.start + len(c.text))
    return text


def build_server(service: Service):
    """The MCP server over `service`: its tools and the documents as resources."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceError, ToolError
    from mcp_types import ToolAnnotations
    from pydantic import ValidationError

    from . import __version__

    class Server(MCPServer):
        async def call_tool(self, name, arguments, context=None):
            """Arguments that do not fit a tool's schema, in one line per field ("question:
            Input should be a valid string"), not pydantic's multi-line report."""
            try:
                return await super().call_tool(name, arguments, context)
            except ToolError as exc:
                cause = exc.__cause__
                if type(exc) is not ToolError or not isinstance(cause, ValidationError):
                    raise
                said = "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in cause.errors()
                )
                raise ToolError(f"Error executing tool {name}: {said}") from cause

    server = Server("qa", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)
    for tool in (service.ask, service.search, service.summarize, service.status):
        server.add_tool(_one_line_errors(tool), name=tool.__name__, annotations=read_only)
    try:
        documents = _WORKER.submit(lambda: service.index().documents()).result()
    except QAError:  # an empty or missing index: the tools say so when called
        documents = []
    for row in documents:
        server.add_resource(_document_resource(service, row.path, row.source, ResourceError))
    return server


# Every call runs on this one thread: the index's SQLite connection belongs to the thread
# that opened it, and the bundled model answers one question at a time.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-mcp")


async def _on_worker(fn, *args, **kwargs):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_WORKER, functools.partial(fn, *args, **kwargs))


def _one_line_errors(tool):
    """`tool` run on the worker, with qa's errors as MCP tool errors: one line the
    client's model can read."""
    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(tool)
    async def call(*args, **kwargs):
        try:
            return await _on_worker(tool, *args, **kwargs)
        except QAError as exc:
            raise ToolError(clean(str(exc)).replace("\n", " ")) from None

    return call


def _document_resource(service: Service, path: str, source: str, resource_error):
    from mcp.server.mcpserver.resources import FunctionResource

    async def read() -> str:
        try:
            return await _on_worker(lambda: document_text(service.index(), path))
        except QAError as exc:
            raise resource_error(clean(str(exc))) from None

    return FunctionResource(
        uri=Path(path).as_uri(),
        name=source,
        description=f"{source}, as indexed by qa",
        mime_type="text/plain",
        fn=read,
    )


def serve(service: Service) -> None:
    """Serve over stdin/stdout until the client closes the connection."""
    build_server(service).run("stdio")
