"""Reading, writing and resampling audio files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from voicebuddy.audio.types import STT_SAMPLE_RATE, Clip, Samples
from voicebuddy.errors import AudioError

StrPath = str | os.PathLike[str]


def read_audio(path: StrPath) -> Clip:
    """Read any file libsndfile understands (WAV, FLAC, OGG, MP3, ...) as mono float32."""
    file = Path(path)
    if not file.exists():
        raise AudioError("audio_not_found", f"Audio file '{file}' does not exist.")
    if not file.is_file():
        raise AudioError("audio_unreadable", f"'{file}' is not a file, so it is not audio.")
    try:
        data, rate = sf.read(str(file), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError, TypeError) as exc:
        raise AudioError(
            "audio_unreadable",
            f"Cannot read '{file}' as audio (not a supported sound file, or damaged): {exc}.",
        ) from exc
    if data.shape[0] == 0:
        raise AudioError("audio_empty", f"Audio file '{file}' contains no samples.")
    return Clip(samples=to_mono(data), sample_rate=int(rate))


def load_for_stt(path: StrPath) -> Samples:
    """Read `path` as 16 kHz mono float32, the input format of speech-to-text engines."""
    clip = read_audio(path)
    return resample(clip.samples, clip.sample_rate, STT_SAMPLE_RATE)


def write_wav(path: StrPath, clip: Clip) -> None:
    """Write `clip` as a 16-bit PCM WAV file."""
    # libsndfile wraps around (not clips) out-of-range floats when converting to integers.
    samples = np.clip(clip.samples, -1.0, 1.0)
    try:
        sf.write(str(path), samples, clip.sample_rate, subtype="PCM_16", format="WAV")
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioError("audio_unwritable", f"Cannot write audio file '{path}': {exc}.") from exc


def resample(samples: Samples, from_rate: int, to_rate: int) -> Samples:
    """Resample mono float32 samples with soxr (high quality); a no-op when rates match."""
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} -> {to_rate}")
    mono = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate or mono.size == 0:
        return mono
    out = soxr.resample(mono, from_rate, to_rate, quality="HQ")
    return np.asarray(out, dtype=np.float32)


def to_mono(frames: np.ndarray) -> Samples:
    """Mix (n, channels) or (n,) frames down to (n,) float32 by averaging the channels."""
    if frames.ndim == 1:
        return np.ascontiguousarray(frames, dtype=np.float32)
    if frames.shape[1] == 1:
        return np.ascontiguousarray(frames[:, 0], dtype=np.float32)
    return np.ascontiguousarray(frames.mean(axis=1), dtype=np.float32)


def rms(samples: np.ndarray) -> float:
    """Root mean square of `samples` (0.0 for none): the loudness meters and detectors use."""
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
