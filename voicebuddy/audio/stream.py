"""Continuous microphone capture for hands-free listening and live dictation.

The device runs at its own rate; a pump thread resamples each block to 16 kHz mono and hands
it to `on_samples(samples, captured_at)`, where `captured_at` is the `time.monotonic()` at which
the block's last sample arrived. Nothing but a copy runs on PortAudio's thread.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from voicebuddy.audio.capture import open_input_stream
from voicebuddy.audio.files import to_mono
from voicebuddy.audio.playback import load_sounddevice
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.errors import AudioError

SamplesCallback = Callable[[Samples, float], None]
ErrorCallback = Callable[[AudioError], None]
_STOP = None


class MicrophoneStream:
    """Streams an input device (None: the default) from `start()` until `stop()`.

    If the device fails or vanishes, `on_error` gets one AudioError "input_device_failed"
    (on the pump thread); then the device is tried again every `retry_s` seconds until it
    is back (`on_recovered` is called) or `stop()` is called.
    """

    def __init__(
        self,
        on_samples: SamplesCallback,
        *,
        device: int | str | None = None,
        block_ms: int = 20,
        on_error: ErrorCallback | None = None,
        on_recovered: Callable[[], None] | None = None,
        retry_s: float = 1.0,
        sound_device: Any = None,
    ) -> None:
        """`sound_device`: the `sounddevice` module, or a stand-in with the same calls (the
        bench plays recordings through one)."""
        self._sd = sound_device if sound_device is not None else load_sounddevice("input")
        self._device = device
        self._block_ms = block_ms
        self._on_samples = on_samples
        self._on_error = on_error
        self._on_recovered = on_recovered
        self._retry_s = retry_s
        self._closed = threading.Event()  # stop() was called: no more reconnecting
        self._stream: Any = None
        self._pump: threading.Thread | None = None
        self._blocks: queue.SimpleQueue[tuple[np.ndarray, float] | None] = queue.SimpleQueue()
        self._stopping = False
        self._lock = threading.Lock()
        self.sample_rate = 0
        self.device_name = ""
        self.overflows = 0  # blocks PortAudio reported as lost (the consumer fell behind)

    @property
    def running(self) -> bool:
        return self._stream is not None

    def start(self) -> None:
        self._closed.clear()
        self._open()

    def _open(self, reconnecting: bool = False) -> None:
        sd = self._sd
        with self._lock:
            if reconnecting and self._closed.is_set():
                return  # stopped while the device was away
            if self._stream is not None:
                raise RuntimeError("MicrophoneStream.start() called while running")
            self._stopping = False
            self._blocks = queue.SimpleQueue()
            opened = open_input_stream(
                sd, self._device, self._block_ms, self._callback, self._on_finished
            )
            self.device_name, self.sample_rate = opened.device_name, opened.rate
            self._stream = opened.stream
            self._pump = threading.Thread(
                target=self._pump_loop,
                args=(self._blocks, opened.rate),
                name="mic-pump",
                daemon=True,
            )
            self._pump.start()

    def stop(self) -> None:
        """Stop capturing; returns once every captured block was handed on."""
        self._closed.set()
        with self._lock:
            stream, self._stream = self._stream, None
            pump, self._pump = self._pump, None
            if stream is None:
                return
            self._stopping = True
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)
            self._blocks.put(_STOP)
        if pump is not None and pump is not threading.current_thread():
            pump.join(timeout=5)

    # Runs on PortAudio's thread: a copy and a put.
    def _callback(self, indata: np.ndarray, _frames: int, _time: Any, status: Any) -> None:
        if status.input_overflow:
            self.overflows += 1
        self._blocks.put((indata.copy(), time.monotonic()))

    def _on_finished(self) -> None:
        if not self._stopping:
            self._blocks.put(_STOP)

    def _pump_loop(
        self, blocks: queue.SimpleQueue[tuple[np.ndarray, float] | None], rate: int
    ) -> None:
        import soxr

        resampler = (
            None if rate == STT_SAMPLE_RATE else soxr.ResampleStream(rate, STT_SAMPLE_RATE, 1)
        )
        while (item := blocks.get()) is not _STOP:
            block, at = item
            mono = np.ascontiguousarray(to_mono(block), dtype=np.float32)
            samples = mono if resampler is None else resampler.resample_chunk(mono)
            if samples.size:
                self._on_samples(samples.astype(np.float32, copy=False), at)
        if not self._stopping:
            self._fail()

    def _fail(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
            self._pump = None
        if stream is not None:
            stream.close(ignore_errors=True)
        if self._on_error is not None:
            self._on_error(
                AudioError(
                    "input_device_failed",
                    f"The audio input device '{self.device_name}' stopped delivering audio; "
                    "listening again as soon as it is back.",
                )
            )
        threading.Thread(target=self._reconnect, name="mic-reconnect", daemon=True).start()

    def _reconnect(self) -> None:
        while not self._closed.wait(self._retry_s):
            try:
                self._open(reconnecting=True)
            except AudioError:
                continue
            except RuntimeError:
                return  # started again meanwhile by its owner
            if self._on_recovered is not None:
                self._on_recovered()
            return
