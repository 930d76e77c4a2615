"""Retrieval and answer quality on a SQuAD-format question set: recall@k and MRR of the
document ranking, and SQuAD's measures of the answers, with abstention and latency."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..answering.citations import uncited
from ..answering.options import AskOptions
from ..config import ChunkSettings
from ..errors import UsageError
from ..index import Index
from ..ranker import default_ranker
from .metrics import contains_gold, exact_match, f1, mean, percentile

RECALL_AT = (1, 3, 5, 10)


@dataclass
class Question:
    id: str
    question: str
    answers: list[str]
    document: str  # the source name of its paragraph
    impossible: bool = False


def load_squad(path: Path) -> tuple[dict[str, str], list[Question]]:
    """Paragraphs (source name -> text) and questions from a SQuAD v1.1/v2.0 file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        articles = data["data"]
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path} is not a SQuAD JSON file ({exc})") from None
    paragraphs: dict[str, str] = {}
    questions: list[Question] = []
    for article in articles:
        title = _safe(article.get("title", "untitled"))
        for n, para in enumerate(article["paragraphs"]):
            source = f"corpus/{title}/p{n:04d}.txt"  # as `qa ingest corpus/` names it
            paragraphs[source] = para["context"]
            for qa in para.get("qas", []):
                questions.append(
                    Question(
                        id=str(qa.get("id", len(questions))),
                        question=qa["question"],
                        answers=[a["text"] for a in qa.get("answers", [])],
                        document=source,
                        impossible=bool(qa.get("is_impossible", False)),
                    )
                )
    if not questions:
        raise UsageError(f"{path} holds no questions")
    return paragraphs, questions


def load_unanswerable(path: Path) -> list[Question]:
    """Questions the corpus cannot answer, one a line (# starts a comment)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read {path} ({exc.strerror})") from None
    return [
        Question(
            id=f"unanswerable-{n}", question=line.strip(), answers=[], document="", impossible=True
        )
        for n, line in enumerate(lines)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _safe(title: str) -> str:
    return re.sub(r"[^\w.-]+", "_", title).strip("_") or "untitled"


@dataclass(frozen=True)
class Sampling:
    """Which questions of a set are asked: a seeded random sample, then the first few."""

    limit: int | None = None
    sample: int | None = None
    seed: int = 0

    def pick(self, questions: list[Question]) -> list[Question]:
        if self.sample:
            rng = random.Random(self.seed)
            questions = rng.sample(questions, min(self.sample, len(questions)))
        if self.limit:
            questions = questions[: self.limit]
        return questions


def build_index(
    paragraphs: dict[str, str], directory: Path, embedder, chunk: ChunkSettings, progress=None
) -> Index:
    """Each paragraph becomes a document `corpus/<title>/pNNNN.txt` in the index."""
    from ..ingest import ingest

    root = directory / "corpus"
    for source, text in paragraphs.items():
        f = directory / source
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    index = Index(directory / "index")
    ingest([root], index, embedder, chunk, progress=progress)
    return index


def evaluate(
    questions: list[Question],
    index: Index,
    embedder,
    options: AskOptions | None = None,
    *,
    answers: bool = False,
    llm: str = "extractive",
    progress: Callable[[int, int], None] | None = None,
    chat_model=None,
    search_documents=None,
) -> dict:
    """Every figure as one flat dict (the JSON `qa eval` prints). `search_documents`
    replaces the document ranking (tests pass a scripted one)."""
    from ..answering import ask

    if search_documents is None:
        from ..retrieval import search_documents
    options = options or AskOptions()
    ranker = default_ranker() if options.rerank else None

    ranks: list[int | None] = []
    scores = _AnswerScores()
    depth = max(RECALL_AT)
    for n, q in enumerate(questions):
        if progress:
            progress(n, len(questions))
        if not q.impossible:
            docs = search_documents(
                q.question, index, embedder, depth, retriever=options.retriever, ranker=ranker
            )
            sources = [h.source for h in docs]
            ranks.append(sources.index(q.document) + 1 if q.document in sources else None)
        if answers:
            t = time.perf_counter()
            a = ask(q.question, index, embedder, llm, options, chat_model=chat_model)
            scores.add(q, a, time.perf_counter() - t)
    if progress:
        progress(len(questions), len(questions))

    info = index.info()
    result = {
        "questions": len(questions),
        "documents": info.documents,
        "chunks": info.chunks,
        "mrr": mean([1.0 / r if r else 0.0 for r in ranks]),
        **{f"recall@{n}": mean([1.0 if r and r <= n else 0.0 for r in ranks]) for n in RECALL_AT},
        "settings": {
            "retriever": str(options.retriever),
            "k": options.k,
            "rerank": options.rerank,
            **info.settings,
        },
    }
    if answers:
        result.update({"llm": getattr(llm, "name", llm), **scores.figures()})
    return result


class _AnswerScores:
    """SQuAD's measures over the answers, abstention and latency."""

    def __init__(self) -> None:
        self.em: list[float] = []
        self.f1: list[float] = []
        self.contains: list[float] = []
        self.latencies: list[float] = []
        self.words: list[float] = []
        self.abstained: dict[bool, list[bool]] = {True: [], False: []}  # by impossible

    def add(self, q: Question, a, seconds: float) -> None:
        self.latencies.append(seconds)
        self.abstained[q.impossible].append(a.abstained)
        if q.impossible:
            return
        text = "" if a.abstained else uncited(a.answer)
        self.em.append(exact_match(text, q.answers))
        self.f1.append(f1(text, q.answers))
        self.contains.append(contains_gold(text, q.answers))
        if not a.abstained:
            self.words.append(len(text.split()))

    def figures(self) -> dict:
        unanswerable = self.abstained[True]
        return {
            "exact_match": mean(self.em),
            "f1": mean(self.f1),
            "contains_gold": mean(self.contains),
            "abstain_rate_answerable": mean([float(x) for x in self.abstained[False]]),
            "abstain_rate_unanswerable": mean([float(x) for x in unanswerable])
            if unanswerable
            else None,
            "answer_words_mean": mean(self.words),
            "latency_p50_s": round(percentile(self.latencies, 0.5), 3),
            "latency_p95_s": round(percentile(self.latencies, 0.95), 3),
        }
