"""Choose `--min-score` (qa/answering/options.py DEFAULT_MIN_SCORE) and the broad
questions' offset below it (qa/answering/pipeline.py BROAD_MIN_SCORE_OFFSET) on the
training data, not the development set.

    python bench/calibrate_min_score.py     # ~10 minutes on 2 cores; prints the curves
                                            # and the thresholds chosen

`ask` declines when the best sentence's score (similarity + 0.5 x overlap) is below the
threshold: a question about something the documents do not hold. Here every question is
asked twice, once of an index that holds its article and once of one that does not:
- factoids: the SQuAD questions of bench/train_ranker.py's 12 validation articles and of
  its 32 training articles, each article indexed by paragraph (as `qa eval` indexes a
  SQuAD file; build/ranker/); a sample of each side is answerable on its own index and
  unanswerable on the other;
- broad questions: the 80 of ../shared/train, answerable on the 44 articles indexed one
  file each (build/abstention/), unanswerable on the index of the side their article is
  not on; the 35 near misses (their article indexed, the fact not in it) are reported.
A question counts as declined when its best score is below the threshold or another
check of `ask` declines it (a name the documents never mention, a missing sum of money),
as `qa eval` counts it. The thresholds are among those with which at most MAX_ABSTAINED of
the answerable questions of its kind are declined; of those, the one that declines most
of the unanswerable ones (the questions about other articles, and for broad questions the
near misses too), and of equals the lowest. Nothing from ../shared/eval is used.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import train_ranker  # noqa: E402
from abstention import TRAIN  # noqa: E402
from abstention import index as articles_index  # noqa: E402

from qa.answering.intent import QuestionKind, classify  # noqa: E402
from qa.answering.options import AskOptions  # noqa: E402
from qa.answering.pipeline import BROAD_K, ask, candidates  # noqa: E402
from qa.config import DEFAULT_K  # noqa: E402
from qa.embeddings import default_embedder  # noqa: E402
from qa.eval.broad import load_broad  # noqa: E402
from qa.retrieval import search  # noqa: E402

# The limit is 5% of answerable questions declined; a 300-question sample's share
# varies by about 1.3 points (one standard deviation), so the threshold aims lower.
MAX_ABSTAINED = 0.04
SAMPLE = {"val": 1500, "train": 1500}  # answerable factoids per side (and as many others)
SEED = 5
GRID = [round(0.50 + 0.01 * i, 2) for i in range(31)]  # 0.50 … 0.80


def observe(question: str, index, embedder) -> dict:
    """How `ask` sees the question: its kind, its best sentence's score, and whether a
    check other than the score declines it."""
    broad = classify(question).kind == QuestionKind.BROAD
    hits = search(question, index, embedder, BROAD_K if broad else DEFAULT_K, spread=False)
    scored = candidates(question, hits)
    best = scored[0].score if scored else 0.0
    other = ask(question, index, embedder, "extractive", AskOptions(min_score=0.0)).abstained
    return {"broad": broad, "best": best, "other": other}


def declined(rows: list[dict], factoid: float, broad: float | None = None) -> float:
    """The share of `rows` `ask` declines with these thresholds (a broad question's is
    `broad`; the same as a factoid's when not given)."""
    broad = factoid if broad is None else broad
    return sum(r["other"] or r["best"] < (broad if r["broad"] else factoid) for r in rows) / max(
        1, len(rows)
    )


def choose(answerable: list[dict], unanswerable: list[dict], **fixed) -> float:
    """Of the thresholds of GRID with which at most MAX_ABSTAINED of `answerable` decline,
    the one that declines most of `unanswerable`; of equals, the lowest (the most room for
    answerable questions). `fixed`: the other kind's threshold."""
    key = "broad" if "factoid" in fixed else "factoid"

    def share(rows, t):
        return declined(rows, **{**fixed, key: t})

    ok = [t for t in GRID if share(answerable, t) <= MAX_ABSTAINED] or [GRID[0]]
    return max(ok, key=lambda t: (share(unanswerable, t), -t))


def main() -> None:
    t0 = time.time()
    embedder = default_embedder()
    rng = random.Random(SEED)
    sides = {which: train_ranker.split_index(which, embedder) for which in ("val", "train")}
    seen: dict[str, list[dict]] = {k: [] for k in ("fa", "fu", "ba", "bu", "near")}
    for which, (questions, _) in sides.items():
        other_index = sides["train" if which == "val" else "val"][1]
        picked = rng.sample(questions, SAMPLE[which])
        for n, q in enumerate(picked):
            own = observe(q.question, sides[which][1], embedder)
            away = observe(q.question, other_index, embedder)
            if not own["broad"]:  # a factoid read as broad is weighed with the broad ones
                seen["fa"].append(own)
                seen["fu"].append(away)
            if n % 500 == 0:
                print(f"{which} {n}/{len(picked)} {time.time() - t0:.0f} s", flush=True)
    validation = set(json.loads(train_ranker.SETTINGS.read_text())["validation_articles"])
    articles = articles_index(embedder)
    broad = load_broad(TRAIN / "broad-questions-train.json") or []
    for q in broad:
        if q.answerable:
            seen["ba"].append(observe(q.question, articles, embedder))
            away = sides["train" if q.source[:-4] in validation else "val"][1]
            seen["bu"].append(observe(q.question, away, embedder))
        else:
            seen["near"].append(observe(q.question, articles, embedder))
    (train_ranker.WORK / "min_score_rows.json").write_text(json.dumps(seen))
    factoid = choose(seen["fa"], seen["fu"])
    broad_floor = choose(seen["ba"], seen["bu"] + seen["near"], factoid=factoid)
    curve = {
        str(t): {
            "factoid answerable": round(declined(seen["fa"], t), 4),
            "factoid other articles": round(declined(seen["fu"], t), 4),
            "broad answerable": round(declined(seen["ba"], factoid, t), 4),
            "broad other articles": round(declined(seen["bu"], factoid, t), 4),
            "near misses": round(declined(seen["near"], factoid, t), 4),
        }
        for t in GRID
    }
    report = {
        "questions": {k: len(v) for k, v in seen.items()},
        "min_score": factoid,
        "broad_floor": broad_floor,
        "broad_offset": round(factoid - broad_floor, 2),
        "at the chosen thresholds": {
            "factoid answerable declined": round(declined(seen["fa"], factoid), 4),
            "factoid other articles declined": round(declined(seen["fu"], factoid), 4),
            "broad answerable declined": round(declined(seen["ba"], factoid, broad_floor), 4),
            "broad other articles declined": round(declined(seen["bu"], factoid, broad_floor), 4),
            "near misses declined": round(declined(seen["near"], factoid, broad_floor), 4),
        },
        "curve (factoid: min_score; broad and near misses: the broad floor, factoids at "
        "min_score)": curve,
    }
    (train_ranker.WORK / "min_score.json").write_text(json.dumps(report, indent=1))
    print(json.dumps({k: v for k, v in report.items() if not k.startswith("curve")}, indent=1))
    for t in GRID[8:24]:
        print(t, curve[str(t)])
    print(f"{(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
