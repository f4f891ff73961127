"""LLM overhead: VoiceBuddy's `LlamaCppChat.stream_reply` against llama-cpp-python's own
`Llama.create_completion(stream=True)` on a second `Llama` of the same model.

The raw `Llama` is built from the engine's own (`__getstate__`, as pickling does), and each raw
call gets exactly the arguments the engine passed (recorded from it): the same prompt tokens,
sampling with a fixed seed, stop strings and max_tokens. Both KV caches are reset before every
call, so both evaluate the whole prompt.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from voicebuddy.bench.spy import Call, recording_calls
from voicebuddy.bench.stats import alternate, median, ratio_of_medians
from voicebuddy.characters.assembly import assemble_prompt
from voicebuddy.conversation import Conversation
from voicebuddy.engines.llm import LlamaCppChat, Sampling
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.messages import Message

SEED = 1234


@dataclass(frozen=True)
class Completion:
    prompt_tokens: int
    completion_tokens: int
    first_token_s: float  # from the call to the first piece of text
    last_token_s: float
    text: str

    @property
    def prompt_s_per_token(self) -> float:
        return self.first_token_s / self.prompt_tokens

    @property
    def generation_s_per_token(self) -> float | None:
        if self.completion_tokens < 2 or self.last_token_s <= self.first_token_s:
            return None
        return (self.last_token_s - self.first_token_s) / (self.completion_tokens - 1)


@dataclass(frozen=True)
class LlmOverhead:
    voicebuddy: list[Completion]
    raw: list[Completion]

    @staticmethod
    def _per_token(runs: Sequence[Completion], what: str) -> list[float]:
        values = [getattr(run, what) for run in runs]
        return [v for v in values if v is not None]

    def ratio(self, what: str) -> float:
        return ratio_of_medians(
            self._per_token(self.voicebuddy, what), self._per_token(self.raw, what)
        )

    def tokens_per_s(self, runs: Sequence[Completion], what: str) -> float:
        return 1 / median(self._per_token(runs, what))

    def as_json(self) -> dict[str, object]:
        def side(runs: Sequence[Completion]) -> dict[str, object]:
            return {
                "prompt_tokens_per_s": round(self.tokens_per_s(runs, "prompt_s_per_token"), 1),
                "generation_tokens_per_s": round(
                    self.tokens_per_s(runs, "generation_s_per_token"), 1
                ),
                "first_token_ms": round(median([r.first_token_s for r in runs]) * 1000, 1),
            }

        return {
            "pairs": len(self.raw),
            "prompt_tokens": self.raw[0].prompt_tokens,
            "completion_tokens": self.raw[0].completion_tokens,
            "same_output": {r.text for r in self.voicebuddy} == {r.text for r in self.raw},
            "voicebuddy": side(self.voicebuddy),
            "raw": side(self.raw),
        }


def bench_prompt(
    chat: LlamaCppChat, conversation: Conversation, question: str, reserve: int
) -> tuple[list[Message], list[str]]:
    """The messages and stop strings of a first voice turn, as the pipeline makes them."""
    history = [*conversation.messages, Message("user", question)]
    prompt = assemble_prompt(
        conversation.character.card,
        history,
        conversation.macros(turn=len(history)),
        chat.count_tokens,
        chat.context_size - reserve,
    )
    user = conversation.user_name
    return prompt.messages, [f"\n{user}:", f"\n{user.upper()}:"]


def _timed(pieces: Iterator[str], start: float) -> tuple[float, float, str]:
    first = last = 0.0
    parts: list[str] = []
    for piece in pieces:
        last = time.perf_counter() - start
        first = first or last
        parts.append(piece)
    if not parts:
        raise VoiceBuddyError("bench_no_reply", "The language model gave an empty reply.")
    return first, last, "".join(parts)


def _raw_pieces(raw: Any, call: Call) -> Iterator[str]:
    stream = raw.create_completion(*call.args, **call.kwargs)
    try:
        for chunk in stream:
            text = chunk["choices"][0]["text"]
            if text:  # as VoiceBuddy counts: pieces with text
                yield text
    finally:
        stream.close()


def measure_llm(
    chat: LlamaCppChat, messages: list[Message], sampling: Sampling, stops: list[str], pairs: int
) -> LlmOverhead:
    sampling = dataclasses.replace(sampling, seed=SEED if sampling.seed is None else sampling.seed)
    llama: Any = chat.llama  # its reset() and __getstate__() carry no annotations
    with recording_calls(llama, "create_completion") as calls:
        llama.reset()
        _timed(chat.stream_reply(messages, sampling, stops), time.perf_counter())  # warm-up
    call = calls[0]
    tokens = list(call.kwargs.get("prompt", call.args[0] if call.args else []))
    if tokens != chat.tokenize(messages):
        raise VoiceBuddyError("bench_prompt_mismatch", "The engine evaluated other prompt tokens.")
    from llama_cpp import Llama

    raw: Any = Llama(**llama.__getstate__())

    def through_voicebuddy() -> Completion:
        llama.reset()
        start = time.perf_counter()
        first, last, text = _timed(chat.stream_reply(messages, sampling, stops), start)
        stats = chat.last_stats
        return Completion(stats.prompt_tokens, stats.completion_tokens, first, last, text)

    def direct() -> Completion:
        raw.reset()
        start = time.perf_counter()
        first, last, text = _timed(_raw_pieces(raw, call), start)
        # counted as VoiceBuddy counts its completion tokens
        return Completion(len(tokens), max(0, int(raw.n_tokens) - len(tokens)), first, last, text)

    direct()  # warm-up
    voicebuddy, direct_runs = alternate(through_voicebuddy, direct, pairs)
    return LlmOverhead(voicebuddy, direct_runs)
