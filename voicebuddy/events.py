"""Typed, timestamped events of a voice turn.

The GUI, the CLI and the benchmarks all subscribe to the same events. Each carries the turn id
and a `time.monotonic()` timestamp `at`, so latencies are differences between two events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


def _now() -> float:
    return time.monotonic()


@dataclass(frozen=True, kw_only=True)
class TurnEvent:
    turn_id: int
    at: float = field(default_factory=_now)


@dataclass(frozen=True, kw_only=True)
class TurnStarted(TurnEvent):
    """The user's speech has ended (or text was sent); the turn's clock starts here."""

    audio_s: float = 0.0


@dataclass(frozen=True, kw_only=True)
class TranscriptReady(TurnEvent):
    text: str
    language: str
    stt_ms: float


@dataclass(frozen=True, kw_only=True)
class TokenGenerated(TurnEvent):
    text: str


@dataclass(frozen=True, kw_only=True)
class SentenceReady(TurnEvent):
    """A complete sentence (or clause) of the reply, ready to be spoken."""

    index: int
    text: str


@dataclass(frozen=True, kw_only=True)
class AudioStarted(TurnEvent):
    """The first sample of a sentence's audio was handed to the output."""

    sentence_index: int


@dataclass(frozen=True, kw_only=True)
class TurnEnded(TurnEvent):
    transcript: str
    reply: str
    interrupted: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True, kw_only=True)
class TurnFailed(TurnEvent):
    """A stage failed; `code` is stable, `message` is one sentence for people."""

    code: str
    message: str


Listener = Callable[[TurnEvent], None]
