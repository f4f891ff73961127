"""Fake sound devices for the runtime and the window: a push-to-talk microphone that
"records" a tone, a hands-free stream that delivers what a test says into it, and a speaker
that collects what it is given."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from voicebuddy.audio.playback import CollectingSink
from voicebuddy.audio.types import AudioSink, Samples
from voicebuddy.errors import AudioError
from voicebuddy.runtime.devices import PushToTalkMicrophone

RATE = 16_000


def tone(seconds: float, amplitude: float = 0.2) -> Samples:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 150 * t)).astype(np.float32)


def pause(seconds: float) -> Samples:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


class FakeRecorder:
    def __init__(self) -> None:
        self.error: AudioError | None = None
        self.recording = False
        self.audio = tone(2.0)

    def start(self) -> None:
        self.recording = True

    def stop(self) -> Samples:
        self.recording = False
        return self.audio

    def level(self) -> float:
        return 0.1 if self.recording else 0.0


class FakeStream:
    def __init__(
        self,
        on_samples: Callable[[Samples, float], None],
        on_error: Callable[[AudioError], None],
        on_recovered: Callable[[], None],
    ) -> None:
        self.on_samples, self.on_error, self.on_recovered = on_samples, on_error, on_recovered
        self.running = False

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def say(self, audio: Samples) -> None:
        """Deliver `audio` at once, stamped as if it had just been captured."""
        start = time.monotonic() - audio.size / RATE
        for offset in range(0, audio.size, 320):
            block = audio[offset : offset + 320]
            self.on_samples(block, start + (offset + block.size) / RATE)


class FakeDevices:
    """`microphone` False: no microphone at all. `realtime`: the speaker takes as long as the
    audio lasts (so replies can be interrupted)."""

    def __init__(self, microphone: bool = True, realtime: bool = False) -> None:
        self.microphone = microphone
        self.recorder = FakeRecorder()
        self.sink = CollectingSink(realtime=realtime)
        self.streams: list[FakeStream] = []

    def open_microphone(self, name: str) -> PushToTalkMicrophone:
        if not self.microphone:
            raise AudioError("no_input_device", "No microphone was found.")
        return self.recorder

    def open_stream(
        self,
        name: str,
        on_samples: Callable[[Samples, float], None],
        on_error: Callable[[AudioError], None],
        on_recovered: Callable[[], None],
    ) -> FakeStream:
        if not self.microphone:
            raise AudioError("no_input_device", "No microphone was found.")
        self.streams.append(FakeStream(on_samples, on_error, on_recovered))
        return self.streams[-1]

    def open_speaker(self, name: str) -> AudioSink:
        return self.sink
