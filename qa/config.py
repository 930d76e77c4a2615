"""Settings resolved when a command runs (never at import time).

Precedence: command-line flag, then environment variable, then default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
INT8_NAME = EMBEDDING_MODEL + " (int8, per channel)"  # the default embedder, to an index
# Measured with `qa eval` on the development set (bench/RESULTS.md).
DEFAULT_CHUNK_SIZE = 800
DEFAULT_CHUNK_OVERLAP = 100
DEFAULT_MAX_FILE_MB = 50.0  # larger files are skipped (and listed)
DEFAULT_K = 4  # passages an answer draws on (8 for a broad question: answering.pipeline.BROAD_K)
LOCK_TIMEOUT = 60.0  # seconds a writer waits for another one
DATE_FORMATS = ["%Y-%m-%d"]  # --since/--until


class Retriever(StrEnum):
    """How passages are found (bench/RESULTS.md: hybrid measured best)."""

    hybrid = "hybrid"
    dense = "dense"
    lexical = "lexical"


DEFAULT_RETRIEVER = Retriever.hybrid
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


def cache_dir() -> Path:
    """`QA_CACHE`, else `qa/` in the XDG cache folder (the embedder's export, replicas)."""
    from .errors import UsageError

    if os.environ.get("QA_CACHE"):
        path = Path(os.environ["QA_CACHE"]).expanduser()
    else:
        path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa"
    if path.exists() and not path.is_dir():
        raise UsageError(f"the cache folder {path} (QA_CACHE) is a file, not a folder")
    return path


def embedder_choice(model_name: str) -> str | None:
    """The QA_EMBEDDER value that gives the embedding model an index was built with."""
    return {INT8_NAME: "int8", EMBEDDING_MODEL: "onnx"}.get(model_name)


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


def prompts_dir():
    """`$QA_PROMPTS`, else `prompts/` in a source checkout, else the templates installed
    with the package (`qa/templates/` in the wheel: pyproject's package-dir)."""
    if env := os.environ.get("QA_PROMPTS"):
        return Path(env).expanduser()
    if _in_source_checkout() and (PROJECT_ROOT / "prompts").is_dir():
        return PROJECT_ROOT / "prompts"
    from importlib.resources import files

    return files("qa") / "templates"


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


# -- the settings file ---------------------------------------------------------------------------
# `qa config set llm ollama:llama3.1` once, instead of --llm on every command. Precedence:
# a command-line flag, then the environment variable, then this file, then the default.
CONFIG_KEYS = {
    "llm": "the model that answers: local | extractive | ollama:MODEL | openai:MODEL",
    "base_url": "the server of an ollama: or openai: model",
    "index": "the index folder",
    "chroma_url": "a Chroma server (http://HOST:PORT)",
}


def config_file() -> Path:
    """`$QA_CONFIG`, else `qa/config.toml` in `$XDG_CONFIG_HOME` (default ~/.config)."""
    if env := os.environ.get("QA_CONFIG"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "qa" / "config.toml"


def read_config() -> dict[str, str]:
    """The settings file's values ({} when there is none)."""
    import tomllib

    from .errors import UsageError

    path = config_file()
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        said = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise UsageError(f"cannot read the settings file {path} ({said})") from None
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise UsageError(
            f"the settings file {path} has unknown keys: {', '.join(unknown)} "
            f"(known: {', '.join(CONFIG_KEYS)})"
        )
    wrong = sorted(k for k, v in data.items() if not isinstance(v, str) or not v.strip())
    if wrong:
        raise UsageError(
            f"the settings file {path} gives {', '.join(wrong)} a value that is not a "
            f'non-empty string; edit it to read {wrong[0]} = "…"'
        )
    return dict(data)


def write_config(values: dict[str, str]) -> Path:
    """Write the settings file (atomically), one `key = "value"` a line."""
    import json

    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    lines = ["# qa settings: `qa config set KEY VALUE` writes this file."]
    lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(values.items())]
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def configured(key: str) -> str | None:
    """A value from the settings file, or None."""
    return read_config().get(key) or None
