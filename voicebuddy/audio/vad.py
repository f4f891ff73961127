"""Voice-activity detection: is there speech in this frame of 16 kHz audio?

Detectors sit behind a small Protocol; `EnergyVAD` is the fake for fast tests (a bare energy
threshold is not good enough for real rooms, see `open_vad` for the ones used for real).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from voicebuddy.audio.types import Samples


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
        rms = float(np.sqrt(np.mean(np.square(frame, dtype=np.float64)))) if frame.size else 0.0
        return 1.0 if rms >= self.rms_threshold else 0.0

    def reset(self) -> None:
        pass
