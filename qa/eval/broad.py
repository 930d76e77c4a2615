"""`qa eval` on broad questions: overviews, causes, lists, comparisons, each with the key
facts a good answer holds (`../shared/eval/broad-questions-dev.json`'s format), and
questions the documents cannot answer."""

from __future__ import annotations

import collections
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..answering.citations import CITATION, uncited
from ..answering.options import AskOptions
from ..config import ChunkSettings
from ..errors import UsageError
from ..index import Index
from .metrics import mean, percentile

FACT_WINDOW = 150  # an answer covers a fact when a keyword is in its first 150 words


@dataclass
class BroadQuestion:
    question: str
    source: str  # the file it is about ("" for an unanswerable one)
    facts: list[list[str]]  # each fact: alternative keywords
    kind: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.facts)


def load_broad(path: Path) -> list[BroadQuestion] | None:
    """Questions of the broad format (`{"questions": [{"q", "source", "facts"}],
    "unanswerable": [{"q"}]}`), or None when the file is in another format."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path} is not a JSON file ({exc})") from None
    if not isinstance(data, dict) or "questions" not in data:
        return None
    try:
        out = [
            BroadQuestion(
                q["q"], q.get("source", ""), [list(f) for f in q["facts"]], q.get("kind", "")
            )
            for q in data["questions"]
        ]
        out += [BroadQuestion(q["q"], q.get("near", ""), []) for q in data.get("unanswerable", [])]
    except (KeyError, TypeError) as exc:
        raise UsageError(f"{path} is not a broad question file ({exc!r} missing)") from None
    if not out:
        raise UsageError(f"{path} holds no questions")
    return out


def corpus_paths(paths: list[Path], directory: Path) -> list[Path]:
    """The files and folders to index for a broad question set. A SQuAD file among them
    becomes one file per article (`<title>.txt`, its paragraphs joined by blank lines)."""
    out = []
    for p in paths:
        if not p.exists():
            raise UsageError(f"no such file or folder: {p}")
        if p.suffix.lower() == ".json":
            try:
                articles = json.loads(p.read_text(encoding="utf-8"))["data"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise UsageError(f"{p} is not a SQuAD JSON file ({exc})") from None
            folder = directory / "corpus"
            folder.mkdir(parents=True, exist_ok=True)
            for article in articles:
                name = str(article.get("title", "untitled")).replace("/", "_") + ".txt"
                text = "\n\n".join(para["context"] for para in article["paragraphs"])
                (folder / name).write_text(text, encoding="utf-8")
            if folder not in out:
                out.append(folder)
        else:
            out.append(p)
    return out


def fact_coverage(answer: str, facts: list[list[str]]) -> float:
    """The share of facts with a keyword in the answer's first FACT_WINDOW words."""
    head = " ".join(answer.split()[:FACT_WINDOW]).lower()
    return sum(any(k.lower() in head for k in fact) for fact in facts) / len(facts)


_READABLE_START = re.compile(r"^(?:[-*•]\s+)?[\"'“‘(]?[A-Z0-9]")
_READABLE_END = re.compile(rf"(?:[.!?…][\"'”’)]*|{CITATION.pattern})$")


def readable(answer: str) -> bool:
    """Starts with a capital letter or a digit and ends with punctuation or a citation;
    a span of up to four words counts as readable."""
    text = answer.strip()
    if len(uncited_words := uncited(text).split()) <= 4:
        return bool(uncited_words)
    return bool(_READABLE_START.match(text) and _READABLE_END.search(text))


def evaluate_broad(
    questions: list[BroadQuestion],
    index: Index,
    embedder,
    options: AskOptions | None = None,
    *,
    llm="local",
    progress: Callable[[int, int], None] | None = None,
    chat_model=None,
) -> dict:
    """Fact coverage, full coverage, readability, length, abstention and latency (one
    loop and one dict of figures: 66 lines, kept together to read as the measure)."""
    from ..answering import ask

    options = options or AskOptions()

    coverage, full, readable_, lengths, cited_right, latencies = [], [], [], [], [], []
    declined, abstained_answerable = [], []
    kinds: collections.Counter[str] = collections.Counter()
    for n, q in enumerate(questions):
        if progress:
            progress(n, len(questions))
        t = time.perf_counter()
        a = ask(q.question, index, embedder, llm, options, chat_model=chat_model)
        latencies.append(time.perf_counter() - t)
        kinds[a.kind] += 1
        if not q.answerable:
            declined.append(a.abstained)
            continue
        abstained_answerable.append(a.abstained)
        text = "" if a.abstained else a.answer
        share = fact_coverage(text, q.facts)
        coverage.append(share)
        full.append(share == 1.0)
        if not a.abstained:
            readable_.append(readable(a.answer))
            lengths.append(len(uncited(a.answer).split()))
            cited_right.append(any(Path(s.source).name == q.source for s in a.sources))
    if progress:
        progress(len(questions), len(questions))
    info = index.info()
    return {
        "questions": len(questions),
        "documents": info.documents,
        "chunks": info.chunks,
        "llm": getattr(llm, "name", llm),
        "fact_coverage": mean(coverage),
        "full_coverage": mean([float(x) for x in full]),
        "readable": mean([float(x) for x in readable_]),
        "mean_words": round(sum(lengths) / len(lengths), 1) if lengths else 0.0,
        "cites_the_right_document": mean([float(x) for x in cited_right]),
        "answerable_abstained": mean([float(x) for x in abstained_answerable]),
        "unanswerable_abstained": f"{sum(declined)}/{len(declined)}" if declined else None,
        "kinds": dict(kinds),
        "latency_p50_s": round(percentile(latencies, 0.5), 3),
        "latency_p95_s": round(percentile(latencies, 0.95), 3),
        "settings": {
            "retriever": str(options.retriever),
            "k": options.k,
            "rerank": options.rerank,
            **info.settings,
        },
    }


def run_broad(
    questions: list[BroadQuestion],
    corpus: list[Path],
    directory: Path,
    embedder,
    llm,
    options: AskOptions,
    *,
    chunk: ChunkSettings,
    progress=None,
) -> dict:
    """Index the corpus into `directory/index` (reused when it is there) and evaluate."""
    from ..ingest import ingest

    index = Index(directory / "index")
    if not index.exists() or index.info().documents == 0:
        roots = corpus_paths(corpus, directory)
        ingest(roots, index, embedder, chunk, progress=progress.ingest if progress else None)
    return evaluate_broad(
        questions,
        index,
        embedder,
        options,
        llm=llm,
        progress=progress.questions if progress else None,
    )
