"""Measure the relevance model on the validation split: whether its probability tells the
questions the index answers from those it cannot (a threshold for abstention), and the
answer path with and without it; writes the figures into qa/models/ranker.json and the
card, qa/models/ranker.md.

    python bench/calibrate_ranker.py     # after bench/train_ranker.py (make train runs both)

Validation: the articles bench/train_ranker.py held out (build/ranker/val-*.json). The
questions the index cannot answer are SQuAD questions of the *training* articles, which
the validation index does not hold, and the broad near misses of the validation articles.
A threshold is the highest with which at most MAX_ABSTAINED of the answerable questions
of its kind are declined, counting those the `--min-score` floor declines already.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from train_ranker import CARD, OUT, SEED, SETTINGS, WORK, sha256  # noqa: E402

from qa.answering.intent import QuestionKind, classify  # noqa: E402
from qa.answering.options import AskOptions  # noqa: E402
from qa.answering.pipeline import BROAD_K, BROAD_MIN_SCORE_OFFSET, candidates  # noqa: E402
from qa.config import DEFAULT_K, ChunkSettings  # noqa: E402
from qa.embeddings import default_embedder  # noqa: E402
from qa.eval.broad import load_broad, run_broad  # noqa: E402
from qa.eval.squad import Sampling, build_index, evaluate, load_squad  # noqa: E402
from qa.index import Index  # noqa: E402
from qa.ranker import Ranker  # noqa: E402
from qa.retrieval import search  # noqa: E402

MAX_ABSTAINED = 0.05
N_ANSWERABLE = 400  # validation questions used to place the threshold
N_UNANSWERABLE = 400  # training-article questions the validation index cannot answer
N_REPORT = 300  # validation questions of the end-to-end figures (qa eval --sample)


def questions() -> tuple[list[str], list[str], list[str], list[str]]:
    rng = random.Random(SEED)
    _, val = load_squad(WORK / "val-squad.json")
    _, train = load_squad(WORK / "train-squad.json")
    answerable = [q.question for q in rng.sample(val, N_ANSWERABLE)]
    unanswerable = [q.question for q in rng.sample(train, N_UNANSWERABLE)]
    broad = load_broad(WORK / "val-broad.json") or []
    return (
        answerable,
        unanswerable,
        [q.question for q in broad if q.answerable],
        [q.question for q in broad if not q.answerable],
    )


def best_relevance(
    question: str, index: Index, embedder, ranker: Ranker
) -> tuple[str, float, bool]:
    """The question's kind, its best passage's probability, retrieved as `ask` does, and
    whether the best sentence reaches `--min-score` (when it does not, `ask` declines
    whatever the model says)."""
    broad = classify(question).kind == QuestionKind.BROAD
    hits = search(
        question,
        index,
        embedder,
        BROAD_K if broad else DEFAULT_K,
        spread=False,
        ranker=ranker,
    )
    scored = candidates(question, hits)
    floor = AskOptions().min_score - (BROAD_MIN_SCORE_OFFSET if broad else 0.0)
    passes = bool(scored) and scored[0].score >= floor
    best = max((h.relevance or 0.0 for h in hits), default=0.0)
    return ("broad" if broad else "factoid"), best, passes


def threshold(answerable: list[tuple[float, bool]]) -> float:
    """The highest threshold with which at most MAX_ABSTAINED of `answerable` are declined,
    counting those `--min-score` declines already."""
    declined = sum(not passes for _, passes in answerable)
    room = max(0, int(MAX_ABSTAINED * len(answerable)) - declined)
    ordered = sorted(p for p, passes in answerable if passes)
    if not ordered:
        return 0.5
    return round(max(0.0, ordered[min(room, len(ordered) - 1)] - 1e-6), 4)


def indexes(embedder) -> tuple[Index, Index]:
    """The validation articles indexed twice: by paragraph (as `qa eval` indexes a SQuAD
    file) and one file per article (as the broad questions are asked)."""
    squad_dir, broad_dir = WORK / "val-squad-index", WORK / "val-broad-index"
    index = Index(squad_dir / "index")
    if not index.exists() or index.info().documents == 0:
        paragraphs, _ = load_squad(WORK / "val-squad.json")
        index = build_index(paragraphs, squad_dir, embedder, ChunkSettings())
    articles = Index(broad_dir / "index")
    if not articles.exists() or articles.info().documents == 0:
        from qa.eval.broad import corpus_paths
        from qa.ingest import ingest

        ingest(corpus_paths([WORK / "val-squad.json"], broad_dir), articles, embedder)
    return index, articles


def calibrate(embedder, ranker: Ranker, index: Index, articles: Index) -> dict:
    answerable, unanswerable, broad, near = questions()
    seen: dict[str, dict[str, list[tuple[float, bool]]]] = {"factoid": {}, "broad": {}}
    for label, qs, where in [
        ("answerable", answerable, index),
        ("unanswerable", unanswerable, index),
        ("answerable", broad, articles),
        ("unanswerable", near, articles),
    ]:
        for q in qs:
            kind, p, passes = best_relevance(q, where, embedder, ranker)
            seen[kind].setdefault(label, []).append((p, passes))
    out = {}
    for kind, by in seen.items():
        t = threshold(by.get("answerable", []))
        declined = [p < t or not passes for p, passes in by.get("unanswerable", [])]
        floor_only = [not passes for _, passes in by.get("unanswerable", [])]
        out[kind] = {
            "threshold": t,
            "answerable": len(by.get("answerable", [])),
            "unanswerable": len(declined),
            "unanswerable_declined": round(sum(declined) / len(declined), 3) if declined else None,
            "declined_by_min_score_alone": round(sum(floor_only) / len(floor_only), 3)
            if floor_only
            else None,
        }
    return out


def end_to_end(embedder, index: Index, articles: Index, rerank: bool) -> dict:
    """`qa eval` with `--llm extractive` (the same answers as `local` without the
    highlight, in a fraction of the time) on the validation articles."""
    options = AskOptions(rerank=rerank)
    _, val = load_squad(WORK / "val-squad.json")
    _, train = load_squad(WORK / "train-squad.json")
    asked = Sampling(sample=N_REPORT, seed=1).pick(val)
    others = [replace(q, impossible=True) for q in random.Random(SEED + 1).sample(train, 100)]
    squad = evaluate(asked + others, index, embedder, options, answers=True, llm="extractive")
    broad = run_broad(
        load_broad(WORK / "val-broad.json") or [],
        [WORK / "val-squad.json"],
        WORK / "val-broad-index",
        embedder,
        "extractive",
        options,
        chunk=ChunkSettings(),
    )
    return {"squad": squad, "broad": broad}


def main() -> None:
    t0 = time.time()
    embedder = default_embedder()
    index, articles = indexes(embedder)
    ranker = Ranker()
    found = calibrate(embedder, ranker, index, articles)
    settings = json.loads(SETTINGS.read_text())
    settings.pop("thresholds", None)
    settings["calibration"] = found
    SETTINGS.write_text(json.dumps(settings, indent=1) + "\n")
    print(json.dumps(found, indent=1))
    figures = {
        "without": end_to_end(embedder, index, articles, rerank=False),
        "with": end_to_end(embedder, index, articles, rerank=True),
    }
    (WORK / "validation.json").write_text(json.dumps(figures, indent=1))
    write_card(settings, figures)
    print(f"calibrated and measured in {(time.time() - t0) / 60:.1f} min")


def row(name: str, figures: dict) -> str:
    s, b = figures["squad"], figures["broad"]
    return (
        f"| {name} | {s['mrr']:.3f} | {s['recall@5']:.3f} | {s['contains_gold']:.3f} | "
        f"{s['abstain_rate_answerable']:.3f} | {s['abstain_rate_unanswerable']:.3f} | "
        f"{b['fact_coverage']:.3f} | {b['readable']:.3f} | {b['unanswerable_abstained']} | "
        f"{s['latency_p50_s']:.2f} / {b['latency_p50_s']:.2f} |"
    )


HEADER = (
    "| answer path | MRR | R@5 | contains gold | answerable abstained | unanswerable declined "
    "| broad coverage | broad readable | broad near misses declined | p50 s (factoid / broad) |"
    "\n" + "|---" * 10 + "|"
)


def write_card(settings: dict, figures: dict) -> None:
    text = CARD.read_text() if CARD.is_file() else ""
    marker = "## Validation figures"
    head = text.split(marker)[0].rstrip() + "\n\n" if marker in text else text
    cal = settings["calibration"]
    t = {kind: v["threshold"] for kind, v in cal.items()}
    body = f"""{marker}

Written by `python bench/calibrate_ranker.py`. Model `{OUT.name}`:
{OUT.stat().st_size / 1e6:.1f} MB, sha256 `{sha256(OUT)}`.

Abstention by the model's best probability, on top of `--min-score` (the highest threshold
with which at most 5% of the answerable validation questions of its kind are declined,
those `--min-score` declines included; the model's threshold is not used, as it adds
little): factoid {t["factoid"]} ({cal["factoid"]["answerable"]} answerable,
{cal["factoid"]["unanswerable"]} unanswerable: {cal["factoid"]["unanswerable_declined"]}
declined, against {cal["factoid"]["declined_by_min_score_alone"]} by `--min-score` alone), broad
{t["broad"]} ({cal["broad"]["answerable"]} answerable, {cal["broad"]["unanswerable"]}
unanswerable: {cal["broad"]["unanswerable_declined"]} declined, against
{cal["broad"]["declined_by_min_score_alone"]}).

End to end on the validation articles (`--llm extractive`): {N_REPORT} SQuAD
questions (`--sample {N_REPORT} --seed 1`) and 100 questions of training articles the
validation index does not hold; the validation broad questions and near misses.

{HEADER}
{row("default (`--no-rerank`: the model reads broad answers' sentences only)", figures["without"])}
{row("`--rerank` (it orders the passages too)", figures["with"])}
"""
    CARD.write_text(head + body)


if __name__ == "__main__":
    main()
