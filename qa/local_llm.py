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

            self._llama = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=max(1, os.cpu_count() or 1),
                verbose=False,
            )
        return self._llama

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
        out = self.llama.create_chat_completion(self._messages(messages), **self._params(stop))
        text = out["choices"][0]["message"]["content"] or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self, messages, stop=None, run_manager=None, **kwargs
    ) -> Iterator[ChatGenerationChunk]:
        for part in self.llama.create_chat_completion(
            self._messages(messages), stream=True, **self._params(stop)
        ):
            token = part["choices"][0]["delta"].get("content")
            if token:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                if run_manager:
                    run_manager.on_llm_new_token(token, chunk=chunk)
                yield chunk
