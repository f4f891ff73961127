"""The runtime's two ways of listening: the talk key's recording, and hands-free listening.

Both are driven from the callers' threads (a key press, the microphone's own thread), so each
keeps its state under a lock; neither waits for the engine thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from voicebuddy.audio.listener import HandsFreeListener, HeardUtterance, ListenOptions
from voicebuddy.audio.types import Clip, Samples
from voicebuddy.audio.vad import VoiceActivityDetector
from voicebuddy.config import ListenSettings
from voicebuddy.errors import AudioError
from voicebuddy.events import Event
from voicebuddy.runtime.devices import Devices, InputStream, PushToTalkMicrophone


class PushToTalk:
    """Records from the talk key's press to its release."""

    def __init__(self) -> None:
        self._microphone: PushToTalkMicrophone | None = None
        self._recording = False
        self._lock = threading.Lock()

    def use(self, microphone: PushToTalkMicrophone | None) -> None:
        with self._lock:
            self._discard()
            self._microphone = microphone

    @property
    def available(self) -> bool:
        return self._microphone is not None

    @property
    def recording(self) -> bool:
        return self._recording

    @property
    def error(self) -> AudioError | None:
        microphone = self._microphone
        return microphone.error if microphone is not None and self._recording else None

    def start(self) -> None:
        """Start recording; raises AudioError when the microphone cannot."""
        with self._lock:
            if self._microphone is None or self._recording:
                return
            self._microphone.start()
            self._recording = True

    def stop(self) -> Samples | None:
        """What was recorded since `start()`; None when not recording."""
        with self._lock:
            if self._microphone is None or not self._recording:
                return None
            self._recording = False
            return self._microphone.stop()

    def discard(self) -> None:
        with self._lock:
            self._discard()

    def _discard(self) -> None:
        if self._microphone is not None and self._recording:
            self._microphone.stop()
        self._recording = False

    def level(self) -> float:
        microphone = self._microphone
        return microphone.level() if microphone is not None and self._recording else 0.0


class HandsFree:
    """The microphone open all the time, the voice detector deciding when the user talks.

    Utterances and barge-ins are called back on the microphone's thread; a barge-in stops
    the reply right there, without waiting for anything else."""

    def __init__(
        self,
        devices: Devices,
        on_utterance: Callable[[HeardUtterance], None],
        on_barge_in: Callable[[], None],
        emit: Callable[[Event], None],
    ) -> None:
        self._devices = devices
        self._on_utterance = on_utterance
        self._on_barge_in = on_barge_in
        self._emit = emit
        self._stream: InputStream | None = None
        self._listener: HandsFreeListener | None = None
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self._stream is not None

    def start(self, listen: ListenSettings, input_device: str, vad: VoiceActivityDetector) -> None:
        """Open the microphone and listen; raises VoiceBuddyError when that cannot be done."""
        with self._lock:
            if self._stream is not None:
                return
            listener = HandsFreeListener(
                vad,
                ListenOptions.from_settings(listen),
                on_utterance=self._on_utterance,
                on_barge_in=self._on_barge_in,
                on_event=self._emit,
            )
            self._listener = listener
            try:
                stream = self._devices.open_stream(
                    input_device, self._feed, self._failed, self._recovered
                )
                stream.start()
            except BaseException:
                self._listener = None
                raise
            self._stream = stream

    def stop(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
            self._listener = None
        if stream is not None:
            stream.stop()

    # The pipeline's side: what is playing, and whether a reply is under way.
    def playback(self, clip: Clip | None, at: float) -> None:
        listener = self._listener
        if listener is not None:
            listener.playback(clip, at)

    def reply_started(self) -> None:
        listener = self._listener
        if listener is not None:
            listener.reply_started()

    def reply_ended(self) -> None:
        listener = self._listener
        if listener is not None:
            listener.reply_ended()

    # The microphone's thread.
    def _feed(self, samples: Samples, captured_at: float) -> None:
        listener = self._listener
        if listener is not None:
            listener.feed(np.asarray(samples, dtype=np.float32), captured_at)

    def _failed(self, error: AudioError) -> None:
        listener = self._listener
        if listener is not None:
            listener.fail(error)

    def _recovered(self) -> None:
        listener = self._listener
        if listener is not None:
            listener.resumed()
