"""STT overhead: VoiceBuddy's `WhisperCppSTT.transcribe` against pywhispercpp's own
`Model.transcribe` on a second `Model` of the same file.

Nothing of the engine's choices is repeated here: the raw model is built with the constructor
and context parameters of the engine's model, and each raw call gets exactly the arguments the
engine passed for the same clip (recorded from the engine, audio_ctx included).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from voicebuddy.audio.vad import open_vad
from voicebuddy.bench.clips import SpeechClip
from voicebuddy.bench.spy import plain, recording_calls
from voicebuddy.bench.stats import alternate, median, ratio_of_medians
from voicebuddy.engines.stt import WhisperCppSTT, whisper_internals
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.text.hallucinations import SpeechFrames

_COMPARABLE = (bool, int, float, str, type(None), dict, tuple, list)


@dataclass(frozen=True)
class SttOverhead:
    clip: str
    audio_s: float
    voicebuddy_ms: list[float]
    raw_ms: list[float]
    call: dict[str, Any]  # the arguments besides the audio, as the engine passed them
    differing_params: list[str]  # whisper_full_params fields that differ between the two

    @property
    def ratio(self) -> float:
        return ratio_of_medians(self.voicebuddy_ms, self.raw_ms)

    def as_json(self) -> dict[str, object]:
        return {
            "clip": self.clip,
            "audio_s": round(self.audio_s, 3),
            "ratio": round(self.ratio, 3),
            "voicebuddy_ms": round(median(self.voicebuddy_ms), 1),
            "raw_ms": round(median(self.raw_ms), 1),
            "pairs": len(self.raw_ms),
            "call": self.call,
            "params_identical": not self.differing_params,
            "differing_params": self.differing_params,
        }


def _params(model: Any) -> dict[str, Any]:
    return {k: v for k, v in model.get_params().items() if isinstance(v, _COMPARABLE)}


def raw_model_like(model: Any) -> Any:
    """A new pywhispercpp `Model` of the same file, built with the same parameters."""
    import pywhispercpp.model as pwm

    context: Any = whisper_internals(model)[1]
    return pwm.Model(
        str(model.model_path),
        redirect_whispercpp_logs_to=None,
        context_params=context or None,
        **model.params,
    )


def measure_stt(stt: WhisperCppSTT, clip: SpeechClip, pairs: int) -> SttOverhead:
    """In the app the voice detector has already heard the clip while it was recorded, so
    its span of speech is measured here beforehand too and handed to the engine."""
    model = stt.model
    samples = clip.for_stt()
    speech = SpeechFrames(samples, open_vad("silero")).span()
    with recording_calls(model, "transcribe") as calls:
        stt.transcribe_with(samples, speech=speech)  # also the warm-up of VoiceBuddy's side
    if len(calls) != 1:
        raise VoiceBuddyError(
            "bench_stt_calls", f"Expected one whisper.cpp call per transcription, saw {len(calls)}."
        )
    call = calls[0]
    raw = raw_model_like(model)
    raw.transcribe(*call.args, **call.kwargs)  # warm-up
    ours, theirs = _params(model), _params(raw)
    differing = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))

    def through_voicebuddy() -> float:
        start = time.perf_counter()
        stt.transcribe_with(samples, speech=speech)
        return (time.perf_counter() - start) * 1000

    def direct() -> float:
        start = time.perf_counter()
        raw.transcribe(*call.args, **call.kwargs)
        return (time.perf_counter() - start) * 1000

    voicebuddy_ms, raw_ms = alternate(through_voicebuddy, direct, pairs)
    return SttOverhead(
        clip.name,
        clip.duration_s,
        voicebuddy_ms,
        raw_ms,
        {k: plain(v) for k, v in call.kwargs.items()},
        differing,
    )
