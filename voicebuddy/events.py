"""The one event stream: every stage reports through subclasses of `Event`.

Each event is a frozen dataclass with a `time.monotonic()` timestamp `at` and the id of the turn
it belongs to (0 when it belongs to none), so latencies are differences between two events.
The window, the terminal, the benchmarks and the tests subscribe to the same stream (see
`voicebuddy.runtime`). Dictation's events are in `voicebuddy.dictation`, the runtime's own in
`voicebuddy.runtime.events`; all derive from `Event`.

A failure is always `Failed`: a stable `code` for programs and one sentence for people. It ends
what it is about (a turn, loading the models, a dictation, a file). What goes wrong without
stopping anything (the speaker fails but the reply's text is kept, the microphone is away and
being retried) is a `Notice`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeVar


@dataclass(frozen=True, kw_only=True)
class Event:
    at: float = field(default_factory=time.monotonic)
    turn_id: int = 0  # the turn this is part of; 0: none


FailureScope = Literal["turn", "load", "dictation", "file", "command"]


@dataclass(frozen=True, kw_only=True)
class Failed(Event):
    """What `about` names stopped; `code` is stable, `message` one sentence for people."""

    code: str
    message: str
    about: FailureScope = "turn"
    subject: str = ""  # what failed, when it has a name (a file's path)


@dataclass(frozen=True, kw_only=True)
class Notice(Event):
    """Something to tell the user while work goes on. `topic` says which standing message it
    replaces ("speaker", "microphone", "turn", ...); an empty `message` clears it. `cause` is
    the sentence about what went wrong, when `message` adds what follows from it (a front end
    in another language words that part itself, by `code`)."""

    code: str
    message: str
    topic: str
    cause: str = ""


# ----- a turn
TurnSource = Literal["audio", "text", "regenerate"]


@dataclass(frozen=True, kw_only=True)
class TurnStarted(Event):
    """The user's speech has ended (or text was sent); the turn's clock starts here."""

    source: TurnSource = "audio"
    audio_s: float = 0.0


@dataclass(frozen=True, kw_only=True)
class HeardSoFar(Event):
    """What the user has said so far, transcribed while the talk key is still held."""

    text: str


@dataclass(frozen=True, kw_only=True)
class TranscriptReady(Event):
    text: str
    language: str
    stt_ms: float
    loops_caught: int = 0  # whisper decodes that looped and were retried or cut


@dataclass(frozen=True, kw_only=True)
class TokenGenerated(Event):
    text: str


@dataclass(frozen=True, kw_only=True)
class ThoughtGenerated(Event):
    """Text of a reasoning model's thoughts (before its answer): shown folded, never spoken."""

    text: str


@dataclass(frozen=True, kw_only=True)
class SentenceReady(Event):
    """A complete sentence (or clause) of the reply, ready to be spoken."""

    index: int
    text: str


@dataclass(frozen=True, kw_only=True)
class AudioStarted(Event):
    """The first sample of a sentence's audio was handed to the output."""

    sentence_index: int


@dataclass(frozen=True)
class TurnTimings:
    """Milliseconds from the end of the user's speech (the turn's start)."""

    stt: float | None = None
    llm_first_token: float | None = None
    first_audio: float | None = None
    total: float = 0.0


@dataclass(frozen=True, kw_only=True)
class TurnEnded(Event):
    """The turn is over. `user_text` is the user's message as stored (joined with an earlier
    unanswered one, see `Conversation.add_user_words`); `reply` is "" when there was none."""

    transcript: str
    reply: str
    language: str = ""
    interrupted: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    timings: TurnTimings = field(default_factory=TurnTimings)
    user_text: str = ""


# ----- hands-free listening
@dataclass(frozen=True, kw_only=True)
class SpeechBegan(Event):
    started_at: float  # when the speech began, by the microphone's clock


@dataclass(frozen=True, kw_only=True)
class UtteranceHeard(Event):
    duration_s: float
    speech_ended_at: float  # the end of the last speech frame
    detection_delay_ms: float  # from the end of speech to this event (the end-of-turn delay)
    reason: str = "pause"  # what ended the turn: "pause", "model" or "max_pause"


@dataclass(frozen=True, kw_only=True)
class BargedIn(Event):
    speech_started_at: float
    reaction_ms: float  # from the start of the user's speech to the stop of the reply


Listener = Callable[[Event], None]
E = TypeVar("E", bound=Event)


class Handlers:
    """Calls the handler registered for an event's exact type; the others are ignored.

    Front ends build one of these instead of a chain of isinstance checks."""

    def __init__(self) -> None:
        self._by_type: dict[type[Event], list[Callable[[Event], None]]] = {}

    def on(self, kind: type[E], handler: Callable[[E], None]) -> Handlers:
        self._by_type.setdefault(kind, []).append(handler)  # type: ignore[arg-type]
        return self

    def __call__(self, event: Event) -> None:
        for handler in self._by_type.get(type(event), ()):
            handler(event)
