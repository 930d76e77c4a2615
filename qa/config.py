"""Settings resolved when a command runs (never at import time).

Precedence: command-line flag, then environment variable, then default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# Measured with `qa eval` on the development set (bench/RESULTS.md).
DEFAULT_CHUNK_SIZE = 800
DEFAULT_CHUNK_OVERLAP = 100
DEFAULT_K = 4
# Longer questions are refused: the bundled model's 2,048-token window must hold the
# question, the evidence and the answer, and the embedder reads 256 tokens.
MAX_QUESTION_CHARS = 2000


def offline_environment() -> None:
    """Nothing may reach a model hub or a telemetry endpoint."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # onnxruntime's own telemetry (a DNS lookup of mobile.events.data.microsoft.com and a
    # database under ~/.cache/Microsoft); read when onnxruntime loads, so set before.
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _in_source_checkout() -> bool:
    return (PROJECT_ROOT / "pyproject.toml").exists() and (PROJECT_ROOT / "qa").is_dir()


def default_index_dir() -> Path:
    """`$QA_INDEX`, else `index/` in the project checkout, else the user's data directory."""
    if env := os.environ.get("QA_INDEX"):
        return Path(env).expanduser()
    if _in_source_checkout():
        return PROJECT_ROOT / "index"
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "qa" / "index"


def default_seeds_dir() -> Path:
    return PROJECT_ROOT / "seeds" if _in_source_checkout() else Path.cwd()


def prompts_dir() -> Path:
    """`$QA_PROMPTS`, else `prompts/` in a source checkout, else the templates installed
    with the package."""
    if env := os.environ.get("QA_PROMPTS"):
        return Path(env).expanduser()
    if _in_source_checkout() and (PROJECT_ROOT / "prompts").is_dir():
        return PROJECT_ROOT / "prompts"
    return Path(__file__).resolve().parent / "templates"  # installed as package data


@dataclass(frozen=True)
class ChunkSettings:
    size: int = DEFAULT_CHUNK_SIZE
    overlap: int = DEFAULT_CHUNK_OVERLAP

    def __post_init__(self) -> None:
        from .errors import UsageError

        if self.size < 50:
            raise UsageError(f"chunk size must be at least 50 characters (got {self.size})")
        if not 0 <= self.overlap < self.size:
            raise UsageError(
                f"chunk overlap must be between 0 and the chunk size (got {self.overlap})"
            )
