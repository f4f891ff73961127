"""`voicebuddy bench`: every measurement in one process, in an order that keeps them apart.

The voice turns come first, on the app's own engines, and peak memory is read right after them;
only then are the raw engines of the A/B comparisons loaded. Start-up is measured last, in
child processes.
"""

from __future__ import annotations

import copy
import json
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voicebuddy.bench import clips, end_of_turn, machine
from voicebuddy.bench.llm_overhead import SEED, bench_prompt, measure_llm
from voicebuddy.bench.memory_turns import compare_memory
from voicebuddy.bench.pressing import run_pressing
from voicebuddy.bench.report import render
from voicebuddy.bench.startup import measure_startup
from voicebuddy.bench.stt_overhead import measure_stt
from voicebuddy.bench.timed_tts import TimedTTS, load_timed_tts
from voicebuddy.bench.tts_latency import measure_tts
from voicebuddy.bench.turns import latency_summary, run_turns
from voicebuddy.bench.voices import engine_figures, variants, voice_to_voice_with
from voicebuddy.config import Paths, Settings
from voicebuddy.conversation import Conversation
from voicebuddy.engines.llm import LlamaCppChat
from voicebuddy.engines.piper_tts import PiperTTS
from voicebuddy.engines.stt import WhisperCppSTT
from voicebuddy.engines.voices import describe
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.first_start import character_name
from voicebuddy.runtime.engines import (
    EngineLoaders,
    Engines,
    find,
    resolve_llm_path,
    stt_model_name,
)
from voicebuddy.runtime.engines import with_speech_language as speech_settings


@dataclass(frozen=True)
class Repetitions:
    turns: int
    stt_pairs: int
    llm_pairs: int
    tts: int
    launches: int
    long_turn: bool
    presses: int  # "real pressing": push-to-talk pressed as people press it
    plain_pairs: int  # plain push-to-talk against the direct path


def repetitions(runs: int, quick: bool) -> Repetitions:
    if quick:
        return Repetitions(
            runs, stt_pairs=3, llm_pairs=2, tts=3, launches=1, long_turn=False, presses=3,
            plain_pairs=2,
        )  # fmt: skip
    return Repetitions(
        runs, stt_pairs=10, llm_pairs=8, tts=10, launches=3, long_turn=True, presses=20,
        plain_pairs=20,
    )  # fmt: skip


def _ratio(numerator: object, denominator: object) -> float | None:
    if isinstance(numerator, int | float) and isinstance(denominator, int | float) and denominator:
        return round(numerator / denominator, 3)
    return None


def _progress(what: str) -> None:
    print(f"bench: {what}", file=sys.stderr, flush=True)


def run(
    runs: int,
    quick: bool,
    json_out: Path | None,
    settings: Settings,
    paths: Paths,
    child_flags: list[str],
) -> int:
    """The whole bench; `child_flags` are the flags that the start-up measurement's child
    processes get again."""
    reps = repetitions(runs, quick)
    notes: list[str] = []
    if settings.llm.seed < 0:
        # The same question then gets the same reply, whichever way it was recorded: the
        # pressing bench's comparison measures the capture, not the length of a random reply.
        settings = copy.deepcopy(settings)
        settings.llm.seed = SEED
    started = datetime.now(UTC)
    about = machine.machine()
    engines = Engines(settings, paths, EngineLoaders(tts=load_timed_tts))
    character = find(paths, character_name(settings))
    _progress("loading the models")
    stt, chat, tts = engines.stt_for(character), engines.chat(), engines.text_to_speech(character)
    if not (
        isinstance(stt, WhisperCppSTT)
        and isinstance(chat, LlamaCppChat)
        and isinstance(tts, TimedTTS)
    ):
        raise VoiceBuddyError("bench_engines", "The bench needs VoiceBuddy's real engines.")
    asked = clips.questions(paths.cache_dir / "bench")
    jfk = clips.jfk()
    if jfk is None:
        notes.append(f"{clips.JFK_WAV} is not there (not a source tree): jfk.wav was skipped.")
    elif not reps.long_turn:
        notes.append("quick run: no voice turn with jfk.wav, fewer repetitions.")

    long_clip = jfk if reps.long_turn else None
    turns = run_turns(engines, settings, paths, asked, reps.turns, long_clip, _progress, tts)
    peak_rss = machine.peak_rss_mb()
    other_voices = {
        name: voice_to_voice_with(
            other, engines, settings, paths, character, asked, reps.turns, _progress
        )
        for name, other in variants(settings, describe(tts)).items()
    }
    memory = compare_memory(engines, settings, paths, character, asked, reps.turns, _progress, tts)
    memory_pressed = compare_memory(
        engines, settings, paths, character, asked, reps.turns, _progress, tts, as_people_press=True
    )
    # The questions, all about as long, so that the STT p99/p50 shows a runaway transcription
    # rather than a longer clip (the window test presses jfk.wav too).
    pressing = run_pressing(
        engines, settings, paths, asked, reps.presses, reps.plain_pairs, progress=_progress, stt=stt
    )

    _progress("hands-free ends of turns")
    neural = tts.engine if isinstance(tts.engine, PiperTTS) else None
    turn_clips = end_of_turn.material(paths.cache_dir / "bench", neural)
    if quick:
        turn_clips = turn_clips[::7]
    handsfree = end_of_turn.measure(engines, settings, paths, turn_clips, _progress)

    stt_results = {}
    for role, clip in [("question", asked[0]), *([("jfk", jfk)] if jfk else [])]:
        _progress(f"STT overhead on {clip.name}")
        stt_results[role] = measure_stt(stt, clip, reps.stt_pairs)
    _progress("LLM overhead")
    sampling = engines.sampling()
    conversation = Conversation.start(character, settings.chat.user_name)
    messages, stops = bench_prompt(chat, conversation, asked[1].text, sampling.max_tokens)
    llm = measure_llm(chat, messages, sampling, stops, reps.llm_pairs)
    _progress("TTS")
    tts_result = measure_tts(tts.engine, reps.tts)
    tts_engines = engine_figures(paths, reps.tts)
    _progress("start-up")
    startup = measure_startup(child_flags, reps.launches)

    effective = speech_settings(settings, character)
    in_use = latency_summary(turns)
    data: dict[str, Any] = {
        "voice_to_voice_ms": in_use,
        "real_pressing": pressing.as_json(),
        "push_to_talk": pressing.push_to_talk(),
        "handsfree": handsfree,
        "stt_overhead_ratio": round(stt_results["question"].ratio, 3),
        "stt_overhead": {name: result.as_json() for name, result in stt_results.items()},
        "llm_overhead_ratio": {
            "prompt": round(llm.ratio("prompt_s_per_token"), 3),
            "generation": round(llm.ratio("generation_s_per_token"), 3),
        },
        "llm_overhead": llm.as_json(),
        "voice_to_voice_other_voices": {
            name: {**other, "ratio_in_use_over_this": _ratio(in_use["p50"], other["p50"])}
            for name, other in other_voices.items()
        },
        "voice_to_voice_memory": memory,
        "voice_to_voice_memory_as_people_press": memory_pressed,
        "tts_first_audio_ms": tts_result["median_ms"],
        "tts": tts_result,
        "tts_engines": tts_engines,
        "peak_rss_mb": peak_rss,
        "startup_ms": startup,
        "machine": {**about, "load_average_at_end": machine.load_average()},
        "versions": machine.versions(),
        "models": {
            "llm": {"name": chat.name, **machine.file_info(resolve_llm_path(settings, paths))},
            "stt": {"name": stt_model_name(effective), **machine.file_info(stt.model_path)},
            "tts_voice": describe(tts),
            "character": character.name,
        },
        "repetitions": asdict(reps),
        "started_at": started.isoformat(timespec="seconds"),
        "notes": notes,
    }
    print(render(data))
    if json_out is not None:
        json_out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 0
