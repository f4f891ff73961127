"""Hands-free ends of turns: smart and pause-only side by side, in one run.

Material: the bench's sentences in the neural (Piper) and system (eSpeak NG) voices, two in
Mandarin (eSpeak NG) and jfk.wav; each sentence also with a thinking pause of 400-1,000 ms
spliced into it at a word boundary ("What should I cook... for dinner tonight?"), so the
sentence keeps the intonation of an unfinished one before the pause.

For each mode, each clip goes through the hands-free listener on the file's clock
(`voicebuddy.audio.replay`, the end-of-turn model's own time included). A clip with a pause
that is handed over in two pieces is a premature cut-off. The piece handed over last then
becomes a real turn on the engines: its voice-to-voice time runs from the end of the speech
(end-of-turn delay, then the turn) to the reply's first sound.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from voicebuddy.audio.files import resample
from voicebuddy.audio.playback import CollectingSink
from voicebuddy.audio.replay import ReplayedUtterance, replay
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.bench import clips as bench_clips
from voicebuddy.bench import noise
from voicebuddy.bench.devices import Tape, TapeDevices
from voicebuddy.bench.pressing import StopAtFirstSound
from voicebuddy.bench.stats import median, percentile
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.tts import TextToSpeech
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.metrics import TurnMeter
from voicebuddy.runtime import Runtime
from voicebuddy.runtime.engines import Engines

MODES = ("smart", "pause")
# (before the thinking pause, after it)
SENTENCES = (
    ("What should I cook", "for dinner tonight?"),
    ("Can you tell me", "a short joke about cats?"),
    ("Do you have any plans", "for the weekend?"),
    ("I would like to know", "what the weather is like today."),
    ("Could you recommend", "a good movie to watch?"),
    ("My sister is coming", "to visit us next week."),
)
MANDARIN = (("你能告诉我", "博物馆几点开门吗？"), ("我们下午", "去公园散步吧。"))
PAUSES_S = (0.4, 0.6, 0.8, 1.0)
LEAD_S, TAIL_S = 0.4, 0.3


@dataclass(frozen=True)
class TurnClip:
    name: str
    samples: Samples  # 16 kHz, with silence before and after the speech
    speech_end_s: float  # where the speech really ends
    paused: bool  # a thinking pause in the middle


def splice_pause(whole: Samples, near: int, pause_s: float) -> Samples:
    """`whole` with `pause_s` of silence at the quietest 20 ms within 0.25 s before to 0.1 s
    after position `near` (the end of the words before the pause, spoken alone)."""
    frame = STT_SAMPLE_RATE // 50
    low, high = max(0, near - STT_SAMPLE_RATE // 4), min(whole.size - frame, near + 1600)
    starts = range(low, max(low + 1, high), 80)
    quietest = min(starts, key=lambda i: float(np.mean(np.square(whole[i : i + frame]))))
    cut = quietest + frame // 2
    return np.concatenate([whole[:cut], noise.silence(pause_s), whole[cut:]])


def _clip(name: str, speech: Samples, paused: bool) -> TurnClip:
    _, end = noise.speech_extent(speech)
    samples = np.concatenate([noise.silence(LEAD_S), speech[:end], noise.silence(TAIL_S)])
    return TurnClip(name, samples, LEAD_S + end / STT_SAMPLE_RATE, paused)


def material(cache_dir: Path, neural: TextToSpeech | None) -> list[TurnClip]:
    """Every clip, plain and with a thinking pause; made once and kept in `cache_dir`."""
    voices: list[tuple[str, Callable[[str], Samples]]] = [("espeak", noise.espeak)]
    if neural is not None:
        voices.insert(0, ("piper", lambda text: _synthesized(neural, text)))
    made: list[TurnClip] = []
    pauses = iter(PAUSES_S * 8)
    spoken = [(v, say, s) for v, say in voices for s in SENTENCES]
    spoken += [("espeak-cmn", lambda text: noise.espeak(text, "cmn"), s) for s in MANDARIN]
    for voice, say, (before, after) in spoken:
        whole = _cached(cache_dir, voice, f"{before} {after}", say)
        first = _cached(cache_dir, voice, before, say)
        _, near = noise.speech_extent(first)
        pause = next(pauses)
        made.append(_clip(f"{voice}: {before} {after}", whole, paused=False))
        made.append(
            _clip(
                f"{voice}: {before}… ({pause:.1f} s) {after}",
                splice_pause(whole, near, pause),
                True,
            )
        )
    jfk = bench_clips.jfk()
    if jfk is not None:
        jfk_audio = resample(jfk.clip.samples, jfk.clip.sample_rate, STT_SAMPLE_RATE)
        made.append(_clip("jfk.wav", jfk_audio, paused=False))
    return made


def _synthesized(tts: TextToSpeech, text: str) -> Samples:
    clip = tts.synthesize(text)
    return resample(clip.samples, clip.sample_rate, STT_SAMPLE_RATE)


def _cached(cache_dir: Path, voice: str, text: str, say: Callable[[str], Samples]) -> Samples:
    """Piper's speech varies from one synthesis to the next: kept, so runs hear the same."""
    key = hashlib.sha256(f"{voice}|{text}".encode()).hexdigest()[:16]
    path = cache_dir / "end_of_turn" / f"{voice}-{key}.wav"
    if path.is_file():
        data, _rate = sf.read(path, dtype="float32")
        return np.asarray(data, dtype=np.float32)
    samples = say(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, STT_SAMPLE_RATE)
    return samples


@dataclass
class ModeFigures:
    end_of_turn_ms: list[float] = dataclasses.field(default_factory=list)
    voice_to_voice_ms: list[float] = dataclasses.field(default_factory=list)
    premature_cutoffs: int = 0
    paused_clips: int = 0
    reasons: dict[str, int] = dataclasses.field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        def spread(values: Sequence[float]) -> dict[str, float | None]:
            if not values:
                return {"p50": None, "p90": None}
            return {"p50": round(median(values), 1), "p90": round(percentile(values, 90), 1)}

        return {
            "end_of_turn_ms": spread(self.end_of_turn_ms),
            "voice_to_voice_ms": spread(self.voice_to_voice_ms),
            "premature_cutoffs": self.premature_cutoffs,
            "clips_with_a_pause": self.paused_clips,
            "clips": len(self.end_of_turn_ms),
            "reasons": dict(sorted(self.reasons.items())),
        }


def measure(
    engines: Engines,
    settings: Settings,
    paths: Paths,
    clips: Sequence[TurnClip],
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, dict[str, Any]]:
    """Both modes over `clips`; {"smart": ..., "pause": ...} (see `ModeFigures.as_json`)."""
    figures = {mode: ModeFigures() for mode in MODES}
    smart = dataclasses.replace(settings.listen, end_of_turn="smart")
    settings = dataclasses.replace(settings, listen=smart)
    runtime = Runtime(
        settings, paths, devices=TapeDevices(Tape(), CollectingSink()), engines=engines
    )
    turns = StopAtFirstSound(runtime)
    runtime.start(opening="new").result()
    try:
        model = runtime.listening_judge()  # the app's own: the sound, then the words
        if model is None:
            raise VoiceBuddyError("bench_end_of_turn", "The end-of-turn model did not load.")
        for index, clip in enumerate(clips):
            progress(f"hands-free ends of turns: clip {index + 1}/{len(clips)}")
            for mode in MODES:
                listen = dataclasses.replace(settings.listen, end_of_turn=mode)
                judge = model if mode == "smart" else None
                heard = replay(clip.samples, listen, engines.voice_detector(), judge)
                if not heard:
                    continue
                _count(figures[mode], clip, heard)
                last = heard[-1]
                end_of_turn_s = last.handed_over_s - clip.speech_end_s
                figures[mode].end_of_turn_ms.append(end_of_turn_s * 1000)
                spoken = _voice_to_voice_ms(runtime, turns, last, end_of_turn_s)
                if spoken is not None:
                    figures[mode].voice_to_voice_ms.append(spoken)
            if index % 8 == 7:
                runtime.new_conversation()  # keep the prompt short, as the other turns do
    finally:
        runtime.close()
    return {mode: figures[mode].as_json() for mode in MODES}


def _count(figures: ModeFigures, clip: TurnClip, heard: Sequence[ReplayedUtterance]) -> None:
    for utterance in heard:
        figures.reasons[utterance.reason] = figures.reasons.get(utterance.reason, 0) + 1
    if clip.paused:
        figures.paused_clips += 1
        if len(heard) > 1 or heard[0].handed_over_s < clip.speech_end_s:
            figures.premature_cutoffs += 1


def _voice_to_voice_ms(
    runtime: Runtime, turns: StopAtFirstSound, heard: ReplayedUtterance, end_of_turn_s: float
) -> float | None:
    """The turn on the last piece, handed to the runtime as the listener hands it over, its
    clock started `end_of_turn_s` before that."""
    turns.take()
    handed = dataclasses.replace(heard.heard, speech_ended_at=time.monotonic() - end_of_turn_s)
    try:
        runtime.hear(handed).wait()
    except VoiceBuddyError:
        return None
    meter = TurnMeter()
    for event in turns.take():
        meter.observe(event)
    return meter.voice_to_voice_ms


def render(figures: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["Hands-free ends of turns (file clock for the end of turn, real turns after it)"]
    for mode, data in figures.items():
        eot, v2v = data["end_of_turn_ms"], data["voice_to_voice_ms"]
        lines.append(
            f"  {mode:<6} end of turn p50 {eot['p50']} ms, p90 {eot['p90']} · voice-to-voice "
            f"p50 {v2v['p50']} ms, p90 {v2v['p90']} · premature cut-offs "
            f"{data['premature_cutoffs']}/{data['clips_with_a_pause']} · {data['reasons']}"
        )
    smart, pause = (figures[m]["voice_to_voice_ms"]["p50"] for m in MODES)
    if smart and pause:
        lines.append(f"  smart / pause voice-to-voice p50: {smart / pause:.2f}")
    return lines
