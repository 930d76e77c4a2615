"""`eval`: retrieval and answer quality on a SQuAD-format question set."""

from __future__ import annotations

import collections
import json
import random
import re
import string
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import DEFAULT_K, ChunkSettings
from .errors import UsageError
from .index import Index
from .text import uncited

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


def pick(
    questions: list[Question], limit: int | None, sample: int | None, seed: int
) -> list[Question]:
    if sample:
        questions = random.Random(seed).sample(questions, min(sample, len(questions)))
    if limit:
        questions = questions[:limit]
    return questions


def build_index(
    paragraphs: dict[str, str], directory: Path, embedder, chunk: ChunkSettings, progress=None
) -> Index:
    """Each paragraph becomes a document `corpus/<title>/pNNNN.txt` in the index."""
    from .ingest import ingest

    root = directory / "corpus"
    for source, text in paragraphs.items():
        f = directory / source
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
    index = Index(directory / "index")
    ingest([root], index, embedder, chunk, progress=progress)
    return index


# -- SQuAD's official answer normalisation and scores ---------------------------------------
def normalize_answer(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def exact_match(prediction: str, golds: list[str]) -> float:
    return float(any(normalize_answer(prediction) == normalize_answer(g) for g in golds))


def f1(prediction: str, golds: list[str]) -> float:
    def one(pred: str, gold: str) -> float:
        p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
        common = collections.Counter(p) & collections.Counter(g)
        same = sum(common.values())
        if same == 0:
            return 0.0
        precision, recall = same / len(p), same / len(g)
        return 2 * precision * recall / (precision + recall)

    return max((one(prediction, g) for g in golds), default=0.0)


def contains_gold(prediction: str, golds: list[str]) -> float:
    p = normalize_answer(prediction)
    return float(any(normalize_answer(g) and normalize_answer(g) in p for g in golds))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def evaluate(
    questions: list[Question],
    index: Index,
    embedder,
    *,
    k: int = DEFAULT_K,
    retriever: str = "hybrid",
    answers: bool = False,
    llm: str = "extractive",
    min_score: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    chat_model=None,
    search_documents=None,
) -> dict:
    """Every figure as one flat dict (the JSON `qa eval` prints). `search_documents`
    replaces the document ranking (tests pass a scripted one)."""
    from .answer import DEFAULT_MIN_SCORE, ask

    if search_documents is None:
        from .retrieval import search_documents

    ranks: list[int | None] = []
    scores = _AnswerScores()
    depth = max(RECALL_AT)
    for n, q in enumerate(questions):
        if progress:
            progress(n, len(questions))
        if not q.impossible:
            docs = search_documents(q.question, index, embedder, depth, retriever=retriever)
            sources = [h.source for h in docs]
            ranks.append(sources.index(q.document) + 1 if q.document in sources else None)
        if answers:
            t = time.perf_counter()
            a = ask(
                q.question,
                index,
                embedder,
                llm,
                k=k,
                retriever=retriever,
                min_score=DEFAULT_MIN_SCORE if min_score is None else min_score,
                chat_model=chat_model,
            )
            scores.add(q, a, time.perf_counter() - t)
    if progress:
        progress(len(questions), len(questions))

    info = index.info()
    result = {
        "questions": len(questions),
        "documents": info.documents,
        "chunks": info.chunks,
        "mrr": _mean([1.0 / r if r else 0.0 for r in ranks]),
        **{f"recall@{n}": _mean([1.0 if r and r <= n else 0.0 for r in ranks]) for n in RECALL_AT},
        "settings": {"retriever": retriever, "k": k, **info.settings},
    }
    if answers:
        result.update({"llm": getattr(llm, "name", llm), **scores.figures()})
    return result


class _AnswerScores:
    """SQuAD's measures over the answers, abstention and latency."""

    def __init__(self) -> None:
        self.em, self.f1, self.contains, self.latencies, self.words = [], [], [], [], []
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
            "exact_match": _mean(self.em),
            "f1": _mean(self.f1),
            "contains_gold": _mean(self.contains),
            "abstain_rate_answerable": _mean([float(x) for x in self.abstained[False]]),
            "abstain_rate_unanswerable": _mean([float(x) for x in unanswerable])
            if unanswerable
            else None,
            "answer_words_mean": _mean(self.words),
            "latency_p50_s": round(percentile(self.latencies, 0.5), 3),
            "latency_p95_s": round(percentile(self.latencies, 0.95), 3),
        }


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def temporary_directory():
    return tempfile.TemporaryDirectory(prefix="qa-eval-")


def check_eval_folder(folder: Path) -> None:
    """`qa eval --index DIR` writes DIR/corpus/ and DIR/index/: DIR must be new, empty, or
    one that an earlier `qa eval` built."""
    from .errors import IndexFolderRefused

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
    *,
    directory: Path | None,
    corpus: list[Path],
    answers: bool,
    k: int,
    retriever: str,
    min_score: float | None,
    chunk: ChunkSettings,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    unanswerable: Path | None = None,
    progress=None,
) -> dict:
    """`qa eval FILE`: a broad question file (with `corpus`) or a SQuAD file, indexed into
    `directory` (reused when it holds the index already) or a temporary folder."""
    from .evaluate_broad import load_broad, run_broad

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
        options = {"k": k, "retriever": retriever, "min_score": min_score}
        if broad is not None:
            return run_broad(
                broad, corpus, target, embedder, llm, chunk=chunk, progress=progress, **options
            )
        paragraphs, questions = load_squad(file)
        questions = pick(questions, limit, sample, seed)
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
            answers=answers,
            llm=llm,
            progress=progress.questions if progress else None,
            **options,
        )
