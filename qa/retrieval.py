"""`search`: dense, lexical (BM25) or hybrid retrieval over the index.

Hybrid retrieval takes the union of the dense and BM25 candidates and scores each chunk
by its own dense and BM25 scores and by its best-matching sentence (similarity to the
question, and the share of the question's words it holds). The weights were chosen with
`qa eval` on the development set; bench/RESULTS.md lists every configuration tried.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.embeddings import Embeddings

from .config import DEFAULT_K
from .errors import DiskFull, NothingMatches, UsageError, warn
from .index import Index, StoredChunk, embedding_settings
from .ranker import Ranker
from .reading.location import Location, cite
from .text import content_words, folded, stems, subject

RETRIEVERS = ("hybrid", "dense", "lexical")
FUSIONS = ("sentence", "rrf", "weighted")
RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)
# Weights of the hybrid "sentence" fusion: chunk dense, chunk BM25, best sentence
# similarity, best sentence word overlap (see bench/RESULTS.md). Chosen on the development
# set, then checked on articles nobody tuned for (../shared/train, bench/fit_fusion.py):
# the best weights on 1,000 questions of the 32 training articles reach MRR 0.878 against
# 0.872 for these, and on the 12 validation articles 0.873 against 0.876: refitted, they
# would gain nothing, so they stay.
SENTENCE_WEIGHTS = (0.2, 0.1, 0.4, 0.3)
# Passages the relevance model reads (the best by the hybrid score): eight of ~180 tokens
# take ~150 ms on 2 cores (bench/RESULTS.md).
RERANK_POOL = 8
# Reranked, a passage ranks by its hybrid score plus this times the model's probability.
# On the validation articles the model alone ranks worse than the hybrid score (MRR 0.74
# against 0.86); the sum ranks 0.866 at this weight and 0.869-0.872 from 0.1 to 0.5, a flat
# optimum (qa/models/ranker.md).
RERANK_WEIGHT = 0.2


@dataclass(frozen=True)
class Filters:
    source: str | None = None  # a glob over source names or paths
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None

    def paths(self, index: Index) -> list[str] | None:
        return index.paths_matching(self.source, self.since, self.until)

    def require(self, index: Index) -> list[str] | None:
        """`paths`, or NothingMatches when the filters leave no document: "not found" would
        blame the documents for what the filters left out."""
        paths = self.paths(index)
        if paths is not None and not paths:
            given = [f"{k} {v!r}" for k, v in vars(self).items() if v]
            hint = " (sources are named as answers cite them)" if self.source else ""
            raise NothingMatches(f"no indexed document matches {', '.join(given)}{hint}")
        return paths


@dataclass
class SentenceMatch:
    start: int  # within the chunk text
    end: int
    similarity: float  # cosine with the question
    overlap: float  # IDF-weighted share of the question's words
    vector: Any = field(default=None, repr=False)  # the stored sentence vector (unit length)


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
    score: float  # the score used for ranking
    rank: int = 0
    sentences: list[SentenceMatch] = field(default_factory=list, repr=False)
    location: Location | None = None  # page, lines, section; None: not recorded (older index)
    relevance: float | None = None  # the relevance model's probability; None: not reranked

    def citation(self) -> str:
        """The passage as cited: "report.pdf pp. 3-4", "notes/plan.md:12-18 § Budget"."""
        return cite(self.source, self.location, self.chunk)

    def to_dict(self) -> dict:
        out = asdict(self)
        del out["sentences"]
        # as stored, without its sentences' places
        out["location"] = self.location.of_chunk().to_dict() if self.location else None
        return out


def search(
    query: str,
    index: Index,
    embedder: Embeddings,
    k: int = DEFAULT_K,
    *,
    retriever: str = "hybrid",
    filters: Filters | None = None,
    depth: int | None = None,
    fusion: str = "sentence",
    dense_weight: float = 0.5,
    with_sentences: bool = True,
    spread: bool = True,
    ranker: Ranker | None = None,
) -> list[Hit]:
    """The k best chunks; with `spread`, no more than one per document until every
    document has one (a broad question wants the best chunks, wherever they are).

    `with_sentences` scores the hits' sentences against the question (for evidence).
    With a `ranker`, the best RERANK_POOL (at least k) by the hybrid score are read by the
    relevance model, whose probability each hit keeps as `relevance`, and ordered again
    by their score plus RERANK_WEIGHT times that.
    """
    _check_request(query, k, retriever, fusion)
    index.require_documents()
    index.check_settings(embedding_settings(embedder), for_query=True)
    paths = (filters or Filters()).require(index)
    depth = depth or max(2 * k, 40)

    query = subject(query)  # "tell me about X": X is what passages are scored against
    q_vec = embedder.embed_query(query)  # also scores sentences for the evidence
    try:
        dense = index.dense_query(q_vec, depth, paths) if retriever != "lexical" else []
    except DiskFull as exc:  # the vectors cannot open on a full disk; the words still can
        if retriever == "dense":
            raise
        warn(f"{str(exc).split(';')[0]}; searching by words only until space is freed")
        dense = []
    lexical = (
        index.lexical_query(content_words(query), depth, paths) if retriever != "dense" else []
    )
    candidates = list(dict.fromkeys([i for i, _ in dense] + [i for i, _ in lexical]))
    chunks = index.get_chunks(candidates)
    candidates = [i for i in candidates if i in chunks]  # a document removed meanwhile
    by_sentence = retriever == "hybrid" and fusion == "sentence"
    matches = sentence_matches(query, q_vec, index, chunks) if by_sentence else {}

    if retriever == "dense":
        scores = dense
    elif retriever == "lexical":
        scores = lexical
    else:
        scores = _fuse(fusion, candidates, dense, lexical, matches, dense_weight)

    hits = [hit_from(chunks[i], score) for i, score in scores if i in chunks]
    if ranker is not None:
        hits = rerank(query, hits[: max(k, RERANK_POOL)], ranker)
    hits = (diversify(hits) if spread else hits)[:k]
    if with_sentences and not by_sentence:
        matches = sentence_matches(query, q_vec, index, {h.id: chunks[h.id] for h in hits})
    for rank, hit in enumerate(hits, 1):
        hit.rank = rank
        hit.sentences = matches.get(hit.id, []) if with_sentences else []
    return hits


def rerank(query: str, hits: list[Hit], ranker: Ranker) -> list[Hit]:
    """`hits` ordered by their score plus RERANK_WEIGHT times the relevance model's
    probability, which each keeps as `relevance`."""
    for hit, p in zip(hits, ranker.score(query, [h.text for h in hits])):
        hit.relevance = round(p, 6)
    return sorted(hits, key=lambda h: h.score + RERANK_WEIGHT * (h.relevance or 0.0), reverse=True)


def _check_request(query: str, k: int, retriever: str, fusion: str) -> None:
    if not query.strip():
        raise UsageError("the query is empty")
    if retriever not in RETRIEVERS:
        raise UsageError(f"unknown retriever {retriever!r}; choose one of {', '.join(RETRIEVERS)}")
    if fusion not in FUSIONS:
        raise UsageError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
    if k < 1:
        raise UsageError("-k must be at least 1")


def _fuse(fusion, candidates, dense, lexical, matches, dense_weight) -> list[tuple[str, float]]:
    """The hybrid ranking of the dense and lexical candidates, by `fusion`."""
    if fusion == "rrf":
        return rrf([dense, lexical])
    if fusion == "weighted":
        return weighted([dense, lexical], [dense_weight, 1 - dense_weight])
    return sentence_fusion(candidates, dense, lexical, matches)


def hit_from(c: StoredChunk, score: float) -> Hit:
    """A stored chunk as a search hit with this score."""
    return Hit(
        id=c.id,
        source=c.source,
        path=c.path,
        chunk=c.chunk,
        start=c.start,
        end=c.end,
        date=c.date,
        text=c.text,
        score=round(score, 6),
        location=Location.from_dict(c.location),
    )


def sentence_fusion(candidates, dense, lexical, matches) -> list[tuple[str, float]]:
    """The hybrid score: each chunk's dense and BM25 scores (min-max scaled) and its best
    sentence's similarity and word overlap, weighted by SENTENCE_WEIGHTS; best first."""
    d, lx = normalise(dense), normalise(lexical)
    wd, wl, ws, wo = SENTENCE_WEIGHTS

    def score(i: str) -> float:
        best_sim = max((m.similarity for m in matches[i]), default=0.0)
        best_overlap = max((m.overlap for m in matches[i]), default=0.0)
        return wd * d.get(i, 0.0) + wl * lx.get(i, 0.0) + ws * best_sim + wo * best_overlap

    return sorted(((i, score(i)) for i in candidates), key=lambda kv: kv[1], reverse=True)


def sentence_matches(
    query: str, q_vec: list[float], index: Index, chunks: dict[str, StoredChunk]
) -> dict[str, list[SentenceMatch]]:
    """Each candidate chunk's sentences scored against the question.

    Word overlap is weighted by inverse frequency among the candidates' sentences: a word
    every candidate holds ('India' in a corpus about India) tells less than a rare one.
    """
    import numpy as np

    chunk_ids = list(chunks)
    stored = index.sentences(chunk_ids)
    q = np.asarray(q_vec, dtype=np.float32)
    q /= np.linalg.norm(q) or 1.0
    q_stems = folded(stems(query))
    spans = [(cid, s) for cid in chunk_ids for s in stored.get(cid, [])]
    sent_stems = [folded(stems(chunks[cid].text[s.start : s.end])) for cid, s in spans]
    n = len(spans)
    idf = {t: math.log(1 + (n + 1) / (1 + sum(t in ss for ss in sent_stems))) for t in q_stems}
    total = sum(idf.values())
    out: dict[str, list[SentenceMatch]] = {cid: [] for cid in chunk_ids}
    for (cid, s), ss in zip(spans, sent_stems):
        norm = float(np.linalg.norm(s.vector)) or 1.0
        sim = float(s.vector @ q) / norm
        overlap = sum(idf[t] for t in q_stems & ss) / total if total else 0.0
        out[cid].append(SentenceMatch(s.start, s.end, sim, overlap, s.vector / norm))
    return out


def normalise(ranking: list[tuple[str, float]]) -> dict[str, float]:
    """Min-max scaling to [0, 1] over one ranking."""
    if not ranking:
        return {}
    values = [s for _, s in ranking]
    lo, hi = min(values), max(values)
    return {i: (s - lo) / (hi - lo) if hi > lo else 1.0 for i, s in ranking}


def rrf(rankings: list[list[tuple[str, float]]], k: int = RRF_K) -> list[tuple[str, float]]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (item, _) in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return sorted(fused.items(), key=lambda kv: kv[1], reverse=True)


def weighted(
    rankings: list[list[tuple[str, float]]], weights: list[float]
) -> list[tuple[str, float]]:
    """Min-max normalised scores combined with weights; absent from a ranking counts as 0."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for item, score in normalise(ranking).items():
            fused[item] = fused.get(item, 0.0) + weight * score
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
    hits = search(query, index, embedder, k=k, with_sentences=False, **kwargs)
    best: dict[str, Hit] = {}
    for hit in hits:
        best.setdefault(hit.path, hit)
    return list(best.values())[:k]


class QARetriever:
    """A LangChain `BaseRetriever` over a qa index, for use in other chains."""

    def __new__(cls, index: Index, embedder: Embeddings, k: int = DEFAULT_K, **kwargs):
        from langchain_core.documents import Document
        from langchain_core.retrievers import BaseRetriever

        class _Retriever(BaseRetriever):
            def _get_relevant_documents(self, query, *, run_manager=None):
                return [
                    Document(
                        page_content=h.text,
                        metadata={k: v for k, v in h.to_dict().items() if k != "text"},
                    )
                    for h in search(query, index, embedder, k, **kwargs)
                ]

        return _Retriever()
