"""The chat model: llama.cpp through llama-cpp-python, behind a small Protocol.

The prompt is rendered here with the model's own chat template (from the GGUF metadata, in
llama-cpp-python's sandboxed Jinja environment) and tokenized once, so the tokens we count for
fitting the context are exactly the tokens the model evaluates. The same `Llama` object is kept
between turns: llama-cpp-python reuses the longest evaluated prefix, so the character's fixed
prompt is not evaluated again each turn.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voicebuddy.engines.native_logs import route_llama_logs
from voicebuddy.errors import ModelError
from voicebuddy.messages import Message
from voicebuddy.models.gguf import check_lora_fits, read_gguf_header
from voicebuddy.text.thinking import TAGS as THOUGHT_TAGS

log = logging.getLogger(__name__)

# Used only when a GGUF carries no chat template of its own.
CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.7
    top_p: float = 0.9
    top_k: int = 40
    repeat_penalty: float = 1.1
    max_tokens: int = 160
    seed: int | None = None


@dataclass
class ReplyStats:
    prompt_tokens: int = 0
    reused_tokens: int = 0  # prompt tokens served from the cache of the previous turn
    completion_tokens: int = 0


class ChatModel(Protocol):
    @property
    def name(self) -> str:
        """What to call the model in the window (its file name)."""
        ...

    @property
    def context_size(self) -> int: ...

    @property
    def last_stats(self) -> ReplyStats: ...

    def count_tokens(self, messages: Sequence[Message]) -> int: ...

    def prepare(self, messages: Sequence[Message], user_index: int) -> int:
        """Evaluate ahead of time the part of this prompt that comes before the user's message
        at `user_index` (whose text is not known yet); returns the tokens evaluated."""
        ...

    def ending_probability(self, messages: Sequence[Message], user_index: int) -> float:
        """How likely the model finds it that the user's message at `user_index` ends where
        its text ends (a sentence-ending mark or the end of the message comes next). The
        prompt up to there is evaluated, so a reply to these words reads only the rest."""
        ...

    def stream_reply(
        self,
        messages: Sequence[Message],
        sampling: Sampling,
        stop: Sequence[str] = (),
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        """Yield the reply piece by piece; stop early when `cancel` is set."""
        ...


def check_gguf(path: Path) -> None:
    """One clear sentence for the common ways a model path is wrong."""
    if not path.exists():
        raise ModelError("llm_model_missing", f"The language model file {path} does not exist.")
    if not path.is_file():
        raise ModelError("llm_model_invalid", f"The language model path {path} is not a file.")
    with path.open("rb") as file:
        magic = file.read(4)
    if magic != b"GGUF":
        raise ModelError(
            "llm_model_invalid", f"{path} is not a GGUF model file (llama.cpp needs .gguf)."
        )


def _what_the_file_is(path: Path) -> str:
    """Why a GGUF that llama.cpp refused may be the wrong kind of file, when its header says."""
    try:
        header = read_gguf_header(path)
    except ModelError:
        return ""
    if header.metadata.get("general.type") == "adapter":
        return " (it is a LoRA adapter, not a model: set it as the LoRA adapter instead)."
    if header.architecture:
        return (
            f" (its architecture is {header.architecture!r}: not a chat model this version "
            "of llama.cpp can run, or an incomplete file)."
        )
    return ""


def chat_formatter(template: str, eos: str, bos: str, source: Path) -> Any:
    """llama-cpp-python's formatter for a GGUF's chat template, tried once before use.

    The template comes from a downloaded file. It is rendered only in llama-cpp-python's
    ImmutableSandboxedEnvironment (CVE-2024-34359); a template that reaches outside the
    sandbox, or does not render at all, is refused here rather than at the first reply.
    """
    import jinja2
    from jinja2.exceptions import SecurityError
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    try:
        formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        probe: list[Any] = [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "u"},
            {"role": "assistant", "content": "a"},
            {"role": "user", "content": "u"},
        ]
        formatter(messages=probe)
    except SecurityError:
        raise ModelError(
            "chat_template_unsafe",
            f"The chat template in {source.name} tries to reach outside its sandbox; "
            "VoiceBuddy refuses to use this model.",
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError) as exc:
        raise ModelError(
            "chat_template_invalid",
            f"The chat template in {source.name} does not work ({exc}).",
        ) from None
    return formatter


def model_formatter(llama: Any, source: Path) -> tuple[Any, str]:
    """The chat formatter for a loaded `Llama` (its own template, else ChatML) and the text
    of its end-of-sequence token."""
    metadata: dict[str, Any] = dict(llama.metadata)
    template = metadata.get("tokenizer.chat_template") or CHATML_TEMPLATE

    def text(token: int) -> str:
        if token == -1:
            return ""
        return str(llama.detokenize([token], special=True).decode("utf-8", errors="replace"))

    eos = text(llama.token_eos())
    return chat_formatter(template, eos, text(llama.token_bos()), source), eos


def default_threads() -> int:
    return max(1, min(8, os.cpu_count() or 1))


@dataclass
class LlamaSettings:
    model_path: Path
    context_size: int = 2048
    threads: int = field(default_factory=default_threads)
    gpu_layers: int = -1  # all layers where a GPU backend exists (Metal, CUDA); none on CPU
    lora_path: Path | None = None
    seed: int = -1  # -1: a new random seed for each process
    thinking: bool = True  # False: a reasoning model whose template can skip thinking does


# A reasoning model's thoughts come on top of the reply's own token budget.
THINKING_TOKENS = 1536
_OPENINGS = tuple(opening for opening, _ in THOUGHT_TAGS)


class LlamaCppChat:
    def __init__(self, settings: LlamaSettings) -> None:
        check_gguf(settings.model_path)
        if settings.lora_path is not None and not settings.lora_path.is_file():
            raise ModelError(
                "lora_missing", f"The LoRA adapter {settings.lora_path} does not exist."
            )
        if settings.lora_path is not None:
            check_lora_fits(settings.model_path, settings.lora_path)
        from llama_cpp import Llama

        route_llama_logs()
        log.debug("loading the chat model %s", settings.model_path)

        try:
            self._llama = Llama(
                model_path=str(settings.model_path),
                n_ctx=settings.context_size,
                n_threads=settings.threads,
                n_threads_batch=settings.threads,
                n_gpu_layers=settings.gpu_layers,
                lora_path=str(settings.lora_path) if settings.lora_path else None,
                seed=settings.seed if settings.seed >= 0 else random.randrange(1, 2**31),
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            lora = "lora" in str(exc).lower() and settings.lora_path is not None
            what = f"LoRA adapter {settings.lora_path}" if lora else f"model {settings.model_path}"
            hint = "" if lora else _what_the_file_is(settings.model_path)
            raise ModelError(
                "llm_load_failed", f"llama.cpp could not load the {what}: {exc}{hint}"
            ) from None
        metadata: dict[str, Any] = dict(self._llama.metadata)
        self.has_own_template = "tokenizer.chat_template" in metadata
        template = metadata.get("tokenizer.chat_template") or CHATML_TEMPLATE
        self._formatter, self._eos_text = model_formatter(self._llama, settings.model_path)
        # Qwen3's switch; other reasoning templates always think
        self._template_options = (
            {"enable_thinking": False}
            if not settings.thinking and "enable_thinking" in template
            else {}
        )
        self.thinks = any(opening in template for opening in _OPENINGS) and not (
            self._template_options
        )
        self.model_path = settings.model_path
        self._name = settings.model_path.stem
        from voicebuddy.models.local_models import layer_placement

        arch = metadata.get("general.architecture", "")
        layers = str(metadata.get(f"{arch}.block_count", "0"))
        self.placement = layer_placement(
            int(layers) if layers.isdigit() else 0, settings.gpu_layers
        )
        self._last = ReplyStats()
        # llama.cpp contexts are not thread-safe; one reply at a time.
        self._lock = threading.Lock()
        self._ends: list[int] | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def llama(self) -> Any:
        """The llama-cpp-python object itself (the bench compares it with this engine)."""
        return self._llama

    @property
    def context_size(self) -> int:
        return int(self._llama.n_ctx())

    @property
    def last_stats(self) -> ReplyStats:
        return self._last

    def render(self, messages: Sequence[Message]) -> str:
        payload: list[Any] = [{"role": m.role, "content": m.content} for m in messages]
        rendered = self._formatter(messages=payload, **self._template_options)
        return str(rendered.prompt)

    def tokenize(self, messages: Sequence[Message]) -> list[int]:
        return self._tokens(self.render(messages))

    def _tokens(self, rendered: str) -> list[int]:
        # The template writes the BOS token itself where the model wants one.
        return list(self._llama.tokenize(rendered.encode("utf-8"), add_bos=False, special=True))

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return len(self.tokenize(messages))

    def prepare(self, messages: Sequence[Message], user_index: int) -> int:
        probes = []
        for text in ("a", "b"):
            probe = list(messages)
            probe[user_index] = Message("user", text)
            probes.append(self.tokenize(probe))
        fixed = probes[0][: common_prefix(*probes)]
        with self._lock:
            llama = self._llama
            reused = common_prefix(cached_tokens(llama), fixed)
            if reused == len(fixed):
                return 0
            llama.n_tokens = reused  # eval() drops the cache beyond this point
            llama.eval(fixed[reused:])
            return len(fixed) - reused

    def ending_probability(self, messages: Sequence[Message], user_index: int) -> float:
        import llama_cpp

        text = messages[user_index].content
        probe = list(messages)
        probe[user_index] = Message("user", text + " zq")  # a word the text cannot go on with
        tokens = self.tokenize(messages)
        words = common_prefix(tokens, self.tokenize(probe))  # the prompt up to the text's end
        if words == 0 or words >= len(tokens):
            return 1.0
        with self._lock:
            llama = self._llama
            reused = min(common_prefix(cached_tokens(llama), tokens[:words]), words - 1)
            llama.n_tokens = reused  # eval() drops the cache beyond this point
            llama.eval(tokens[reused:words])
            logits = np.ctypeslib.as_array(
                llama_cpp.llama_get_logits(llama.ctx), shape=(llama.n_vocab(),)
            )
            odds = np.exp(logits - logits.max())
            ends = [tokens[words], *self._sentence_ends()]
            return float(odds[ends].sum() / odds.sum())

    def _sentence_ends(self) -> list[int]:
        """The tokens that are a sentence-ending mark alone (".", "?", "。", ...), with or
        without a space before it."""
        if self._ends is None:
            found: set[int] = set()
            for mark in (".", "?", "!", "。", "？", "！", "…", "...", "?!"):
                for text in (mark, " " + mark):
                    tokens = self._llama.tokenize(text.encode(), add_bos=False, special=False)
                    if len(tokens) == 1:
                        found.add(tokens[0])
            self._ends = sorted(found)
        return self._ends

    def stream_reply(
        self,
        messages: Sequence[Message],
        sampling: Sampling,
        stop: Sequence[str] = (),
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        rendered = self.render(messages)
        tokens = self._tokens(rendered)
        stops = [s for s in (*stop, self._eos_text) if s]
        # DeepSeek-R1's template opens the thoughts in the prompt: the reply begins inside them
        opened = next((o for o in _OPENINGS if rendered.rstrip().endswith(o)), "")
        budget = sampling.max_tokens + (THINKING_TOKENS if self.thinks else 0)
        with self._lock:
            reused = common_prefix(cached_tokens(self._llama), tokens)
            self._last = stats = ReplyStats(prompt_tokens=len(tokens), reused_tokens=reused)
            if opened:
                yield opened
            pieces = self._llama.create_completion(
                prompt=tokens,
                max_tokens=budget,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                top_k=sampling.top_k,
                repeat_penalty=sampling.repeat_penalty,
                seed=sampling.seed,
                stop=stops,
                stream=True,
            )
            assert isinstance(pieces, Iterator)
            try:
                for chunk in pieces:
                    text = chunk["choices"][0]["text"]
                    if text:
                        yield text
                    if cancel is not None and cancel.is_set():
                        break
            finally:
                pieces.close()  # type: ignore[attr-defined]
                stats.completion_tokens = max(0, int(self._llama.n_tokens) - len(tokens))


def cached_tokens(llama: Any) -> list[int]:
    """The tokens whose evaluation llama.cpp's context holds now. llama-cpp-python 0.3 keeps
    them only in its private `_input_ids` (valid up to `n_tokens`) and offers no public way
    to them; reading them is what lets a turn reuse the evaluated prompt. The one place that
    touches the library's private state."""
    return list(llama._input_ids[: llama.n_tokens].tolist())


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length
