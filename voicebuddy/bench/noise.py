"""Made-up audio for voice-activity tests and the VAD bench: noises people have in their rooms,
speech spoken by eSpeak NG, and the two mixed at a chosen signal-to-noise ratio.

Everything is 16 kHz mono float32 and deterministic: each noise is drawn from its own seed.
Levels are RMS in dB relative to full scale (dBFS): 0 is a full-scale square wave, a person
talking at arm's length into a laptop microphone is around -25 dBFS.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt
import soundfile as sf

from voicebuddy.audio.files import resample, to_mono
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.errors import VoiceBuddyError

RATE = STT_SAMPLE_RATE
BLOCK = RATE // 100  # 10 ms, the grid speech references are marked on

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def _n(seconds: float) -> int:
    return round(seconds * RATE)


def rms_dbfs(samples: Samples) -> float:
    power = float(np.mean(np.square(samples, dtype=np.float64))) if samples.size else 0.0
    return 10 * np.log10(power) if power > 0 else -np.inf


def at_level(samples: npt.ArrayLike, dbfs: float) -> Samples:
    """`samples` scaled to an RMS of `dbfs`, clipped to [-1, 1]."""
    data = np.asarray(samples, dtype=np.float64)
    rms = float(np.sqrt(np.mean(np.square(data)))) if data.size else 0.0
    if rms == 0.0:
        return np.zeros(data.size, dtype=np.float32)
    scaled = data * (10 ** (dbfs / 20) / rms)
    return np.clip(scaled, -1.0, 1.0).astype(np.float32)


def silence(seconds: float) -> Samples:
    """Digital silence: every sample exactly zero."""
    return np.zeros(_n(seconds), dtype=np.float32)


def _shaped(seconds: float, seed: int, gain: Callable[[Floats], Floats]) -> Floats:
    """Gaussian noise whose spectrum is multiplied by `gain(frequency_hz)`."""
    n = _n(seconds)
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.asarray(np.fft.rfftfreq(n, 1 / RATE), dtype=np.float64)
    return np.fft.irfft(spectrum * gain(freqs), n)


def white(seconds: float, dbfs: float, seed: int = 1) -> Samples:
    """White noise (equal power at every frequency): hiss, a fan, rain."""
    return at_level(np.random.default_rng(seed).standard_normal(_n(seconds)), dbfs)


def _power_law(exponent: float) -> Callable[[Floats], Floats]:
    # Power falls as 1/f**exponent; below 20 Hz nothing, as behind a microphone's own high-pass.
    def gain(freqs: Floats) -> Floats:
        out = np.zeros_like(freqs)
        audible = freqs >= 20.0
        out[audible] = freqs[audible] ** (-exponent / 2)
        return out

    return gain


def pink(seconds: float, dbfs: float, seed: int = 2) -> Samples:
    """Pink noise (power falls 3 dB per octave): the rumble of traffic, air conditioning."""
    return at_level(_shaped(seconds, seed, _power_law(1.0)), dbfs)


def brown(seconds: float, dbfs: float, seed: int = 3) -> Samples:
    """Brown noise (power falls 6 dB per octave): a distant road, wind, a car interior."""
    return at_level(_shaped(seconds, seed, _power_law(2.0)), dbfs)


def band_noise(seconds: float, low_hz: float, high_hz: float, dbfs: float, seed: int) -> Samples:
    """Gaussian noise limited to `low_hz`..`high_hz`."""

    def gain(freqs: Floats) -> Floats:
        return ((freqs >= low_hz) & (freqs <= high_hz)).astype(np.float64)

    return at_level(_shaped(seconds, seed, gain), dbfs)


def hum(seconds: float, frequency_hz: float, dbfs: float) -> Samples:
    """Mains hum: `frequency_hz` with its 2nd and 3rd harmonics (a ground loop, a transformer)."""
    t = np.arange(_n(seconds)) / RATE
    wave = sum(
        amplitude * np.sin(2 * np.pi * frequency_hz * k * t)
        for k, amplitude in ((1, 1.0), (2, 0.5), (3, 0.25))
    )
    return at_level(np.asarray(wave), dbfs)


def breathing(
    seconds: float,
    dbfs: float,
    seed: int = 4,
    burst_s: float = 0.5,
    period_s: float = 3.0,
    band_hz: tuple[float, float] = (300.0, 3000.0),
) -> Samples:
    """Breaths close to the microphone: band-passed noise bursts of `burst_s` (rising and
    falling smoothly) every `period_s`; `dbfs` is the level inside a burst."""
    n = _n(seconds)
    noise = band_noise(seconds, band_hz[0], band_hz[1], 0.0, seed).astype(np.float64)
    envelope = np.zeros(n)
    burst = np.hanning(_n(burst_s))
    burst /= np.sqrt(np.mean(np.square(burst)))  # the burst's RMS is the level asked for
    start = _n(period_s / 2)
    while start + burst.size <= n:
        envelope[start : start + burst.size] = burst
        start += _n(period_s)
    return np.clip(noise * envelope * 10 ** (dbfs / 20), -1.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class NoiseCondition:
    name: str
    make: Callable[[float], Samples]  # seconds -> samples


def noise_conditions() -> list[NoiseCondition]:
    """The rooms a hands-free listener must stay quiet in: none of them is speech."""
    conditions = [
        NoiseCondition("digital silence", silence),
        NoiseCondition("hiss -60 dBFS", partial(white, dbfs=-60.0, seed=11)),
    ]
    for level in (-50.0, -35.0, -20.0):
        conditions += [
            NoiseCondition(f"white {level:.0f} dBFS", partial(white, dbfs=level, seed=12)),
            NoiseCondition(f"pink {level:.0f} dBFS", partial(pink, dbfs=level, seed=13)),
            NoiseCondition(f"brown {level:.0f} dBFS", partial(brown, dbfs=level, seed=14)),
        ]
    conditions += [
        NoiseCondition("hum 50 Hz -25 dBFS", partial(hum, frequency_hz=50.0, dbfs=-25.0)),
        NoiseCondition("hum 100 Hz -25 dBFS", partial(hum, frequency_hz=100.0, dbfs=-25.0)),
    ]
    for level in (-45.0, -35.0, -25.0):
        name = f"breathing {level:.0f} dBFS"
        conditions.append(NoiseCondition(name, partial(breathing, dbfs=level, seed=15)))
    return conditions


def speech_blocks(speech: Samples, below_peak_db: float = 25.0) -> Mask:
    """Which 10 ms blocks of clean `speech` are speech: RMS within `below_peak_db` of the
    clip's loud blocks (its 95th percentile). A boolean array, one entry per whole block."""
    count = speech.size // BLOCK
    if count == 0:
        return np.zeros(0, dtype=bool)
    blocks = speech[: count * BLOCK].astype(np.float64).reshape(count, BLOCK)
    level = 10 * np.log10(np.mean(np.square(blocks), axis=1) + 1e-12)
    return np.asarray(level >= np.percentile(level, 95) - below_peak_db)


def speech_extent(speech: Samples) -> tuple[int, int]:
    """(first, end) sample positions of the speech in a clean clip, from `speech_blocks`."""
    marked = np.flatnonzero(speech_blocks(speech))
    if marked.size == 0:
        return 0, 0
    return int(marked[0]) * BLOCK, (int(marked[-1]) + 1) * BLOCK


def active_level_dbfs(speech: Samples) -> float:
    """The speech level over its speech blocks only (pauses do not lower it)."""
    mask = speech_blocks(speech)
    blocks = speech[: mask.size * BLOCK].reshape(mask.size, BLOCK)
    return rms_dbfs(blocks[mask].ravel()) if mask.any() else -np.inf


def mix_at_snr(speech: Samples, noise: Samples, snr_db: float) -> Samples:
    """`speech` plus `noise` (at least as long) scaled so that the active speech level is
    `snr_db` above the noise's RMS; as long as `noise`, with the speech at its start."""
    if noise.size < speech.size:
        raise ValueError("the noise must be at least as long as the speech")
    target = active_level_dbfs(speech) - snr_db
    mixed = at_level(noise, target).astype(np.float64)
    mixed[: speech.size] += speech
    return np.clip(mixed, -1.0, 1.0).astype(np.float32)


def espeak(text: str, voice: str = "en-us", wpm: int = 150) -> Samples:
    """`text` spoken by the espeak-ng program with `voice`, as 16 kHz float32."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise VoiceBuddyError(
            "espeak_missing", "Speech for the VAD bench and tests needs the espeak-ng program."
        )
    try:
        done = subprocess.run(
            [program, "-v", voice, "-s", str(wpm), "--stdout", text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        data, rate = sf.read(io.BytesIO(done.stdout), dtype="float32", always_2d=True)
    except (OSError, subprocess.SubprocessError, sf.LibsndfileError, RuntimeError) as exc:
        raise VoiceBuddyError(
            "espeak_failed", f"espeak-ng could not speak {text!r} with voice {voice}: {exc}."
        ) from exc
    return resample(to_mono(data), int(rate), RATE)
