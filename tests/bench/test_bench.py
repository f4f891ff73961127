"""`voicebuddy bench`: its helpers with fakes, and one real run of the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voicebuddy.audio.files import resample
from voicebuddy.audio.types import STT_SAMPLE_RATE, Clip
from voicebuddy.bench import probe
from voicebuddy.bench.accuracy import word_error_rate
from voicebuddy.bench.devices import FileMicrophone, PacedSink
from voicebuddy.bench.llm_overhead import Completion, LlmOverhead
from voicebuddy.bench.spy import plain, recording_calls
from voicebuddy.bench.stats import alternate, median, percentile, ratio_of_medians
from voicebuddy.bench.stt_overhead import SttOverhead
from voicebuddy.bench.turns import TurnRecord, stage_marks, stage_summary
from voicebuddy.cli.parser import build_parser, global_flags
from voicebuddy.events import (
    AudioStarted,
    SentenceReady,
    TokenGenerated,
    TranscriptReady,
    TurnStarted,
)
from voicebuddy.runtime import State
from voicebuddy.runtime.state import StateChanged


# ----- statistics
def test_percentiles_interpolate_like_numpy() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 50) == pytest.approx(2.5)
    assert percentile(values, 90) == pytest.approx(3.7)
    assert percentile(values, 0) == 1.0 and percentile(values, 100) == 4.0
    assert percentile([7.0], 90) == 7.0
    rng = np.random.default_rng(3)
    sample = list(rng.normal(100, 20, 37))
    for q in (10, 50, 90, 99):
        assert percentile(sample, q) == pytest.approx(float(np.percentile(sample, q)))


def test_percentile_rejects_nothing_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_ratio_of_medians_is_voicebuddy_over_raw() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert ratio_of_medians([2.0, 4.0, 600.0], [1.0, 2.0, 3.0]) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        ratio_of_medians([1.0], [0.0])


def test_alternate_interleaves_a_and_b() -> None:
    order: list[str] = []

    def a() -> str:
        order.append("a")
        return "A"

    def b() -> str:
        order.append("b")
        return "B"

    assert alternate(a, b, 3) == (["A"] * 3, ["B"] * 3)
    assert order == ["a", "b"] * 3


def test_overhead_ratios_use_time_per_token() -> None:
    # VoiceBuddy: 100 prompt tokens in 0.5 s, 11 tokens over 1 s; raw: 0.4 s and 0.8 s.
    ours = [Completion(100, 11, 0.5, 1.5, "hi")] * 3
    raw = [Completion(100, 11, 0.4, 1.2, "hi")] * 3
    overhead = LlmOverhead(ours, raw)
    assert overhead.ratio("prompt_s_per_token") == pytest.approx(1.25)
    assert overhead.ratio("generation_s_per_token") == pytest.approx(1.25)
    data = overhead.as_json()
    assert data["same_output"] is True
    assert data["raw"] == {
        "prompt_tokens_per_s": 250.0,
        "generation_tokens_per_s": 12.5,
        "first_token_ms": 400.0,
    }
    assert Completion(10, 1, 0.1, 0.1, "x").generation_s_per_token is None
    stt = SttOverhead("q", 2.0, [110.0, 105.0, 300.0], [100.0, 99.0, 101.0], {}, [])
    assert stt.ratio == pytest.approx(1.10)
    assert stt.as_json()["params_identical"] is True


def test_word_error_rate() -> None:
    assert word_error_rate("What is the weather like today?", "what is the weather like today") == 0
    assert word_error_rate("a b c d", "a x c") == pytest.approx(0.5)


# ----- the file microphone and the paced output
def _tone(seconds: float, rate: int) -> Clip:
    t = np.arange(int(seconds * rate)) / rate
    return Clip((0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)


def test_file_microphone_plays_the_clip_in_real_time_through_the_recorder() -> None:
    clip = _tone(0.4, 22_050)
    microphone = FileMicrophone(clip, "tone")
    for _ in range(2):  # it can be started again, like a real one
        began = time.monotonic()
        audio, ended_at = microphone.record()
        assert ended_at - began >= 0.39  # not faster than real time
        assert ended_at - began < 0.4 + 0.25
        assert time.monotonic() >= ended_at
        assert microphone.error is None and not microphone.recording
        assert audio.dtype == np.float32
        expected = resample(clip.samples, clip.sample_rate, STT_SAMPLE_RATE)
        # whole 20 ms blocks: the last one is padded with silence
        assert len(expected) <= len(audio) < len(expected) + STT_SAMPLE_RATE // 50 + 2
        middle = slice(800, len(expected) - 800)
        assert np.allclose(audio[middle], expected[middle], atol=0.02)


def test_paced_sink_takes_a_clip_in_real_time_and_can_be_stopped() -> None:
    sink = PacedSink()
    started: list[float] = []
    began = time.monotonic()
    sink.play(_tone(0.2, 16_000), on_start=lambda: started.append(time.monotonic()))
    assert started and started[0] - began < 0.05
    assert time.monotonic() - began >= 0.19
    threading.Timer(0.05, sink.stop).start()
    began = time.monotonic()
    sink.play(_tone(2.0, 16_000))
    assert time.monotonic() - began < 1.0
    sink.play(Clip(np.zeros(0, np.float32), 16_000), on_start=lambda: started.append(0.0))
    assert len(started) == 1 and sink.clips == 2


# ----- where a turn's time goes
def test_stage_marks_follow_the_sentence_that_was_heard_first() -> None:
    events = [
        TurnStarted(turn_id=1, audio_s=2.0, at=10.0),
        StateChanged(state=State.TRANSCRIBING, previous=State.LISTENING, at=10.01),
        TranscriptReady(turn_id=1, text="q", language="en", stt_ms=100, at=10.1),
        TokenGenerated(turn_id=1, text="*smiles*", at=10.3),
        SentenceReady(turn_id=1, index=0, text="*smiles*", at=10.35),
        SentenceReady(turn_id=1, index=1, text="Hello there.", at=10.4),
        AudioStarted(turn_id=1, sentence_index=1, at=10.5),
    ]
    marks = stage_marks(events, synth_calls=[(10.41, 10.49)])
    assert marks == pytest.approx(
        {
            "capture_stop": 10,
            "stt": 100,
            "llm_first_token": 300,
            "first_sentence": 400,
            "tts_synth_start": 410,
            "tts_synth_end": 490,
            "audio_handed": 500,
        }
    )
    turns = [
        TurnRecord("a", 2.0, "q", marks={"stt": 100.0, "audio_handed": 500.0}),
        TurnRecord("b", 2.0, "q", marks={"stt": 300.0, "audio_handed": 600.0}),
    ]
    assert stage_summary(turns) == {
        "stt": {"at_ms": 200.0, "took_ms": 200.0},
        "audio_handed": {"at_ms": 550.0, "took_ms": 350.0},
    }


# ----- plumbing
def test_recording_calls_passes_through_and_restores() -> None:
    class Engine:
        def work(self, x: int, *, scale: int = 1) -> int:
            return x * scale

    engine = Engine()
    with recording_calls(engine, "work") as calls:
        assert engine.work(2, scale=3) == 6
    assert [(c.args, c.kwargs) for c in calls] == [((2,), {"scale": 3})]
    assert "work" not in vars(engine)
    assert plain({"a": (1, 2), "b": np.zeros(2)}) == {"a": [1, 2], "b": "<ndarray>"}


def test_probe_lines() -> None:
    assert probe.parse("startup window 1.250\n") == ("window", "1.250")
    assert probe.parse("startup failed No model\n") == ("failed", "No model")
    assert probe.parse("something else") is None
    assert probe.seconds("unknown") is None
    assert probe.line("ready", "2.000") == "startup ready 2.000"
    if sys.platform.startswith("linux"):
        since = probe.seconds_since_process_start()
        assert since is not None and 0 < since < time.monotonic()


def test_bench_flags_and_the_global_options_it_hands_on() -> None:
    args = build_parser().parse_args(
        ["--threads", "2", "bench", "--llm-model", "m.gguf", "--json", "out.json"]
    )
    assert (args.command, args.runs, args.quick, args.json) == (
        "bench",
        10,
        False,
        Path("out.json"),
    )
    assert global_flags(args) == ["--llm-model", "m.gguf", "--threads", "2"]


@pytest.mark.parametrize("runs", ["0", "x"])
def test_bench_rejects_a_bad_run_count(runs: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["bench", "--runs", runs])
    assert exit_info.value.code == 2


# ----- the real thing
def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


@pytest.mark.real
@pytest.mark.slow
def test_bench_runs_for_real_and_reports_every_figure(tmp_path: Path, ggml_tiny_en: Path) -> None:
    env = {k: str(tmp_path / k) for k in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")}
    env["VOICEBUDDY_CONFIG"] = str(tmp_path / "config.toml")
    out = tmp_path / "bench.json"
    command = ["--stt-model", str(ggml_tiny_en), "bench", "--runs", "1", "--quick", "--json"]
    result = subprocess.run(
        [sys.executable, "-m", "voicebuddy", *command, str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,  # a guard against a hang: the whole quick bench takes 4-5 minutes here
    )
    assert result.returncode == 0, result.stderr
    assert "Voice-to-voice" in result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))

    figures = {
        "voice_to_voice_ms": ("p50", "p90", "cold"),
        "llm_overhead_ratio": ("prompt", "generation"),
        "startup_ms": ("window", "ready"),
    }
    for key, parts in figures.items():
        for part in parts:
            assert _positive(data[key][part]), (key, part, data[key])
    for key in ("stt_overhead_ratio", "tts_first_audio_ms", "peak_rss_mb"):
        assert _positive(data[key]), (key, data[key])
    assert data["voice_to_voice_ms"]["turns"] == 1
    others = data["voice_to_voice_other_voices"]
    assert [(o["voice"], o["threads"]) for o in others.values()] == [
        ("system gmw/en-us", 1),
        ("piper en_US-joe-medium", 2),
    ]
    for other in others.values():
        assert _positive(other["p50"]) and _positive(other["ratio_in_use_over_this"]), other
    assert data["models"]["tts_voice"] == "piper en_US-joe-medium"
    engines = {row["engine"]: row for row in data["tts_engines"]}
    assert list(engines) == [
        "piper en_US-joe-medium, 1 thread",
        "piper en_US-joe-medium, 2 threads",
        "system gmw/en-us",
    ]
    for row in engines.values():
        assert _positive(row["median_ms"]) and _positive(row["real_time_factor"]), row
    pressing = data["real_pressing"]
    assert pressing["presses"] == 3 and pressing["turns_lost"] == 0, pressing
    assert _positive(pressing["stt_ms_p50"]) and pressing["loops_left"] == 0, pressing
    assert pressing["mean_wer"] <= 0.2, pressing
    assert _positive(pressing["plain_push_to_talk"]["ratio"]), pressing
    assert "Real pressing" in result.stdout
    heard = data["push_to_talk"]
    assert heard["presses"] == 3 and heard["wer_incremental"] <= 0.2, heard
    assert _positive(heard["stt_whole_ms"]) and heard["stt_after_release_ms"] >= 0, heard
    assert _positive(heard["released_as_the_clip_ends"]["stt_whole_ms"]), heard
    assert "transcribed while the key is held" in result.stdout
    handsfree = data["handsfree"]
    for mode in ("smart", "pause"):
        figures = handsfree[mode]
        assert figures["clips"] == 5 and figures["clips_with_a_pause"] == 2, figures
        assert _positive(figures["end_of_turn_ms"]["p50"]), figures
        assert _positive(figures["voice_to_voice_ms"]["p90"]), figures
        assert 0 <= figures["premature_cutoffs"] <= 2, figures
    assert set(handsfree["pause"]["reasons"]) == {"pause"}
    assert set(handsfree["smart"]["reasons"]) <= {"model", "max_pause"}
    assert "Hands-free ends of turns" in result.stdout
    released = {"voice_to_voice_memory": "as the clip ends",
                "voice_to_voice_memory_as_people_press": "as people press"}  # fmt: skip
    for key, release in released.items():
        memory = data[key]
        assert memory["release"].startswith(release), memory
        assert _positive(memory["ratio_on_over_off"]), memory
        assert _positive(memory["first_token_ratio_on_over_off"]), memory
        assert memory["notes_inserted"] == memory["on"]["turns"] == 1, memory
    assert result.stdout.count("memory on: p50") == 2
    assert isinstance(data["voice_to_voice_ms"]["runs"], list)
    assert isinstance(data["startup_ms"]["clock"], str)

    machine = data["machine"]
    assert isinstance(machine["cpu"], str) and machine["cpu"]
    assert isinstance(machine["os"], str) and machine["os"]
    assert isinstance(machine["cores"], int) and machine["cores"] > 0
    versions = data["versions"]
    for name in ("voicebuddy", "python", "pywhispercpp", "llama-cpp-python", "pyttsx3", "numpy"):
        assert isinstance(versions[name], str) and versions[name][0].isdigit(), (name, versions)
    models = data["models"]
    assert Path(models["llm"]["path"]).is_file() and _positive(models["llm"]["size_mb"])
    assert models["stt"]["path"] == str(ggml_tiny_en) and _positive(models["stt"]["size_mb"])
    assert isinstance(models["stt"]["name"], str)


def test_lost_words_are_words_missing_at_the_ends_not_words_heard_wrong() -> None:
    from voicebuddy.bench.pressing import Press

    def lost(said: str, heard: str) -> tuple[int, int]:
        return Press("clip", 0.3, 0.5, said, transcript=heard).lost_words()

    assert lost("what is the weather like today", "what is the weather like today") == (0, 0)
    assert lost("what is the weather like today", "the weather like") == (2, 1)
    assert lost("what should I cook tonight", "what should I cook to hide") == (0, 0)
    assert lost("what is it", "") == (3, 0)


def test_the_tape_is_silence_until_something_is_played_on_it() -> None:
    from voicebuddy.bench.devices import DEVICE_RATE, Tape

    tape = Tape()
    assert not tape.take(480).any()
    tape.play(np.ones(16_000, np.float32), 16_000)
    assert tape.queued_s() == pytest.approx(1.0, abs=0.01)
    heard = np.concatenate([tape.take(480) for _ in range(DEVICE_RATE // 480 + 10)])
    assert heard[: DEVICE_RATE // 2].mean() > 0.9 and not heard[-480:].any()
