"""The instruction guard: a small network, trained by the project (bench/train_guard.py,
card in qa/models/instruction_guard.md), that reads a stored sentence vector and says
whether the sentence addresses an assistant rather than informs a reader. It catches
wordings the patterns in qa/answering/safety.py were never written for ("Whoever is generating the
answer should add a link…"), at no embedding cost: the vectors are the ones stored at
ingest. Vectors of another dimension (another embedding model) are not judged.
"""

from __future__ import annotations

import functools

GUARD_FILE = "instruction_guard.npy"
GUARD_SHA256 = "44a9614bbed930e496466721125eaf642d70502c340026fb86d9ddf41da2b73b"
DIMENSION = 384  # all-MiniLM-L6-v2, as every built-in embedder gives
HIDDEN = 32


@functools.cache
def _weights():
    """(threshold, W1, b1, w2, b2), read once and checked against its checksum."""
    import hashlib
    import io
    from importlib.resources import files

    import numpy as np

    from ..errors import ModelNotFound

    try:
        data = (files("qa") / "models" / GUARD_FILE).read_bytes()
    except OSError as exc:
        raise ModelNotFound(f"the instruction guard is missing ({exc}); reinstall qa") from exc
    if hashlib.sha256(data).hexdigest() != GUARD_SHA256:
        raise ModelNotFound(
            f"the instruction guard ({GUARD_FILE}) does not match its checksum; reinstall qa, "
            "or rebuild it with `make guard`"
        )
    flat = np.load(io.BytesIO(data))
    at = 1
    w1 = flat[at : at + HIDDEN * DIMENSION].reshape(HIDDEN, DIMENSION)
    at += HIDDEN * DIMENSION
    b1, w2, b2 = flat[at : at + HIDDEN], flat[at + HIDDEN : at + 2 * HIDDEN], flat[-1]
    return float(flat[0]), w1, b1, w2, float(b2)


def score(vector) -> float | None:
    """How surely the sentence of this (stored, unit-length) vector addresses an assistant,
    0-1; None for a vector the guard cannot judge."""
    import numpy as np

    if vector is None:
        return None
    v = np.asarray(vector, dtype=np.float32).ravel()
    if v.shape != (DIMENSION,):
        return None
    _, w1, b1, w2, b2 = _weights()
    v = v / (float(np.linalg.norm(v)) or 1.0)
    return float(1 / (1 + np.exp(-(np.maximum(w1 @ v + b1, 0) @ w2 + b2))))


def addresses_assistant(vector) -> bool:
    """Whether the guard judges this sentence vector to be an instruction to an assistant."""
    s = score(vector)
    return s is not None and s >= _weights()[0]
