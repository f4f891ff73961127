"""Small audio types shared by engines, sinks and the pipeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]

STT_SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Clip:
    """Mono float32 samples in [-1, 1] at `sample_rate`."""

    samples: Samples
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


class AudioSink(Protocol):
    """Where reply audio goes: a speaker, a WAV file, or a test's list."""

    def play(self, clip: Clip, on_start: Callable[[], None] | None = None) -> None:
        """Hand `clip` to the output and block until it has played or `stop()` was called.

        `on_start` is called once, right after the first sample was handed to the output.
        """
        ...

    def stop(self) -> None:
        """Interrupt what is playing now (from any thread)."""
        ...

    def close(self) -> None:
        """Release the device or finish the file."""
        ...
