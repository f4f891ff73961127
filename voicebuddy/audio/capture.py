"""Push-to-talk microphone recording.

sounddevice (PortAudio) is imported when a recorder is created, not at module import.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicebuddy.audio.files import resample, rms, to_mono
from voicebuddy.audio.playback import load_sounddevice, pick_channels, query_device
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.errors import AudioError


@dataclass(frozen=True)
class InputStream:
    stream: Any  # a started sounddevice.InputStream
    rate: int
    device_name: str


def open_input_stream(
    sd: Any,
    device: int | str | None,
    block_ms: int,
    callback: Callable[[np.ndarray, int, Any, Any], None],
    finished_callback: Callable[[], None],
) -> InputStream:
    """Start float32 capture from `device` at its own rate, mono when it allows.

    Raises AudioError "no_input_device" when it cannot be opened."""
    info = query_device(sd, device, "input")
    index = int(info["index"])
    rate = int(info["default_samplerate"])
    channels = pick_channels(sd, index, "input", rate, int(info["max_input_channels"]))
    name = str(info["name"])
    try:
        stream = sd.InputStream(
            samplerate=rate,
            device=index,
            channels=channels,
            dtype="float32",
            blocksize=max(1, rate * block_ms // 1000),
            callback=callback,
            finished_callback=finished_callback,
        )
        stream.start()
    except sd.PortAudioError as exc:
        raise AudioError(
            "no_input_device", f"Cannot open the audio input device '{name}': {exc}."
        ) from exc
    return InputStream(stream, rate, name)


class MicrophoneRecorder:
    """Records from an input device (None: the system default) between `start()` and `stop()`.

    The stream runs at the device's default rate; `stop()` returns 16 kHz mono float32.

    Errors: `start()` raises AudioError "no_input_device" when there is no usable device.
    If the device fails while recording, nothing is raised on the audio thread: the audio
    captured so far is kept, `stop()` still returns it, and `error` holds an AudioError
    "input_device_failed" (poll it to show the failure early; it is reset by `start()`).
    """

    def __init__(self, device: int | str | None = None, block_ms: int = 20) -> None:
        self._sd = load_sounddevice("input")
        self._device = device
        self._block_ms = block_ms
        self._stream: Any = None
        self._blocks: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self._latest: np.ndarray | None = None
        self._frames = 0
        self._stopping = False
        self._error: AudioError | None = None
        self._lock = threading.Lock()
        self.sample_rate = 0
        self.device_name = ""

    @property
    def recording(self) -> bool:
        return self._stream is not None

    @property
    def error(self) -> AudioError | None:
        return self._error

    @property
    def duration_s(self) -> float:
        """Seconds captured since `start()`."""
        return self._frames / self.sample_rate if self.sample_rate else 0.0

    def start(self) -> None:
        sd = self._sd
        with self._lock:
            if self._stream is not None:
                raise RuntimeError("MicrophoneRecorder.start() called while already recording")
            self._blocks = queue.SimpleQueue()
            self._latest = None
            self._frames = 0
            self._stopping = False
            self._error = None
            opened = open_input_stream(
                sd, self._device, self._block_ms, self._callback, self._on_finished
            )
            self.device_name, self.sample_rate = opened.device_name, opened.rate
            self._stream = opened.stream

    def level(self) -> float:
        """RMS of the latest block (0.0 when idle), for a level meter."""
        block = self._latest
        if block is None or block.size == 0:
            return 0.0
        return rms(to_mono(block))

    def stop(self) -> Samples:
        """Stop recording and return everything captured, as 16 kHz mono float32.

        Returns an empty array when not recording.
        """
        with self._lock:
            stream = self._stream
            if stream is None:
                return np.zeros(0, dtype=np.float32)
            self._stopping = True
            self._stream = None
            try:
                stream.stop(ignore_errors=False)
            except self._sd.PortAudioError as exc:
                self._fail(f"could not be stopped cleanly ({exc})")
            finally:
                stream.close(ignore_errors=True)
            self._latest = None
            return resample(self._drain(), self.sample_rate, STT_SAMPLE_RATE)

    def _drain(self) -> Samples:
        blocks: list[np.ndarray] = []
        while True:
            try:
                blocks.append(self._blocks.get_nowait())
            except queue.Empty:
                break
        if not blocks:
            return np.zeros(0, dtype=np.float32)
        return to_mono(np.concatenate(blocks))

    # Runs on PortAudio's thread: keep it to a copy and a put.
    def _callback(self, indata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        block = indata.copy()
        self._blocks.put(block)
        self._latest = block
        self._frames += frames

    def _on_finished(self) -> None:
        if not self._stopping:
            self._fail("stopped delivering audio")

    def _fail(self, what: str) -> None:
        if self._error is None:
            self._error = AudioError(
                "input_device_failed",
                f"The audio input device '{self.device_name}' {what}; "
                f"the {self.duration_s:.1f} s recorded before that were kept.",
            )
