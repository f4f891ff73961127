"""What the engine thread is asked to do: one small class per command (internal to the
runtime; front ends call `Runtime`'s methods)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from voicebuddy.config import Settings
from voicebuddy.dictation import DictationOptions
from voicebuddy.events import TurnEnded
from voicebuddy.pipeline import TurnRequest
from voicebuddy.runtime.events import ModelsLoaded

Opening = Literal["last", "new"]  # at start: the last conversation, or a new one


@dataclass(frozen=True)
class Load:
    settings: Settings
    opening: Opening | None = None  # the first load also opens a conversation
    done: Future[ModelsLoaded] = field(default_factory=Future)


@dataclass(frozen=True)
class Turn:
    request: TurnRequest
    settings: Settings  # the snapshot taken when the turn was accepted
    done: Future[TurnEnded] = field(default_factory=Future)


@dataclass(frozen=True)
class Press:
    """The talk key went down (the recording has started already)."""


@dataclass(frozen=True)
class Release:
    """The talk key went up: `turn` is what was said, None when nothing is to be answered."""

    turn: Turn | None


@dataclass(frozen=True)
class OpenCharacter:
    name: str


@dataclass(frozen=True)
class OpenConversation:
    conversation_id: int


@dataclass(frozen=True)
class NewConversation:
    pass


@dataclass(frozen=True)
class EditMessage:
    index: int
    text: str


@dataclass(frozen=True)
class DeleteMessage:
    index: int


@dataclass(frozen=True)
class NextGreeting:
    pass


@dataclass(frozen=True)
class SetHandsFree:
    on: bool


@dataclass(frozen=True)
class PrepareDictation:
    settings: Settings


@dataclass(frozen=True)
class StartDictation:
    options: DictationOptions
    cleanup: bool
    number: int  # the how-manieth asked for (a stop before it began cancels it)
    pressed_at: float = 0.0  # time.monotonic() of the request: the audio starts just before


@dataclass(frozen=True)
class TranscribeFiles:
    paths: tuple[Path, ...]
    options: DictationOptions
    cleanup: bool


@dataclass(frozen=True)
class Close:
    pass


Command = (
    Load
    | Turn
    | Press
    | Release
    | OpenCharacter
    | OpenConversation
    | NewConversation
    | EditMessage
    | DeleteMessage
    | NextGreeting
    | SetHandsFree
    | PrepareDictation
    | StartDictation
    | TranscribeFiles
    | Close
)
