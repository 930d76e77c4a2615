"""Experiment: let the bundled model pick the answer span instead of writing an answer.

For each answered question of a sample, every span of 1-6 words of the best evidence
sentence (not starting or ending with a stopword, holding none of the question's words)
is scored by SmolLM2's log-probability of that span followed by end-of-turn, after the
`answer_small` prompt. Prints F1 / contains-gold / words for the best span, for the
sentence, and for "the span when the model is confident, else the sentence".

    python bench/span_scoring.py ../shared/eval/squad-v1.1-dev-8-articles.json INDEX_DIR 300 1

Result (seed 1, 285 answered of 300, bench/RESULTS.md): the best span has F1 0.368 but
contains a gold answer only 30.5% of the time; no confidence cut reaches F1 0.45 with
contains-gold 0.60, and scoring ~35 spans costs ~1 s a question.
"""

import math
import re
import sys
import time
from pathlib import Path

import numpy as np

from qa.answering.options import DEFAULT_MIN_SCORE
from qa.answering.pipeline import select_evidence
from qa.config import offline_environment
from qa.embeddings import default_embedder
from qa.eval.metrics import contains_gold, f1
from qa.eval.squad import Sampling, load_squad
from qa.index import Index
from qa.llms import local_model_path
from qa.retrieval import search
from qa.text import STOPWORDS, stem

SYSTEM = "You answer questions from the given text. Reply with a short answer taken from the text."


def candidates(question: str, sentence: str, max_words: int = 6) -> list[str]:
    q_stems = {stem(w.lower()) for w in re.findall(r"\w+", question)}
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", sentence)]
    out = set()
    for i in range(len(tokens)):
        for j in range(i, min(len(tokens), i + max_words)):
            text = sentence[tokens[i][0] : tokens[j][1]].strip(" ,;:.()\"'")
            ws = re.findall(r"\w+", text)
            if not ws or ws[-1].lower() in STOPWORDS:
                continue
            if ws[0].lower() in STOPWORDS and not ws[0].isdigit():
                continue
            if any(stem(w.lower()) in q_stems for w in ws if w.lower() not in STOPWORDS):
                continue
            out.add(text)
    return sorted(out)


def main(squad: str, index_dir: str, n: int, seed: int) -> None:
    offline_environment()
    from llama_cpp import Llama

    _, questions = load_squad(Path(squad))
    embedder, index = default_embedder(), Index(Path(index_dir) / "index")
    llm = Llama(model_path=str(local_model_path()), n_ctx=1024, logits_all=True, verbose=False)
    end = llm.tokenize(b"<|im_end|>", add_bos=False, special=True)

    def log_softmax(x):
        m = x.max()
        return x - m - math.log(np.exp(x - m).sum())

    rows, started = [], time.time()
    for q in Sampling(sample=n, seed=seed).pick(questions):
        ev = select_evidence(q.question, search(q.question, index, embedder, 4), 1)
        if not ev or ev[0].score < DEFAULT_MIN_SCORE:
            continue
        sentence, spans = ev[0].text, candidates(q.question, ev[0].text)
        if not spans:
            continue
        prompt = (
            f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\nText: {sentence}\n\n"
            f"Question: {q.question}\nAnswer:<|im_end|>\n<|im_start|>assistant\n"
        )
        llm.reset()
        llm.eval(llm.tokenize(prompt.encode(), add_bos=False, special=True))
        n_prompt, scored = llm.n_tokens, []
        for span in spans:
            tokens = llm.tokenize(span.encode(), add_bos=False) + end
            llm.n_tokens = n_prompt  # reuse the prompt's cache
            llm.eval(tokens)
            lp = sum(
                log_softmax(np.array(llm.scores[n_prompt - 1 + k]))[t] for k, t in enumerate(tokens)
            )
            scored.append((float(lp), span))
        lps = [lp for lp, _ in scored]
        z = max(lps) + math.log(sum(math.exp(x - max(lps)) for x in lps))
        best_lp, best = max(scored)
        rows.append((sentence, best, math.exp(best_lp - z), q.answers))
    print(f"{len(rows)} answered, {(time.time() - started) / n:.2f} s a question")

    def report(name, preds):
        golds = [r[3] for r in rows]
        print(
            f"{name}: F1 {np.mean([f1(p, g) for p, g in zip(preds, golds)]):.3f} "
            f"contains {np.mean([contains_gold(p, g) for p, g in zip(preds, golds)]):.3f} "
            f"words {np.mean([len(p.split()) for p in preds]):.1f}"
        )

    report("best span", [r[1] for r in rows])
    report("sentence", [r[0] for r in rows])
    confidence = [r[2] for r in rows]
    for share in (0.2, 0.4, 0.6):
        cut = np.quantile(confidence, 1 - share)
        report(
            f"span for the {share:.0%} most confident, else sentence",
            [r[1] if c >= cut else r[0] for r, c in zip(rows, confidence)],
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
