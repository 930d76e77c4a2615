"""Train the relevance model: a cross-encoder over (question, passage) pairs, made from
the first layers of the bundled all-MiniLM-L6-v2, exported as int8 ONNX.

    make train      # ~40 minutes on 2 cores; writes qa/models/ranker.onnx, ranker.json
                    # and the card qa/models/ranker.md

Data: ../shared/train only (CC BY-SA 4.0), split by article. The validation articles are
the instruction guard's ten (bench/train_guard.py) plus two more that have broad
questions; nothing from ../shared/eval is trained on or chosen with. Passages are the
chunks `qa ingest` makes of each article (one file per article, paragraphs joined by
blank lines, 800 characters, 100 overlap).

- factoid questions: the chunk holding the answer is a positive; the article's best
  other chunk by BM25 and by the embedder, and the nearest chunk of another article
  ("not answered here"), are negatives; the answer's sentence against two other
  sentences of its paragraph teaches the same at sentence length;
- broad questions: a chunk holding key facts is a positive, weighted by how many; the
  article's nearest chunks without any are negatives;
- unanswerable near misses: the near article's nearest chunks are negatives.

Loss: binary cross-entropy, so the output reads as a probability, plus a listwise term:
in each group (a question's positive and its negatives) the positive must score highest.
A chunk holding part of a factoid's answer is used as neither. bench/calibrate_ranker.py
then measures it on the validation split (written to qa/models/ranker.json and the card).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from qa.config import ChunkSettings  # noqa: E402
from qa.reading.chunking import make_splitter  # noqa: E402
from qa.text import sentences, stems  # noqa: E402

SHARED = ROOT.parent / "shared" / "train"
MODELS = ROOT / "qa" / "models"
OUT = MODELS / "ranker.onnx"
SETTINGS = MODELS / "ranker.json"
CARD = MODELS / "ranker.md"
WORK = ROOT / "build" / "ranker"  # the validation split as files, for `qa eval`

SEED = 13
LAYERS = 3  # of MiniLM-L6's six: 8 passages reranked in ~150 ms on 2 cores (int8)
MAX_TOKENS = 192  # question and passage; an 800-character chunk is ~180 tokens
SENTENCE_TOKENS = 64
N_FACTOID = 3000  # training questions with passage groups
N_SENTENCE = 3000  # training questions with sentence groups
BROAD_REPEAT = 3  # the broad groups are few; seen this many times
BATCH = 16
LR = 5e-5
HEAD_LR = 1e-3
EXTRA_VALIDATION = 2  # broad articles added to the guard's ten validation articles
# Besides each pair's own cross-entropy, a group's positive must outscore its negatives
# (softmax cross-entropy over the group): ranking is what the model is used for.
LISTWISE = 1.0


@dataclass
class Example:
    question: str
    text: str
    target: float
    weight: float = 1.0
    max_tokens: int = MAX_TOKENS
    group: int = -1  # examples of one group share a question and one positive (listwise)


@dataclass
class Article:
    title: str
    text: str
    paragraphs: list[dict]
    para_starts: list[int]
    chunks: list[tuple[int, int, str]]  # start, end, text


def load() -> tuple[list[Article], dict]:
    squad = json.loads((SHARED / "squad-v1.1-train-44-articles.json").read_text())
    broad = json.loads((SHARED / "broad-questions-train.json").read_text())
    splitter = make_splitter(ChunkSettings())
    articles = []
    for a in squad["data"]:
        contexts = [p["context"] for p in a["paragraphs"]]
        text = "\n\n".join(contexts)
        starts, at = [], 0
        for c in contexts:
            starts.append(at)
            at += len(c) + 2
        chunks = []
        for piece in splitter.create_documents([text]):
            start = piece.metadata["start_index"]
            body = piece.page_content
            chunks.append((start, start + len(body), body.strip()))
        articles.append(Article(a["title"], text, a["paragraphs"], starts, chunks))
    return articles, broad


def split(articles: list[Article], broad: dict) -> tuple[set[str], set[str]]:
    """Validation: the guard's ten articles (the same shuffle) and EXTRA_VALIDATION more
    of those with broad questions; training: the rest."""
    titles = [a.title for a in articles]
    shuffled = titles[:]
    random.Random(0).shuffle(shuffled)
    validation = set(shuffled[34:])
    with_broad = sorted({q["source"][:-4] for q in broad["questions"]} - validation)
    validation |= set(random.Random(SEED).sample(with_broad, EXTRA_VALIDATION))
    return set(titles) - validation, validation


class BM25:
    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75):
        self.docs = [stems_list(t) for t in texts]
        self.avg = sum(map(len, self.docs)) / max(1, len(self.docs))
        df: dict[str, int] = {}
        for d in self.docs:
            for t in set(d):
                df[t] = df.get(t, 0) + 1
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def scores(self, query: str) -> list[float]:
        q = stems(query)
        out = []
        for d in self.docs:
            tf: dict[str, int] = {}
            for t in d:
                if t in q:
                    tf[t] = tf.get(t, 0) + 1
            norm = self.k1 * (1 - self.b + self.b * len(d) / self.avg)
            out.append(sum(self.idf[t] * f * (self.k1 + 1) / (f + norm) for t, f in tf.items()))
        return out


def stems_list(text: str) -> list[str]:
    from qa.text import content_words, stem

    return [stem(w) for w in content_words(text)]


def embed(texts: list[str]) -> np.ndarray:
    from qa.embeddings import default_embedder

    v = np.asarray(default_embedder().embed_documents(texts), dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def factoid_questions(articles: list[Article], titles: set[str]) -> list[tuple[Article, str, int]]:
    """(article, question, answer offset in the article) for every question."""
    out = []
    for a in articles:
        if a.title not in titles:
            continue
        for p, start in zip(a.paragraphs, a.para_starts):
            for qa in p["qas"]:
                ans = qa["answers"][0]
                out.append((a, qa["question"], start + ans["answer_start"], len(ans["text"])))
    return out


def build_examples(articles, broad, train: set[str], rng: random.Random) -> list[Example]:
    by_title = {a.title: a for a in articles}
    pool = [(a, i) for a in articles if a.title in train for i in range(len(a.chunks))]
    chunk_vecs = embed([a.chunks[i][2] for a, i in pool])
    owner = np.array([a.title for a, _ in pool])
    bm25 = {t: BM25([c[2] for c in by_title[t].chunks]) for t in train}
    offset = {}
    at = 0
    for a in articles:
        if a.title in train:
            offset[a.title] = at
            at += len(a.chunks)

    examples: list[Example] = []
    questions = factoid_questions(articles, train)
    rng.shuffle(questions)
    chosen = questions[:N_FACTOID]
    q_vecs = embed([q for _, q, _, _ in chosen])
    group = 0
    for (a, q, at_, n), qv in zip(chosen, q_vecs):
        holding = [i for i, (s, e, _) in enumerate(a.chunks) if s <= at_ and at_ + n <= e]
        if not holding:
            continue
        group += 1
        examples.append(Example(q, a.chunks[rng.choice(holding)][2], 1.0, group=group))
        base = offset[a.title]
        sims = chunk_vecs[base : base + len(a.chunks)] @ qv
        lexical = bm25[a.title].scores(q)
        # A chunk holding part of the answer is neither positive nor negative.
        taken = {i for i, (s, e, _) in enumerate(a.chunks) if s < at_ + n and at_ < e}
        for ranking in (np.argsort(-np.asarray(lexical)), np.argsort(-sims)):
            i = next(int(i) for i in ranking if int(i) not in taken)
            taken.add(i)
            examples.append(Example(q, a.chunks[i][2], 0.0, group=group))
        other = chunk_vecs @ qv
        other[owner == a.title] = -2
        j = int(np.argmax(other))
        examples.append(Example(q, pool[j][0].chunks[pool[j][1]][2], 0.0, group=group))

    for a, q, at_, _ in questions[N_FACTOID : N_FACTOID + N_SENTENCE]:
        para = max(i for i, s in enumerate(a.para_starts) if s <= at_)
        context, local = a.paragraphs[para]["context"], at_ - a.para_starts[para]
        spans = sentences(context)
        hit = [k for k, (s, e) in enumerate(spans) if s <= local < e]
        if not hit or len(spans) < 3:
            continue
        others = [k for k in range(len(spans)) if k != hit[0]]
        group += 1
        for k, target in [(hit[0], 1.0)] + [(k, 0.0) for k in rng.sample(others, 2)]:
            text = context[slice(*spans[k])]
            examples.append(Example(q, text, target, 1.0, SENTENCE_TOKENS, group))

    examples += broad_examples(broad, by_title, train, chunk_vecs, offset, bm25) * BROAD_REPEAT
    return examples


def fact_count(text: str, facts: list[list[str]]) -> int:
    low = text.lower()
    return sum(any(k.lower() in low for k in fact) for fact in facts)


def broad_examples(broad, by_title, titles, chunk_vecs, offset, bm25) -> list[Example]:
    out = []
    items = [(q["q"], q["source"][:-4], q["facts"]) for q in broad["questions"]]
    items += [(q["q"], q["near"][:-4], None) for q in broad["unanswerable"]]
    items = [it for it in items if it[1] in titles]
    q_vecs = embed([q for q, _, _ in items])
    for (q, title, facts), qv in zip(items, q_vecs):
        a = by_title[title]
        base = offset[title]
        sims = chunk_vecs[base : base + len(a.chunks)] @ qv
        lexical = np.asarray(bm25[title].scores(q))
        near = np.argsort(-(sims + lexical / (lexical.max() or 1.0)))
        if facts is None:  # the article does not answer it: its nearest chunks are not
            out += [Example(q, a.chunks[int(i)][2], 0.0) for i in near[:4]]
            continue
        held = [fact_count(c[2], facts) for c in a.chunks]
        out += [Example(q, c[2], 1.0, 1.0 + 0.5 * (h - 1)) for c, h in zip(a.chunks, held) if h]
        out += [Example(q, a.chunks[int(i)][2], 0.0) for i in near if not held[int(i)]][:6]
    return out


def batches(examples: list[Example], rng: random.Random) -> list[list[Example]]:
    """Batches of about BATCH pairs and whole groups, of similar length (less padding),
    in random order."""
    groups: dict[int, list[Example]] = {}
    units = []
    for e in examples:
        if e.group < 0:
            units.append([e])
        elif e.group not in groups:
            groups[e.group] = [e]
            units.append(groups[e.group])
        else:
            groups[e.group].append(e)
    rng.shuffle(units)
    units.sort(key=len)  # groups of one size together, shuffled within
    out, step = [], BATCH * 20
    for i in range(0, len(units), step // 4):
        block = sorted(
            units[i : i + step // 4], key=lambda u: max(len(e.question) + len(e.text) for e in u)
        )
        batch: list[Example] = []
        for u in block:
            if batch and len(batch) + len(u) > BATCH:
                out.append(batch)
                batch = []
            batch += u
        if batch:
            out.append(batch)
    rng.shuffle(out)
    return out


def listwise_loss(logits, batch: list[Example]):
    """Softmax cross-entropy of each group's positive against its negatives."""
    import torch

    members: dict[int, list[int]] = {}
    for k, e in enumerate(batch):
        if e.group >= 0:
            members.setdefault(e.group, []).append(k)
    losses = []
    for ks in members.values():
        scores = logits[ks]
        target = [k for k, i in enumerate(ks) if batch[i].target > 0]
        if len(ks) > 1 and len(target) == 1:
            losses.append(torch.nn.functional.cross_entropy(scores[None], torch.tensor(target)))
    return torch.stack(losses).mean() if losses else logits.sum() * 0.0


def make_model():
    import torch
    from transformers import BertModel

    from qa.embeddings import bundled_model_path

    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = BertModel.from_pretrained(bundled_model_path())
            self.bert.encoder.layer = self.bert.encoder.layer[:LAYERS]
            self.bert.config.num_hidden_layers = LAYERS
            self.bert.embeddings.word_embeddings.weight.requires_grad = False
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(pooled).squeeze(-1)

    return CrossEncoder()


def tokenizer(max_tokens: int):
    from tokenizers import Tokenizer

    from qa.embeddings import bundled_model_path

    tok = Tokenizer.from_file(str(Path(bundled_model_path()) / "tokenizer.json"))
    tok.enable_truncation(max_tokens, strategy="longest_first")
    tok.enable_padding()
    return tok


def encode(batch: list[Example]):
    import torch

    tok = tokenizer(max(e.max_tokens for e in batch))
    enc = tok.encode_batch([(e.question, e.text) for e in batch])
    return (
        torch.tensor([e.ids for e in enc]),
        torch.tensor([e.attention_mask for e in enc]),
        torch.tensor([e.type_ids for e in enc]),
    )


def train(examples: list[Example], rng: random.Random):
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    model = make_model()
    head = list(model.head.parameters())
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head")]
    opt = torch.optim.AdamW([{"params": body, "lr": LR}, {"params": head, "lr": HEAD_LR}])
    plan = batches(examples, rng)
    warmup = max(1, len(plan) // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (len(plan) - s) / len(plan))
    )
    model.train()
    started, running = time.time(), 0.0
    for step, batch in enumerate(plan, 1):
        ids, mask, types = encode(batch)
        target = torch.tensor([e.target for e in batch])
        weight = torch.tensor([e.weight for e in batch])
        logits = model(ids, mask, types)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, target, weight=weight
        ) + LISTWISE * listwise_loss(logits, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        value = float(loss.detach())
        running = 0.98 * running + 0.02 * value if step > 1 else value
        if step % 50 == 0 or step == len(plan):
            spent = time.time() - started
            print(
                f"  step {step}/{len(plan)} loss {running:.3f} "
                f"{spent / 60:.1f} min, ~{spent / step * (len(plan) - step) / 60:.0f} left",
                flush=True,
            )
    model.eval()
    return model, running, len(plan)


def export(model) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    WORK.mkdir(parents=True, exist_ok=True)
    plain = WORK / "ranker-fp32.onnx"
    ids, mask, types = encode([Example("a question", "a passage of text", 0.0)])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        model,
        (ids, mask, types),
        str(plain),
        input_names=names,
        output_names=["logit"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logit": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(plain), str(OUT), weight_type=QuantType.QInt8)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_validation_files(articles, broad, validation: set[str]) -> None:
    """The validation split as `qa eval` reads it: a SQuAD file of the validation
    articles and a broad question file of their broad questions."""
    WORK.mkdir(parents=True, exist_ok=True)
    squad = json.loads((SHARED / "squad-v1.1-train-44-articles.json").read_text())
    val = [a for a in squad["data"] if a["title"] in validation]
    (WORK / "val-squad.json").write_text(json.dumps({"version": "1.1", "data": val}))
    train = [a for a in squad["data"] if a["title"] not in validation]
    (WORK / "train-squad.json").write_text(json.dumps({"version": "1.1", "data": train}))
    vb = {
        "questions": [q for q in broad["questions"] if q["source"][:-4] in validation],
        "unanswerable": [q for q in broad["unanswerable"] if q["near"][:-4] in validation],
    }
    (WORK / "val-broad.json").write_text(json.dumps(vb, ensure_ascii=False))


def split_index(which: str, embedder):
    """One side of the split ("train" or "val") as `qa eval` sees a SQuAD file: its
    questions, and its paragraphs indexed one document each (built once, in WORK)."""
    from qa.eval.squad import build_index, load_squad
    from qa.index import Index

    if not (WORK / f"{which}-squad.json").is_file():
        articles, broad = load()
        _, validation = split(articles, broad)
        write_validation_files(articles, broad, validation)
    paragraphs, questions = load_squad(WORK / f"{which}-squad.json")
    index = Index(WORK / f"{which}-squad-index" / "index")
    if not index.exists() or index.info().documents == 0:
        index = build_index(paragraphs, WORK / f"{which}-squad-index", embedder, ChunkSettings())
    return questions, index


def main() -> None:
    t0 = time.time()
    rng = random.Random(SEED)
    articles, broad = load()
    train_titles, validation = split(articles, broad)
    write_validation_files(articles, broad, validation)
    print(f"{len(train_titles)} training articles, {len(validation)} validation articles")
    examples = build_examples(articles, broad, train_titles, rng)
    positives = sum(e.target > 0 for e in examples)
    print(f"{len(examples)} pairs ({positives} positive), {time.time() - t0:.0f} s", flush=True)
    started = time.time()
    model, loss, steps = train(examples, rng)
    export(model)
    settings = {
        "name": f"qa-ranker-minilm{LAYERS}-int8",
        "max_tokens": MAX_TOKENS,
        "sha256": sha256(OUT),
        "validation_articles": sorted(validation),
        "training": {
            "pairs": len(examples),
            "positive": positives,
            "steps": steps,
            "final_loss": round(loss, 3),
            "minutes": round((time.time() - started) / 60, 1),
        },
    }
    SETTINGS.write_text(json.dumps(settings, indent=1) + "\n")
    print(
        f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e6:.1f} MB) in "
        f"{(time.time() - t0) / 60:.1f} min; now measure it: python bench/calibrate_ranker.py"
    )


if __name__ == "__main__":
    main()
