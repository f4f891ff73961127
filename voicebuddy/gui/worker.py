"""Engine work off the GUI thread: a worker QObject living on its own QThread.

The window asks through queued signals and hears back through the worker's signals; the
pipeline's events are forwarded as they happen, so tokens stream into the window.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from voicebuddy.app import VoiceBuddy
from voicebuddy.audio.types import AudioSink
from voicebuddy.characters.character import Character
from voicebuddy.config import Settings
from voicebuddy.errors import AudioError, VoiceBuddyError
from voicebuddy.gui.i18n import arg
from voicebuddy.pipeline import VoicePipeline
from voicebuddy.session import ChatSession
from voicebuddy.speech_out import PlaybackMonitor
from voicebuddy.wake import strip_wake_phrase


@dataclass(frozen=True)
class ModelsReady:
    description: str
    speaker_notice: str  # empty when replies can be spoken


class EngineWorker(QObject):
    turn_event = Signal(object)  # a TurnEvent, as the pipeline emits it
    ready = Signal(object)  # ModelsReady
    load_failed = Signal(str)
    turn_done = Signal(object)  # TurnResult
    turn_failed = Signal(str, str)  # code, message

    def __init__(self, app: VoiceBuddy, open_speaker: Callable[[str], AudioSink]) -> None:
        super().__init__()
        self.app = app
        self._open_speaker_sink = open_speaker
        self._pipeline: VoicePipeline | None = None
        self._pipeline_character: Character | None = None
        self._sink: AudioSink | None = None
        self.playback_monitor: PlaybackMonitor | None = None  # set by hands-free listening
        app.bus.subscribe(self.turn_event.emit)

    def cancel(self, barge_in: bool = False) -> None:
        """Stop the running turn's generation and speech; safe from any thread. A barge-in
        keeps only the part of the reply that was heard."""
        if self._pipeline is not None:
            self._pipeline.cancel(barge_in=barge_in)

    @Slot(object, object)
    def load(self, settings: Settings, character: Character) -> None:
        """Load (or reload with `settings`) every engine; keeps the old ones on failure."""
        try:
            self.app.reload(settings, character)
            self.app.text_to_speech(character)  # the voice the pipeline will use
            notice = self._open_speaker()
        except VoiceBuddyError as error:
            self.load_failed.emit(error.message)
            return
        self._pipeline = None  # rebuilt for the next turn with the new engines
        self.ready.emit(ModelsReady(self.app.describe_models(), notice))

    def _open_speaker(self) -> str:
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        if not self.app.settings.tts.speak_replies:
            return ""
        try:
            self._sink = self._open_speaker_sink(self.app.settings.audio.output_device)
        except AudioError as error:
            return arg(self.tr("%1 Replies are shown, not spoken."), error.message)
        return ""

    def _pipeline_for(self, session: ChatSession) -> VoicePipeline:
        character = session.conversation.character
        if self._pipeline is None or self._pipeline_character != character:
            # the character's voice goes with the pipeline
            self._pipeline = self.app.pipeline(self._sink, character)
            self._pipeline_character = character
        self._pipeline.playback_monitor = self.playback_monitor
        return self._pipeline

    @Slot(object)
    def prepare(self, session: ChatSession) -> None:
        """Read the known part of the next prompt into the model's cache (see
        VoicePipeline.prepare); runs while the user is still talking or idle."""
        with contextlib.suppress(VoiceBuddyError):  # the turn itself will report it
            self._pipeline_for(session).prepare(session.conversation)

    @Slot(object, object, object)
    def run_turn(self, session: ChatSession, audio: object, speech_ended_at: object) -> None:
        """A turn from recorded audio (a float32 array), typed text (a str), or neither
        (regenerate the last reply)."""
        self._turn(session, audio, speech_ended_at, None)

    @Slot(object, object, object)
    def run_hands_free_turn(
        self, session: ChatSession, audio: object, speech_ended_at: object
    ) -> None:
        """A turn from an utterance the voice detector cut; with the wake phrase on, only one
        that starts "Hey <character>" is answered."""
        character = session.conversation.character
        names = [character.display_name, character.name]
        wake = self.app.settings.listen.wake_phrase

        def addressed(transcript: str) -> str | None:
            return strip_wake_phrase(transcript, names)

        self._turn(session, audio, speech_ended_at, addressed if wake else None)

    def _turn(
        self,
        session: ChatSession,
        audio: object,
        speech_ended_at: object,
        transcript_filter: Callable[[str], str | None] | None,
    ) -> None:
        try:
            pipeline = self._pipeline_for(session)
            if isinstance(audio, np.ndarray):
                result = pipeline.run_turn(
                    session.conversation,
                    audio=audio,
                    speech_ended_at=speech_ended_at if isinstance(speech_ended_at, float) else None,
                    transcript_filter=transcript_filter,
                )
            elif isinstance(audio, str):
                result = pipeline.run_turn(session.conversation, text=audio)
            else:
                result = pipeline.run_turn(session.conversation)
        except VoiceBuddyError as error:
            self.turn_failed.emit(error.code, error.message)
            return
        except Exception as error:  # a bug must not kill the worker thread silently
            self.turn_failed.emit("internal_error", f"{type(error).__name__}: {error}")
            return
        self.turn_done.emit(result)
        self.prepare(session)  # ready for the next turn before the user starts it

    @Slot()
    def shutdown(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None
