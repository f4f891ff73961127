"""Fake sound devices for the runtime and the window: microphones that deliver, in real time,
what a test says into them, and a speaker that collects what it is given."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from voicebuddy.audio.playback import CollectingSink
from voicebuddy.audio.types import AudioSink, Samples
from voicebuddy.errors import AudioError

RATE = 16_000
BLOCK = 320  # 20 ms


def tone(seconds: float, amplitude: float = 0.2) -> Samples:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 150 * t)).astype(np.float32)


def pause(seconds: float) -> Samples:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


class FakeStream:
    """A microphone that delivers 20 ms blocks in real time from its own thread, as a sound
    card does: what a test `say`s, in order, and silence the rest of the time."""

    def __init__(
        self,
        on_samples: Callable[[Samples, float], None],
        on_error: Callable[[AudioError], None],
        on_recovered: Callable[[], None],
    ) -> None:
        self.on_samples, self.on_error, self.on_recovered = on_samples, on_error, on_recovered
        self.running = False
        self._queue: deque[Samples] = deque()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.running = True
        self._thread = threading.Thread(target=self._pump, name="fake-mic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._changed:
            self.running = False
            self._changed.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(5)

    def say(self, audio: Samples, wait: bool = True) -> None:
        """Speak `audio` into the microphone; with `wait`, return once it has been heard."""
        with self._changed:
            for offset in range(0, audio.size, BLOCK):
                block = audio[offset : offset + BLOCK]
                self._queue.append(np.pad(block, (0, BLOCK - block.size)))
            if wait:
                self._changed.wait_for(lambda: not self._queue or not self.running, timeout=60)

    def silent(self) -> bool:
        """Everything said has been heard."""
        with self._changed:
            return not self._queue

    def _pump(self) -> None:
        due = time.monotonic()
        while True:
            due += BLOCK / RATE
            time.sleep(max(0.0, due - time.monotonic()))
            with self._changed:
                if not self.running:
                    return
                block = self._queue.popleft() if self._queue else np.zeros(BLOCK, np.float32)
                if not self._queue:
                    self._changed.notify_all()
            self.on_samples(block, time.monotonic())


class FakeDevices:
    """`microphone` False: no microphone at all. `realtime`: the speaker takes as long as the
    audio lasts (so replies can be interrupted)."""

    def __init__(self, microphone: bool = True, realtime: bool = False) -> None:
        self.microphone = microphone
        self.sink = CollectingSink(realtime=realtime)
        self.streams: list[FakeStream] = []

    @property
    def live(self) -> list[FakeStream]:
        """The streams open now (push-to-talk keeps one; hands-free has its own)."""
        return [s for s in self.streams if s.running]

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


def hold_the_key(runtime: object, devices: FakeDevices, audio: Samples) -> object:
    """Press the talk key, say `audio`, let go: the runtime's ticket for the turn (or None)."""
    runtime.talk_pressed()  # type: ignore[attr-defined]
    (stream,) = devices.live
    stream.say(audio)
    return runtime.talk_released()  # type: ignore[attr-defined]
