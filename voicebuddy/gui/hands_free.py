"""Hands-free in the window: the microphone stays open, the voice detector decides when the
user talks, and talking over the character stops it.

Audio arrives on the microphone's thread; utterances and listening events reach the window
through queued signals. A barge-in stops the reply right there on the microphone's thread,
without waiting for the GUI, so the character falls silent as fast as possible.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from voicebuddy.audio.types import Clip, Samples
from voicebuddy.audio.vad import VoiceActivityDetector, open_vad
from voicebuddy.config import ListenSettings
from voicebuddy.errors import AudioError, VoiceBuddyError
from voicebuddy.gui.devices import AudioDevices, InputStream
from voicebuddy.handsfree import (
    HandsFreeListener,
    ListenOptions,
)


class HandsFreeController(QObject):
    utterance = Signal(object)  # HeardUtterance
    listen_event = Signal(object)  # ListenEvent
    failed = Signal(str)  # one sentence

    def __init__(
        self,
        devices: AudioDevices,
        stop_reply: Callable[[], None],
        open_detector: Callable[[str], VoiceActivityDetector] = open_vad,
    ) -> None:
        super().__init__()
        self._devices = devices
        self._stop_reply = stop_reply
        self._open_detector = open_detector
        self._stream: InputStream | None = None
        self.listener: HandsFreeListener | None = None

    @property
    def active(self) -> bool:
        return self._stream is not None

    def start(self, listen: ListenSettings, input_device: str) -> bool:
        """Open the microphone and listen; False (and `failed`) when that cannot be done."""
        if self._stream is not None:
            return True
        try:
            detector = self._open_detector(listen.vad)
            self.listener = HandsFreeListener(
                detector,
                ListenOptions.from_settings(listen),
                on_utterance=self.utterance.emit,
                on_barge_in=self._stop_reply,
                on_event=self.listen_event.emit,
            )
            stream = self._devices.open_stream(
                input_device, self._feed, self._on_error, self._on_recovered
            )
            stream.start()
        except VoiceBuddyError as error:
            self.listener = None
            self.failed.emit(error.message)
            return False
        self._stream = stream
        return True

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
        self.listener = None

    def playback(self, clip: Clip | None, at: float) -> None:
        """The pipeline's playback monitor (called on the speaking thread)."""
        listener = self.listener
        if listener is not None:
            listener.playback(clip, at)

    def reply_started(self) -> None:
        if self.listener is not None:
            self.listener.reply_started()

    def reply_ended(self) -> None:
        if self.listener is not None:
            self.listener.reply_ended()

    def _feed(self, samples: Samples, captured_at: float) -> None:
        listener = self.listener
        if listener is not None:
            listener.feed(samples, captured_at)

    def _on_error(self, error: AudioError) -> None:
        listener = self.listener
        if listener is not None:
            listener.fail(error)

    def _on_recovered(self) -> None:
        listener = self.listener
        if listener is not None:
            listener.resumed()
