"""The voices side by side, in the same run: each engine's first audio and real-time factor on
its own, and voice-to-voice with the voice in use against the system's English voice (eSpeak
NG on Linux) on the same engines, questions and seed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from voicebuddy.bench.clips import SpeechClip
from voicebuddy.bench.timed_tts import TimedTTS
from voicebuddy.bench.tts_latency import measure_tts
from voicebuddy.bench.turns import latency_summary, run_turns
from voicebuddy.characters.character import Character
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.voices import VoiceRequest, describe, open_voice, voice_folders
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.runtime.engines import Engines

SYSTEM_ENGLISH = "system:en-us"
# Piper's onnxruntime threads: the default (1) and the alternative the choice was made against.
PIPER_THREADS = (1, 2)


def variants(settings: Settings, in_use: str) -> dict[str, Settings]:
    """The other ways to speak that the voice turns are run again with: the system's English
    voice, and (when the voice in use is Piper's) Piper on two threads."""
    tts = settings.tts
    others = {"system": dataclasses.replace(tts, voice=SYSTEM_ENGLISH)}
    if in_use.startswith("piper"):
        others["piper_2_threads"] = dataclasses.replace(tts, threads=2)
    return {name: dataclasses.replace(settings, tts=other) for name, other in others.items()}


def voice_to_voice_with(
    other: Settings,
    engines: Engines,
    settings: Settings,
    paths: Paths,
    character: Character,
    clips: Sequence[SpeechClip],
    runs: int,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """The voice turns again with the `other` settings' voice; the engines get `settings` back
    afterwards."""
    engines.reload(other, character)
    try:
        tts = engines.text_to_speech(character)
        timed = tts if isinstance(tts, TimedTTS) else None
        label = describe(tts)
        report = run_turns(
            engines, other, paths, clips, runs, progress=lambda s: progress(f"{label}: {s}"),
            timed=timed,
        )  # fmt: skip
    finally:
        engines.reload(settings, character)
    summary = latency_summary(report)
    return {
        "voice": describe(tts),
        "threads": other.tts.threads or 1,
        "p50": summary["p50"],
        "p90": summary["p90"],
        "turns": summary["turns"],
        "llm_tokens_per_s": summary["llm_tokens_per_s"],
        "stages": summary["stages"],
    }


def engine_figures(paths: Paths, repeats: int) -> list[dict[str, Any]]:
    """First audio and real-time factor of one sentence for each engine, alone."""
    requests = [
        *(VoiceRequest(voice="piper:en", threads=n) for n in PIPER_THREADS),
        VoiceRequest(voice=SYSTEM_ENGLISH),
    ]
    rows: list[dict[str, Any]] = []
    for request in requests:
        try:
            tts = open_voice(request, voice_folders(paths.data_dir))
        except VoiceBuddyError as error:
            rows.append({"voice": request.voice, "error": error.message})
            continue
        figures = measure_tts(tts, repeats)
        threads = f", {request.threads} thread{'s' * (request.threads > 1)}"
        engine = describe(tts) + (threads if request.voice.startswith("piper") else "")
        rows.append({"engine": engine, **figures})
    return rows
