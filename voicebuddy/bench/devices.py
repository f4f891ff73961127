"""Audio devices for the bench: speech played into the app's real microphone stream, a
file spoken into the whole-recording recorder, and a real-time output.

A `Tape` is what a microphone that never stops hears; `TapeDevices` gives the runtime a
microphone listening to one, so the bench presses push-to-talk as the window does.
`FileMicrophone` is `MicrophoneRecorder` (the recorder push-to-talk used before it kept the
microphone open) with a clip in place of PortAudio: the reference the pressing bench compares
with. Both stand-in streams hand over 20 ms blocks at the pace a sound card would.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicebuddy.audio.capture import MicrophoneRecorder
from voicebuddy.audio.files import resample
from voicebuddy.audio.types import AudioSink, Clip, Samples
from voicebuddy.runtime.devices import AudioDevices

DEVICE_RATE = 48_000  # the rate sound servers usually run microphones at


class _FileInputStream:
    """Stands in for `sounddevice.InputStream`: plays `samples` into `callback` in real time."""

    def __init__(
        self,
        samples: Samples,
        *,
        samplerate: float,
        blocksize: int,
        callback: Callable[[np.ndarray, int, Any, Any], None],
        finished_callback: Callable[[], None],
        **_settings: object,
    ) -> None:
        self._samples = samples
        self._rate = samplerate
        self._blocksize = blocksize
        self._callback = callback
        self._finished_callback = finished_callback
        self._stop = threading.Event()
        self.delivered = threading.Event()
        self.last_block_at = 0.0
        self._thread = threading.Thread(target=self._run, name="bench-microphone", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        block_s = self._blocksize / self._rate
        started = time.monotonic()
        for number, offset in enumerate(range(0, len(self._samples), self._blocksize), 1):
            # A sound card hands a block over once its last sample has been recorded.
            if self._stop.wait(max(0.0, started + number * block_s - time.monotonic())):
                return
            block = self._samples[offset : offset + self._blocksize]
            if len(block) < self._blocksize:
                block = np.concatenate([block, np.zeros(self._blocksize - len(block), np.float32)])
            self._callback(block[:, np.newaxis], self._blocksize, None, None)
            self.last_block_at = time.monotonic()
        self.delivered.set()

    def stop(self, ignore_errors: bool = True) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._finished_callback()

    def close(self, ignore_errors: bool = True) -> None:
        self._stop.set()


class _FileSoundDevice:
    """The part of the `sounddevice` module that MicrophoneRecorder uses, backed by a clip."""

    class PortAudioError(Exception):
        pass

    def __init__(self, samples: Samples, name: str) -> None:
        self._samples = samples
        self._name = name
        self.stream: _FileInputStream | None = None

    def query_devices(self, device: object = None, kind: str = "input") -> dict[str, Any]:
        return {
            "index": 0,
            "name": self._name,
            "default_samplerate": float(DEVICE_RATE),
            "max_input_channels": 1,
        }

    def check_input_settings(self, **_settings: object) -> None:
        return None

    def InputStream(self, **settings: Any) -> _FileInputStream:
        self.stream = _FileInputStream(self._samples, **settings)
        return self.stream


class FileMicrophone(MicrophoneRecorder):
    """A microphone that "hears" `clip` each time it is started."""

    def __init__(self, clip: Clip, name: str = "file", block_ms: int = 20) -> None:
        # Not super().__init__(), which loads PortAudio; these are the attributes it sets (and
        # start() resets the per-recording ones), with the file in place of the device.
        self._sd = _FileSoundDevice(resample(clip.samples, clip.sample_rate, DEVICE_RATE), name)
        self._device = None
        self._block_ms = block_ms
        self._stream = None
        self._blocks: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self._latest = None
        self._frames = 0
        self._stopping = False
        self._error = None
        self._lock = threading.Lock()
        self.sample_rate = 0
        self.device_name = ""

    def record(self, timeout: float = 600.0) -> tuple[Samples, float]:
        """Record the whole clip as push-to-talk would: start, let it play in, stop.

        Returns the 16 kHz audio `stop()` gave and when the last block was delivered (the end of
        the user's speech, `time.monotonic()`).
        """
        self.start()
        stream = self._sd.stream
        assert stream is not None
        if not stream.delivered.wait(timeout):
            self.stop()
            raise TimeoutError("the file microphone did not deliver its clip in time")
        return self.stop(), stream.last_block_at


class PacedSink:
    """An output that takes each clip at real-time pace and keeps none of it (an AudioSink).

    `play` returns once the clip would have played, so a turn ends when its speech would.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.clips = 0
        self.seconds = 0.0

    def play(self, clip: Clip, on_start: Callable[[], None] | None = None) -> None:
        self._stop.clear()
        if clip.samples.size == 0:
            return
        self.clips += 1
        self.seconds += clip.duration_s
        if on_start is not None:
            on_start()
        self._stop.wait(clip.duration_s)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._stop.set()


@dataclass(frozen=True)
class _Status:
    """What sounddevice says about a block: nothing was lost."""

    input_overflow: bool = False


_NO_OVERFLOW = _Status()


class Tape:
    """What a microphone that never stops hears: silence, and whatever is `play`ed on it, in
    order, at the pace a sound card records it (shared by the streams a `TapeSoundDevice`
    opens)."""

    def __init__(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)
        self._lock = threading.Lock()

    def play(self, samples: Samples, sample_rate: int) -> None:
        """Queue `samples` (at `sample_rate`) to be heard after what is queued already."""
        audio = resample(np.asarray(samples, np.float32), sample_rate, DEVICE_RATE)
        with self._lock:
            self._pending = np.concatenate([self._pending, audio])

    def queued_s(self) -> float:
        with self._lock:
            return self._pending.size / DEVICE_RATE

    def take(self, n: int) -> Samples:
        with self._lock:
            block, self._pending = self._pending[:n], self._pending[n:]
        return block if block.size == n else np.concatenate([block, np.zeros(n - block.size)])


class _TapeInputStream(_FileInputStream):
    """`_FileInputStream` that goes on until stopped, playing what is on the tape."""

    def __init__(self, tape: Tape, **settings: Any) -> None:
        super().__init__(np.zeros(0, np.float32), **settings)
        self._tape = tape

    def abort(self, ignore_errors: bool = True) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        block_s = self._blocksize / self._rate
        started = time.monotonic()
        number = 0
        while True:
            number += 1
            if self._stop.wait(max(0.0, started + number * block_s - time.monotonic())):
                return
            block = self._tape.take(self._blocksize).astype(np.float32)
            self._callback(block[:, np.newaxis], self._blocksize, None, _NO_OVERFLOW)
            self.last_block_at = time.monotonic()


class TapeSoundDevice(_FileSoundDevice):
    """The part of `sounddevice` a `MicrophoneStream` uses, listening to a `Tape`."""

    def __init__(self, tape: Tape, name: str = "tape") -> None:
        super().__init__(np.zeros(0, np.float32), name)
        self._tape = tape

    def InputStream(self, **settings: Any) -> _TapeInputStream:
        return _TapeInputStream(self._tape, **settings)


class TapeDevices(AudioDevices):
    """The app's devices for the bench: the microphone hears `tape` through the real
    `MicrophoneStream`, and replies go to `speaker`."""

    def __init__(self, tape: Tape, speaker: AudioSink) -> None:
        super().__init__(sound_device=TapeSoundDevice(tape))
        self.speaker = speaker

    def open_speaker(self, name: str) -> AudioSink:
        return self.speaker
