"""The relevance model: a cross-encoder that reads a question and a passage together and
says how likely the passage answers it (0 to 1).

It is trained by `make train` (bench/train_ranker.py) from the first layers of the bundled
all-MiniLM-L6-v2 on ../shared/train, and ships as an int8 ONNX file in `qa/models/`,
with its card (`ranker.md`) and its settings (`ranker.json`). It runs on onnxruntime
with the embedder's tokenizer: no torch, no network. A broad answer always asks it about
its best candidate sentences (qa/answering/extractive.py); ordering the passages by it is
off unless asked for (`--rerank`, QA_RERANK=1): measured on the validation articles, it
does not yet beat the hybrid ranking by more than noise (qa/models/ranker.md).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from .errors import ModelNotFound, UsageError

MODELS = Path(__file__).resolve().parent / "models"
MODEL = MODELS / "ranker.onnx"
SETTINGS = MODELS / "ranker.json"


class Ranker:
    """Scores (question, passage) pairs with the shipped ONNX model, loaded on first use."""

    def __init__(self, model: Path = MODEL, settings: Path = SETTINGS):
        self._model_path = model
        self._settings = json.loads(settings.read_text()) if settings.is_file() else {}
        self.name = self._settings.get("name", model.stem)
        self.max_tokens = int(self._settings.get("max_tokens", 192))
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        if self._session is None:
            if not self._model_path.is_file():
                raise ModelNotFound(
                    f"the relevance model is missing ({self._model_path}); reinstall qa, "
                    "or run `make train`, or pass --no-rerank"
                )
            import onnxruntime as ort
            from tokenizers import Tokenizer

            from .embeddings import bundled_model_path

            tokenizer = Tokenizer.from_file(str(Path(bundled_model_path()) / "tokenizer.json"))
            tokenizer.enable_truncation(self.max_tokens, strategy="longest_first")
            tokenizer.enable_padding()
            options = ort.SessionOptions()
            options.intra_op_num_threads = min(4, os.cpu_count() or 1)
            options.log_severity_level = 3
            self._session = ort.InferenceSession(
                str(self._model_path), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def score(self, question: str, passages: list[str]) -> list[float]:
        """The probability that each passage answers `question`, in the passages' order."""
        if not passages:
            return []
        import numpy as np

        with self._lock:  # one onnxruntime session, one tokenizer: one call at a time
            session, tokenizer = self._load()
            encoded = tokenizer.encode_batch([(question, p) for p in passages])
            feed = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
            }
            (logits,) = session.run(None, feed)
        return [float(p) for p in 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))]


_DEFAULT: Ranker | None = None


def default_ranker() -> Ranker:
    """The shipped model (one per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Ranker()
    return _DEFAULT


def rerank_setting(value: bool | None) -> bool:
    """--rerank/--no-rerank, else QA_RERANK (1/0), else off: on the validation articles
    the model does not yet answer better than the hybrid ranking (qa/models/ranker.md)."""
    if value is not None:
        return value
    env = os.environ.get("QA_RERANK", "0").strip().lower()
    if env not in {"0", "1", "true", "false", "yes", "no", "on", "off"}:
        raise UsageError(f"QA_RERANK must be 1 or 0, not {env!r}")
    return env in {"1", "true", "yes", "on"}
