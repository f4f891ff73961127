"""Half-duplex gate: tells the user's voice from the character's own voice coming back from
the speakers into the microphone.

It knows what is being played (the reply's clips and when each started). While a clip plays,
and for a short reverberation tail after it, microphone audio counts as the user only when it
is clearly louder than the echo expected from the playback: `margin` times the echo path's
gain, learned in the first moments of each reply, times the loudness just played.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from voicebuddy.audio.files import rms
from voicebuddy.audio.types import Clip, Samples

_BLOCK_S = 0.01  # envelope resolution


@dataclass(frozen=True)
class _Playing:
    started_at: float
    envelope: np.ndarray  # RMS per 10 ms block of the clip


class EchoGate:
    def __init__(
        self,
        margin: float = 3.0,
        warmup_s: float = 0.3,
        tail_s: float = 0.3,
        latency_s: float = 0.25,
        floor: float = 0.004,
        reply_gap_s: float = 1.0,
    ) -> None:
        self.margin = margin
        self.warmup_s = warmup_s
        self.tail_s = tail_s
        self.latency_s = latency_s  # how late the echo may reach the microphone
        self.floor = floor
        self.reply_gap_s = reply_gap_s  # a longer silence between clips starts a new reply
        self._playing: _Playing | None = None
        self._stopped_at: float | None = None
        self._ratios: deque[float] = deque(maxlen=100)
        self._reply_started_at = 0.0  # the first clip after a pause: the gain is learned then
        self._lock = threading.Lock()

    def playback(self, clip: Clip | None, at: float) -> None:
        """A clip started playing at `at`, or (None) playback stopped at `at`."""
        with self._lock:
            if clip is None:
                if self._playing is not None:
                    self._stopped_at = at
                return
            block = max(1, int(clip.sample_rate * _BLOCK_S))
            usable = clip.samples[: clip.samples.size // block * block]
            envelope = np.sqrt(np.mean(np.square(usable.reshape(-1, block)), axis=1))
            if not self._active(at - self.reply_gap_s):
                self._reply_started_at = at
            self._playing = _Playing(at, envelope.astype(np.float32))
            self._stopped_at = None

    def active(self, at: float) -> bool:
        with self._lock:
            return self._active(at)

    def _active(self, at: float) -> bool:
        if self._playing is None:
            return False
        end = self._playing.started_at + self._playing.envelope.size * _BLOCK_S
        if self._stopped_at is not None:
            end = min(end, self._stopped_at)
        return at <= end + self.tail_s

    def _reference(self, at: float) -> float:
        """The loudest playback that can be reaching the microphone at `at`."""
        assert self._playing is not None
        envelope = self._playing.envelope
        first = int((at - self.latency_s - self._playing.started_at) / _BLOCK_S)
        last = int((at - self._playing.started_at) / _BLOCK_S) + 1
        if self._stopped_at is not None:
            last = min(last, int((self._stopped_at - self._playing.started_at) / _BLOCK_S) + 1)
        window = envelope[max(0, first) : max(0, min(last, envelope.size))]
        return float(window.max()) if window.size else 0.0

    def is_echo(self, chunk: Samples, at: float) -> bool:
        """Whether the microphone `chunk` ending at `at` is (only) the character's voice."""
        with self._lock:
            if not self._active(at):
                return False
            assert self._playing is not None
            level = rms(chunk)
            reference = self._reference(at)
            if at - self._reply_started_at < self.warmup_s:
                if reference > self.floor:
                    self._ratios.append(level / reference)
                return True
            coupling = float(np.percentile(self._ratios, 80)) if self._ratios else 1.0
            return level <= self.margin * coupling * reference + self.floor
