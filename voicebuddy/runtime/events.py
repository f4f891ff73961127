"""The runtime's own events, beside those of the pipeline, the listener and dictation: the
same stream, the same base class (`voicebuddy.events.Event`). StateChanged is defined with the
states, in `voicebuddy.runtime.state`."""

from __future__ import annotations

from dataclasses import dataclass

from voicebuddy.characters.character import Character
from voicebuddy.engines.transcription import Transcription
from voicebuddy.engines.tts import Voice
from voicebuddy.events import Event
from voicebuddy.messages import Message
from voicebuddy.runtime.state import StateChanged


@dataclass(frozen=True, kw_only=True)
class ModelsLoaded(Event):
    description: str  # the models in use, for the status bar
    voices: tuple[Voice, ...]  # what the text-to-speech engine offers
    voice: str  # the id of the voice replies are spoken in
    can_talk: bool  # a microphone for push-to-talk was found


@dataclass(frozen=True, kw_only=True)
class ConversationOpened(Event):
    """Another conversation is open now (or the same one, reopened)."""

    conversation_id: int  # 0 when it is not stored
    character: Character
    user_name: str
    messages: tuple[Message, ...]
    can_cycle_greeting: bool


@dataclass(frozen=True, kw_only=True)
class ConversationChanged(Event):
    """The open conversation's messages, after a turn, an edit or a deletion."""

    conversation_id: int
    messages: tuple[Message, ...]
    can_cycle_greeting: bool


@dataclass(frozen=True, kw_only=True)
class HandsFreeChanged(Event):
    on: bool


@dataclass(frozen=True, kw_only=True)
class MicrophoneOpen(Event):
    """The talk key's microphone is open (kept warm) or closed now."""

    open: bool


@dataclass(frozen=True, kw_only=True)
class DictationReady(Event):
    model: str  # the speech model dictation uses


@dataclass(frozen=True, kw_only=True)
class DictationStarted(Event):
    pass


@dataclass(frozen=True, kw_only=True)
class DictationStopped(Event):
    transcription: Transcription  # everything dictated since it started


@dataclass(frozen=True, kw_only=True)
class FileTranscribed(Event):
    path: str
    transcription: Transcription


__all__ = [
    "ConversationChanged",
    "ConversationOpened",
    "DictationReady",
    "DictationStarted",
    "DictationStopped",
    "FileTranscribed",
    "HandsFreeChanged",
    "MicrophoneOpen",
    "ModelsLoaded",
    "StateChanged",
]
