"""`search`: dense, lexical (BM25) or hybrid retrieval over the index."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from langchain_core.embeddings import Embeddings

from .errors import UsageError
from .store import Index, embedding_settings
from .text import content_words

RETRIEVERS = ("hybrid", "dense", "lexical")
RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)


@dataclass
class Filters:
    source: str | None = None  # a glob over source names or paths
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None

    def paths(self, index: Index) -> list[str] | None:
        return index.paths_matching(self.source, self.since, self.until)


@dataclass
class Hit:
    id: str
    source: str
    path: str
    chunk: int
    start: int
    end: int
    date: str | None
    text: str
    score: float  # the fused score used for ranking
    rank: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def search(
    query: str,
    index: Index,
    embedder: Embeddings,
    k: int = 4,
    *,
    retriever: str = "hybrid",
    filters: Filters | None = None,
    depth: int | None = None,
) -> list[Hit]:
    """The k best chunks, no more than one per document until every document has one."""
    if not query.strip():
        raise UsageError("the query is empty")
    if retriever not in RETRIEVERS:
        raise UsageError(f"unknown retriever {retriever!r}; choose one of {', '.join(RETRIEVERS)}")
    if k < 1:
        raise UsageError("-k must be at least 1")
    index.require_documents()
    index.check_settings(embedding_settings(embedder), for_query=True)
    paths = (filters or Filters()).paths(index)
    depth = depth or max(4 * k, 20)

    ranked: list[list[tuple[str, float]]] = []
    if retriever in ("dense", "hybrid"):
        ranked.append(index.dense_query(embedder.embed_query(query), depth, paths))
    if retriever in ("lexical", "hybrid"):
        ranked.append(index.lexical_query(content_words(query), depth, paths))
    scores = ranked[0] if len(ranked) == 1 else rrf(ranked)

    chunks = index.get_chunks([i for i, _ in scores])
    hits = [
        Hit(id=i, source=c.source, path=c.path, chunk=c.chunk, start=c.start, end=c.end,
            date=c.date, text=c.text, score=round(s, 6))
        for i, s in scores
        if (c := chunks.get(i)) is not None
    ]
    hits = diversify(hits)[:k]
    for rank, hit in enumerate(hits, 1):
        hit.rank = rank
    return hits


def rrf(rankings: list[list[tuple[str, float]]], k: int = RRF_K) -> list[tuple[str, float]]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (item, _) in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return sorted(fused.items(), key=lambda kv: kv[1], reverse=True)


def diversify(hits: list[Hit]) -> list[Hit]:
    """Each document's best chunk first (in rank order), then the next-best chunks."""
    rounds: list[list[Hit]] = []
    seen: dict[str, int] = {}
    for hit in hits:
        n = seen.get(hit.path, 0)
        seen[hit.path] = n + 1
        while len(rounds) <= n:
            rounds.append([])
        rounds[n].append(hit)
    return [h for r in rounds for h in r]


def search_documents(
    query: str, index: Index, embedder: Embeddings, k: int = 10, **kwargs
) -> list[Hit]:
    """The k best distinct documents, each represented by its best chunk."""
    hits = search(query, index, embedder, k=k * 4, **kwargs)
    best: dict[str, Hit] = {}
    for hit in hits:
        best.setdefault(hit.path, hit)
    return list(best.values())[:k]


class QARetriever:
    """A LangChain `BaseRetriever` over a qa index, for use in other chains."""

    def __new__(cls, index: Index, embedder: Embeddings, k: int = 4, **kwargs):
        from langchain_core.documents import Document
        from langchain_core.retrievers import BaseRetriever

        class _Retriever(BaseRetriever):
            def _get_relevant_documents(self, query, *, run_manager=None):
                return [
                    Document(page_content=h.text, metadata={**h.to_dict(), "text": None})
                    for h in search(query, index, embedder, k, **kwargs)
                ]

        return _Retriever()
