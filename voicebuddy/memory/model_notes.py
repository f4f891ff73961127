"""Memories and summaries written by the chat model itself, between turns.

Only a model that can do it is asked (a billion parameters or more, or `[memory] model_writes
= "always"`): small models write nonsense, and the patterns in facts.py serve them. The model
runs in a second llama.cpp context opened on the same file: the weights are memory-mapped, so
they are shared, and the conversation's own context keeps its prompt cache. What it writes is
held to a JSON schema by a llama.cpp grammar, so it always parses. It works only while the
user is not talking and no turn is under way: `busy()` is asked before every few prompt
tokens and every generated token, and the work waits while it says so.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from voicebuddy.memory.facts import Fact
from voicebuddy.messages import Message

log = logging.getLogger(__name__)

CAPABLE_PARAMETERS = 1_000_000_000  # below this, models invent facts; the patterns serve them
_CHUNK = 32  # prompt tokens evaluated between two looks at `busy()`
_SUMMARY_INPUT_CHARS = 3000  # new messages read per summary step (the context is small)
# Enough tokens for the longest answer the schemas allow (a token is at least a character), so
# that an answer is never cut off before its closing brace.
_FACTS_TOKENS = 600
_SUMMARY_TOKENS = 320

FACTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "about": {"type": "string", "maxLength": 30},
                    "fact": {"type": "string", "maxLength": 100},
                    "value": {"type": "string", "maxLength": 30},
                },
                "required": ["about", "fact", "value"],
            },
        }
    },
    "required": ["facts"],
}
SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summary": {"type": "string", "maxLength": 300}},
    "required": ["summary"],
}

FACTS_INSTRUCTIONS = """\
You write down facts for a companion's long-term memory of {user}. From {user}'s message, \
list only what {user} states about themselves and their world: names of people, pets and \
places, relations, likes and dislikes, work, plans, events. Write each fact as one short \
sentence about {user} in the language of the message. "about" names what the fact is about \
in two or three words (such as "dog's name" or "home town"), so that a newer fact about the \
same thing can replace it; "value" is the name or thing itself, as {user} said it. \
Questions, greetings and anything about the assistant are not facts: then the list is empty."""

SUMMARY_INSTRUCTIONS = """\
You keep a short running summary of a conversation between {user} and {char}, for {char}'s \
memory. Rewrite the summary so far together with the new messages into at most 50 words: \
who {user} is, what {user} told {char}, what they talked about and agreed on. Plain \
sentences in the language of the conversation."""


def is_capable(model_path: Path) -> bool:
    """Whether the model at `model_path` is large enough to write memories."""
    from voicebuddy.models.gguf import read_gguf_header
    from voicebuddy.models.gguf_info import describe

    try:
        return describe(read_gguf_header(model_path)).parameters >= CAPABLE_PARAMETERS
    except (OSError, ValueError):
        return False


class ModelNotes:
    """The chat model's file in a small context of its own, writing facts and summaries."""

    def __init__(
        self,
        model_path: Path,
        busy: Callable[[], bool],
        threads: int,
        gpu_layers: int = -1,
        context_size: int = 1536,
        stopped: threading.Event | None = None,
    ) -> None:
        from llama_cpp import Llama

        from voicebuddy.engines.llm import model_formatter
        from voicebuddy.engines.native_logs import route_llama_logs

        route_llama_logs()
        self.model_path = model_path
        self._busy = busy
        self._stopped = stopped or threading.Event()
        self._llama = Llama(
            model_path=str(model_path),
            n_ctx=context_size,
            n_batch=_CHUNK,
            n_threads=threads,
            n_threads_batch=threads,
            n_gpu_layers=gpu_layers,
            seed=7,
            verbose=False,
        )
        self._formatter, self._eos = model_formatter(self._llama, model_path)
        self.waited_s = 0.0  # how long the work has waited for the user (tests)

    def facts(self, user_name: str, text: str) -> list[Fact]:
        """The facts `user_name` states in `text`; none when the answer is not usable."""
        answer = self._ask(
            FACTS_INSTRUCTIONS.format(user=user_name), text, FACTS_SCHEMA, _FACTS_TOKENS
        )
        items = answer.get("facts") if isinstance(answer, dict) else None
        facts: list[Fact] = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            about, fact, value = (str(item.get(k, "")).strip() for k in ("about", "fact", "value"))
            if fact and value:
                key = "about: " + re.sub(r"\s+", " ", about.casefold()) if about else ""
                facts.append(Fact(fact.rstrip("."), key, "", value))
        return facts

    def summary(
        self, user_name: str, character_name: str, previous: str, messages: Sequence[Message]
    ) -> str:
        """`previous` (a summary, or "") rewritten together with `messages`."""
        names = {"user": user_name, "assistant": character_name}
        lines = [f"{names.get(m.role, m.role)}: {m.content.strip()}" for m in messages]
        summary = previous
        for chunk in _chunks(lines, _SUMMARY_INPUT_CHARS):
            asked = f"Summary so far: {summary or '(none)'}\n\nNew messages:\n{chunk}"
            answer = self._ask(
                SUMMARY_INSTRUCTIONS.format(user=user_name, char=character_name),
                asked,
                SUMMARY_SCHEMA,
                _SUMMARY_TOKENS,
            )
            written = answer.get("summary") if isinstance(answer, dict) else None
            if isinstance(written, str) and written.strip():
                summary = written.strip()
        return summary

    def _ask(self, instructions: str, text: str, schema: dict[str, Any], limit: int) -> object:
        from llama_cpp.llama_grammar import LlamaGrammar

        from voicebuddy.engines.llm import cached_tokens, common_prefix

        payload = [{"role": "system", "content": instructions}, {"role": "user", "content": text}]
        prompt = str(self._formatter(messages=payload).prompt)
        tokens = list(self._llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))
        room = self._llama.n_ctx() - limit
        if len(tokens) > room:  # the instructions stay; the end of the text gives way
            tokens = tokens[:room]
        grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        held = cached_tokens(self._llama)  # the instructions are the same each time
        self._llama.n_tokens = reused = min(common_prefix(held, tokens), len(tokens) - 1)
        for start in range(reused, len(tokens) - 1, _CHUNK):  # the prompt, a bit at a time
            if not self._wait_for_quiet():
                return None
            self._llama.eval(tokens[start : min(start + _CHUNK, len(tokens) - 1)])
        pieces = self._llama.create_completion(
            prompt=tokens, max_tokens=limit, temperature=0.0, grammar=grammar, stream=True
        )
        assert isinstance(pieces, Iterator)
        written: list[str] = []
        try:
            while self._wait_for_quiet():
                chunk = next(pieces, None)
                if chunk is None:
                    break
                written.append(chunk["choices"][0]["text"])
            else:
                return None
        finally:
            pieces.close()  # type: ignore[attr-defined]
        try:
            # the grammar lets a string hold a raw line break, which strict JSON does not
            return json.loads("".join(written), strict=False)
        except json.JSONDecodeError:  # cut off at the token limit
            log.debug("the model's note did not parse: %r", "".join(written)[:200])
            return None

    def _wait_for_quiet(self) -> bool:
        """Wait while the user talks or a turn runs; False when the work is to stop."""
        started = time.monotonic()
        while self._busy() and not self._stopped.is_set():
            time.sleep(0.02)
        self.waited_s += time.monotonic() - started
        return not self._stopped.is_set()


def _chunks(lines: Sequence[str], size: int) -> Iterator[str]:
    chunk: list[str] = []
    for line in lines:
        line = line[:size]
        if chunk and sum(len(x) + 1 for x in chunk) + len(line) > size:
            yield "\n".join(chunk)
            chunk = []
        chunk.append(line)
    if chunk:
        yield "\n".join(chunk)
