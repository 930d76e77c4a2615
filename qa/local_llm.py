"""The bundled GGUF model through llama-cpp-python, as a LangChain chat model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


def default_threads() -> int:
    """One thread, unless QA_LLM_THREADS says otherwise. On 2 idle cores a second thread
    saves under 0.01 s on a 135M model's answer, and on a busy machine llama.cpp's
    threads wait on each other: median 28 s against 0.06 s with one (bench/threads.py)."""
    value = os.environ.get("QA_LLM_THREADS", "1")
    if not value.isdigit() or int(value) < 1:
        from .errors import UsageError

        raise UsageError(f"QA_LLM_THREADS must be a whole number of threads, not {value!r}")
    return int(value)


class LocalLlamaChat(BaseChatModel):
    """Greedy decoding with a short output budget: answers here are a phrase or a sentence."""

    model_path: str
    n_ctx: int = 2048
    max_tokens: int = 96
    temperature: float = 0.0
    repeat_penalty: float = 1.1
    _llama: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-local"

    @property
    def llama(self):
        if self._llama is None:
            from llama_cpp import Llama

            threads = default_threads()
            self._llama = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        return self._llama

    def _fit(self, messages: list[dict]) -> list[dict]:
        """Messages that fit the context window with room for the answer: an overlong last
        message loses its middle (a question is refused above 2,000 characters, but
        characters that are one token each could still overflow 2,048 tokens)."""
        budget = self.n_ctx - self.max_tokens - 64  # 64: the chat template's own tokens
        sizes = [len(self.llama.tokenize(m["content"].encode(), add_bos=False)) for m in messages]
        excess = sum(sizes) - budget
        if excess <= 0:
            return messages
        last = messages[-1]
        tokens = self.llama.tokenize(last["content"].encode(), add_bos=False)
        keep = max(0, len(tokens) - excess)
        head, tail = tokens[: keep // 2], tokens[len(tokens) - (keep - keep // 2) :]
        text = (
            self.llama.detokenize(head).decode(errors="ignore")
            + " … "
            + self.llama.detokenize(tail).decode(errors="ignore")
        )
        return [*messages[:-1], {**last, "content": text}]

    def _params(self, stop: list[str] | None) -> dict:
        return {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "repeat_penalty": self.repeat_penalty,
            "stop": stop or None,
        }

    @staticmethod
    def _messages(messages: list[BaseMessage]) -> list[dict]:
        return [{"role": _ROLES.get(m.type, "user"), "content": m.content} for m in messages]

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        out = self.llama.create_chat_completion(
            self._fit(self._messages(messages)), **self._params(stop)
        )
        text = out["choices"][0]["message"]["content"] or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self, messages, stop=None, run_manager=None, **kwargs
    ) -> Iterator[ChatGenerationChunk]:
        for part in self.llama.create_chat_completion(
            self._fit(self._messages(messages)), stream=True, **self._params(stop)
        ):
            token = part["choices"][0]["delta"].get("content")
            if token:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                if run_manager:
                    run_manager.on_llm_new_token(token, chunk=chunk)
                yield chunk
