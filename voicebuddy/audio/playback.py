"""Audio sinks (speaker, WAV file, test list) and sound-device helpers.

sounddevice (PortAudio) is imported lazily so that this module imports on machines without
PortAudio; only opening a device needs it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from voicebuddy.audio.files import StrPath, resample, write_wav
from voicebuddy.audio.types import STT_SAMPLE_RATE, Clip
from voicebuddy.errors import AudioError

Direction = Literal["input", "output"]

_NO_DEVICE = {"input": "no_input_device", "output": "no_output_device"}
_PURPOSE = {"input": "Recording", "output": "Playback"}
# A stream that has not finished this long after its audio should have ended is stuck.
_STALL_MARGIN_S = 5.0
_TAIL_MARGIN_S = 0.05


@dataclass(frozen=True)
class AudioDevice:
    """One PortAudio device as shown to users (index is what SpeakerSink/recorder accept)."""

    index: int
    name: str
    default_rate: int
    channels: int
    is_default: bool


def load_sounddevice(direction: Direction) -> Any:
    """Import sounddevice, turning a missing PortAudio into an AudioError for `direction`."""
    try:
        import sounddevice
    except (OSError, ImportError) as exc:  # OSError: "PortAudio library not found"
        raise AudioError(
            _NO_DEVICE[direction],
            f"{_PURPOSE[direction]} needs the PortAudio library "
            f"(Debian/Ubuntu package libportaudio2), which could not be loaded: {exc}.",
        ) from exc
    return sounddevice


def query_device(sd: Any, device: int | str | None, direction: Direction) -> dict[str, Any]:
    """sounddevice's description of `device` (None: the default one) or AudioError.

    `device` is an index, an index as text ("3") or part of a device name.
    """
    if isinstance(device, str) and device.strip().isdigit():
        device = int(device)
    try:
        info: dict[str, Any] = dict(sd.query_devices(device, kind=direction))
    except (sd.PortAudioError, ValueError) as exc:
        # With PortAudio but no device at all, the default index is -1 and this raises
        # PortAudioError "Error querying device -1".
        if device is None:
            message = (
                f"No audio {direction} device is available "
                f"(no sound card, or no sound server such as PulseAudio is running)."
            )
        else:
            message = f"Audio {direction} device {device!r} is not available: {exc}."
        raise AudioError(_NO_DEVICE[direction], message) from exc
    return info


def pick_channels(sd: Any, device: int, direction: Direction, rate: int, max_channels: int) -> int:
    """Mono when the device accepts it, else stereo (some hardware only opens 2 channels)."""
    check = sd.check_output_settings if direction == "output" else sd.check_input_settings
    try:
        check(device=device, channels=1, dtype="float32", samplerate=rate)
    except (sd.PortAudioError, ValueError):
        return max(1, min(2, max_channels))
    return 1


def list_output_devices() -> list[AudioDevice]:
    return _list_devices("output")


def list_input_devices() -> list[AudioDevice]:
    return _list_devices("input")


def refresh_devices() -> None:
    """Re-scan devices: PortAudio enumerates them once, when it is initialized.

    Needed after plugging a device in or pointing PULSE_SERVER elsewhere. Must not be called
    while any stream is open.
    """
    sd = load_sounddevice("output")
    sd._terminate()
    sd._initialize()


def _list_devices(direction: Direction) -> list[AudioDevice]:
    sd = load_sounddevice(direction)
    channels_key = f"max_{direction}_channels"
    try:
        default_index = int(sd.query_devices(kind=direction)["index"])
    except (sd.PortAudioError, ValueError):
        default_index = -1
    return [
        AudioDevice(
            index=int(info["index"]),
            name=str(info["name"]),
            default_rate=int(info["default_samplerate"]),
            channels=int(info[channels_key]),
            is_default=int(info["index"]) == default_index,
        )
        for info in sd.query_devices()
        if int(info[channels_key]) > 0
    ]


class SpeakerSink:
    """Plays clips on an output device (None: the system default).

    Each `play` opens a stream at the clip's rate when the device accepts it (else resamples to
    the device's default rate), hands audio over from PortAudio's callback and closes the
    stream when done. `stop()` from any thread aborts the current clip at once; a `stop()` that
    arrives between two clips is not remembered, so callers must stop feeding clips first.
    """

    def __init__(self, device: int | str | None = None) -> None:
        self._sd = load_sounddevice("output")
        info = query_device(self._sd, device, "output")
        self.device_index = int(info["index"])
        self.device_name = str(info["name"])
        self.default_rate = int(info["default_samplerate"])
        self._channels = pick_channels(
            self._sd,
            self.device_index,
            "output",
            self.default_rate,
            int(info["max_output_channels"]),
        )
        self._rates: dict[int, bool] = {}
        self._play_lock = threading.Lock()
        self._stop_requested = threading.Event()
        self._wake = threading.Event()
        self._closed = False

    def play(self, clip: Clip, on_start: Callable[[], None] | None = None) -> None:
        """Play `clip`, blocking until it has played or `stop()` was called.

        An empty clip returns at once without calling `on_start`.
        Raises AudioError "no_output_device" when the device cannot be opened and
        "playback_failed" when it stops consuming audio.
        """
        if self._closed:
            raise AudioError("playback_failed", "This speaker output was already closed.")
        with self._play_lock:
            self._wake.clear()
            self._stop_requested.clear()
            if clip.samples.size == 0:
                return
            rate = clip.sample_rate if self._supports_rate(clip.sample_rate) else self.default_rate
            samples = resample(clip.samples, clip.sample_rate, rate)
            self._play_samples(samples, rate, on_start)

    def stop(self) -> None:
        self._stop_requested.set()
        self._wake.set()

    def close(self) -> None:
        self.stop()
        self._closed = True

    def _supports_rate(self, rate: int) -> bool:
        if rate not in self._rates:
            try:
                self._sd.check_output_settings(
                    device=self.device_index,
                    channels=self._channels,
                    dtype="float32",
                    samplerate=rate,
                )
                self._rates[rate] = True
            except (self._sd.PortAudioError, ValueError):
                self._rates[rate] = False
        return self._rates[rate]

    def _play_samples(
        self, samples: np.ndarray, rate: int, on_start: Callable[[], None] | None
    ) -> None:
        sd = self._sd
        started = threading.Event()
        finished = threading.Event()
        position = 0
        data = samples

        # Runs on PortAudio's thread: copy one block, nothing else.
        def callback(outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
            nonlocal position
            chunk = data[position : position + frames]
            count = chunk.shape[0]
            outdata[:count] = chunk[:, np.newaxis]
            position += count
            if not started.is_set():
                started.set()
                self._wake.set()
            if count < frames:
                outdata[count:] = 0
                raise sd.CallbackStop

        def on_finished() -> None:
            finished.set()
            self._wake.set()

        try:
            stream = sd.OutputStream(
                samplerate=rate,
                device=self.device_index,
                channels=self._channels,
                dtype="float32",
                callback=callback,
                finished_callback=on_finished,
            )
        except sd.PortAudioError as exc:
            raise AudioError(
                "no_output_device",
                f"Cannot open the audio output device '{self.device_name}': {exc}.",
            ) from exc
        try:
            # The stream reports "finished" while its last `latency` seconds are still buffered
            # downstream (PulseAudio), and closing it then cuts them off: pad with silence.
            pad = int((float(stream.latency) + _TAIL_MARGIN_S) * rate)
            data = np.concatenate([samples, np.zeros(pad, dtype=np.float32)])
            stream.start()
            self._wait(stream, started, finished, len(data) / rate, on_start)
            if finished.is_set() and position < len(data) and not self._stop_requested.is_set():
                raise AudioError(
                    "playback_failed",
                    f"The audio output device '{self.device_name}' stopped while playing.",
                )
        except sd.PortAudioError as exc:
            raise AudioError(
                "playback_failed",
                f"The audio output device '{self.device_name}' failed: {exc}.",
            ) from exc
        finally:
            stream.close(ignore_errors=True)

    def _wait(
        self,
        stream: Any,
        started: threading.Event,
        finished: threading.Event,
        duration_s: float,
        on_start: Callable[[], None] | None,
    ) -> None:
        deadline = time.monotonic() + duration_s + float(stream.latency) + _STALL_MARGIN_S
        announced = False
        while True:
            self._wake.wait(timeout=max(0.0, deadline - time.monotonic()))
            self._wake.clear()
            if self._stop_requested.is_set():
                stream.abort(ignore_errors=True)
                return
            if started.is_set() and not announced:
                announced = True
                if on_start is not None:
                    on_start()
            if finished.is_set():
                return
            if time.monotonic() >= deadline:
                stream.abort(ignore_errors=True)
                raise AudioError(
                    "playback_failed",
                    f"The audio output device '{self.device_name}' stopped playing.",
                )


class WavFileSink:
    """Collects every clip and writes them, back to back, to one WAV file at `close()`.

    Clips are resampled to `sample_rate`, or to the first clip's rate when it is None.
    `play` returns at once (empty clips are ignored, as by every sink); `stop` has nothing to
    interrupt.
    """

    def __init__(self, path: StrPath, sample_rate: int | None = None) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self._parts: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._closed = False

    def play(self, clip: Clip, on_start: Callable[[], None] | None = None) -> None:
        if clip.samples.size == 0:
            return
        with self._lock:
            if self._closed:
                raise AudioError("playback_failed", f"WAV output '{self.path}' is already closed.")
            if self.sample_rate is None:
                self.sample_rate = clip.sample_rate
            self._parts.append(resample(clip.samples, clip.sample_rate, self.sample_rate))
        if on_start is not None:
            on_start()

    def stop(self) -> None:
        pass

    def close(self) -> None:
        """Write the file (once; an output without clips gives an empty WAV)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            parts = self._parts or [np.zeros(0, dtype=np.float32)]
            rate = self.sample_rate or STT_SAMPLE_RATE
            write_wav(self.path, Clip(np.concatenate(parts).astype(np.float32), rate))


class CollectingSink:
    """A test sink: keeps clips in `clips`, counts `on_start` calls, `stop` and `close` calls.

    With `realtime=True`, `play` blocks for the clip's duration (or until `stop()`), which lets
    tests exercise interruption; interrupted clips are also listed in `interrupted`.
    """

    def __init__(self, realtime: bool = False) -> None:
        self.realtime = realtime
        self.clips: list[Clip] = []
        self.interrupted: list[Clip] = []
        self.starts = 0
        self.stops = 0
        self.closed = False
        self._stop_requested = threading.Event()

    def play(self, clip: Clip, on_start: Callable[[], None] | None = None) -> None:
        self._stop_requested.clear()
        if clip.samples.size == 0:
            return
        self.clips.append(clip)
        self.starts += 1
        if on_start is not None:
            on_start()
        if self.realtime and self._stop_requested.wait(timeout=clip.duration_s):
            self.interrupted.append(clip)

    def stop(self) -> None:
        self.stops += 1
        self._stop_requested.set()

    def close(self) -> None:
        self.closed = True

    @property
    def samples(self) -> np.ndarray:
        """All clips' samples back to back (ignores differing sample rates)."""
        if not self.clips:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([c.samples for c in self.clips])
