"""Speech-like test audio for the listeners with a simple energy detector, and a feeder."""

from __future__ import annotations

from typing import Protocol

import numpy as np

RATE = 16_000


def speechlike(seconds: float, amplitude: float = 0.2, seed: int = 0) -> np.ndarray:
    """Syllable-like bursts: a 150 Hz buzz switched on and off 4 times a second."""
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = (np.sin(2 * np.pi * 4 * t) > -0.3).astype(np.float32)
    noise = np.random.default_rng(seed).normal(0, 0.01, t.size)
    return (amplitude * envelope * np.sin(2 * np.pi * 150 * t) + noise).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


class Fed(Protocol):
    def feed(self, samples: np.ndarray, captured_at: float) -> None: ...


def feed(listener: Fed, audio: np.ndarray, start_at: float) -> float:
    """Feed in 20 ms blocks with capture times from `start_at`; returns the end time."""
    at = start_at
    for offset in range(0, audio.size, 320):
        block = audio[offset : offset + 320]
        at += block.size / RATE
        listener.feed(block, at)
    return at
