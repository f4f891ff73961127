"""Text-to-speech: voice lookup, the fake, and real pyttsx3/eSpeak NG synthesis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from voicebuddy.audio.types import Clip
from voicebuddy.engines.fakes import FakeTTS
from voicebuddy.engines.tts import Pyttsx3TTS, TextToSpeech, Voice, resolve_voice
from voicebuddy.errors import ConfigError, ModelError

REPO = Path(__file__).resolve().parents[2]
ENGLISH = "Hello, I am your voice buddy. How was your day?"
CHINESE = "你好，我是你的语音伙伴。今天过得怎么样？"

VOICES = [
    Voice("gmw/en", "English (Great Britain)", ("en-gb",)),
    Voice("gmw/en-us", "English (America)", ("en-us",)),
    Voice("gmw/de", "German", ("de",)),
    Voice("sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",)),
    Voice("sit/cmn-latn-pinyin", "Chinese (Mandarin, latin as Pinyin)", ("cmn-latn-pinyin",)),
    Voice("sit/yue", "Chinese (Cantonese)", ("yue",)),
]


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0


def assert_speech(clip: Clip, min_s: float, max_s: float) -> None:
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert min_s < clip.duration_s < max_s
    assert rms(clip.samples) > 0.02
    assert np.abs(clip.samples).max() <= 1.0


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("gmw/en-us", "gmw/en-us"),
        ("GERMAN", "gmw/de"),
        ("cmn", "sit/cmn-latn-pinyin"),
        ("sit/cmn", "sit/cmn"),
        ("en-US", "gmw/en-us"),
        ("en_us", "gmw/en-us"),
        ("en", "gmw/en"),
        ("de-DE", "gmw/de"),
        ("zh", "sit/cmn-latn-pinyin"),
        ("zh-CN", "sit/cmn-latn-pinyin"),
        ("zh-HK", "sit/yue"),
        ("xx", None),
        ("", None),
    ],
)
def test_resolve_voice(requested: str, expected: str | None) -> None:
    found = resolve_voice(requested, VOICES)
    assert (found.id if found else None) == expected


def test_fake_tts_is_deterministic_and_scales_with_text() -> None:
    tts: TextToSpeech = FakeTTS(sample_rate=16_000)
    short, long = tts.synthesize("Hi there."), tts.synthesize("Hi there. " * 10)
    again = tts.synthesize("Hi there.")

    assert long.duration_s > 5 * short.duration_s
    np.testing.assert_array_equal(short.samples, again.samples)
    assert short.sample_rate == 16_000 and rms(short.samples) > 0.1
    assert short.samples[0] == 0.0  # silence, then a beep
    assert tts.synthesize("   ").samples.size == 0
    assert tts.voices()[0].id == "fake"


def test_fake_tts_records_calls_and_can_fail() -> None:
    tts = FakeTTS()
    tts.synthesize("one")
    tts.error = ModelError("tts_failed", "boom")
    with pytest.raises(ModelError):
        tts.synthesize("two")
    assert tts.calls == ["one", "two"]


@pytest.mark.real
def test_english_sentence() -> None:
    clip = Pyttsx3TTS(voice="en-us").synthesize(ENGLISH)
    assert clip.sample_rate == 22_050
    assert_speech(clip, 1.5, 8.0)


@pytest.mark.real
def test_chinese_sentence_with_mandarin_voice() -> None:
    tts = Pyttsx3TTS(voice="cmn")
    # eSpeak's plain cmn voice reads pinyin as English; the pinyin one speaks Mandarin
    assert tts.selected_voice is not None and tts.selected_voice.id == "sit/cmn-latn-pinyin"
    clip = tts.synthesize(CHINESE)
    assert_speech(clip, 1.5, 10.0)


@pytest.mark.real
def test_voices_lists_espeak_voices() -> None:
    voices = Pyttsx3TTS().voices()
    ids = {v.id for v in voices}
    assert {"sit/cmn", "gmw/en-us", "gmw/de"} <= ids
    cmn = next(v for v in voices if v.id == "sit/cmn")
    assert cmn.languages == ("cmn",) and cmn.name


@pytest.mark.real
def test_stdout_is_not_polluted(capfd: pytest.CaptureFixture[str]) -> None:
    tts = Pyttsx3TTS()
    tts.synthesize(ENGLISH)
    tts.synthesize("Second sentence.")
    captured = capfd.readouterr()
    assert captured.out == ""
    assert "Audio saved" not in captured.err


@pytest.mark.real
def test_rate_changes_duration() -> None:
    slow, fast = Pyttsx3TTS(voice="en-us", rate=100), Pyttsx3TTS(voice="en-us", rate=300)
    # Alternate: eSpeak NG's rate is process-wide state that each call must set reliably.
    for _ in range(5):
        assert slow.synthesize(ENGLISH).duration_s > 2 * fast.synthesize(ENGLISH).duration_s


@pytest.mark.real
def test_concurrent_synthesis_from_two_threads() -> None:
    # Different voices and rates: if one job's settings leaked into the other's, durations
    # would jump between the two groups.
    english = Pyttsx3TTS(voice="en-us", rate=100)
    chinese = Pyttsx3TTS(voice="cmn", rate=450)
    expected = {
        "en": english.synthesize(ENGLISH).duration_s,
        "zh": chinese.synthesize(CHINESE).duration_s,
    }
    results: dict[str, list[Clip]] = {"en": [], "zh": []}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def speak(key: str, tts: Pyttsx3TTS, text: str) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                results[key].append(tts.synthesize(text))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=speak, args=("en", english, ENGLISH)),
        threading.Thread(target=speak, args=("zh", chinese, CHINESE)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert expected["en"] > 1.5 * expected["zh"]
    for key, clips in results.items():
        assert len(clips) == 5
        for clip in clips:
            assert_speech(clip, 0.3, 20.0)
            assert clip.duration_s == pytest.approx(expected[key], rel=0.1)


@pytest.mark.real
def test_blank_text_gives_empty_clip_without_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    tts = Pyttsx3TTS()

    def no_engine(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the engine must not be called for blank text")

    monkeypatch.setattr(tts._worker, "call", no_engine)
    for text in ("", "   ", "\n\t"):
        clip = tts.synthesize(text)
        assert clip.samples.size == 0 and clip.sample_rate == 22_050


@pytest.mark.real
def test_unknown_voice_and_bad_rate() -> None:
    with pytest.raises(ConfigError) as unknown:
        Pyttsx3TTS(voice="xx-nonexistent")
    assert unknown.value.code == "unknown_voice"
    assert "voicebuddy voices" in unknown.value.message
    with pytest.raises(ConfigError) as rate:
        Pyttsx3TTS(rate=5)
    assert rate.value.code == "invalid_rate"


def test_missing_espeak_library_is_a_clear_error() -> None:
    # The library loads once per process, so pretend it is missing in a fresh one.
    code = """
import ctypes, json
real_load = ctypes.cdll.LoadLibrary
def load(name):
    if "espeak" in str(name):
        raise OSError(f"{name}: cannot open shared object file")
    return real_load(name)
ctypes.cdll.LoadLibrary = load
from voicebuddy.engines.tts import Pyttsx3TTS
from voicebuddy.errors import ModelError
try:
    Pyttsx3TTS()
    print(json.dumps(None))
except ModelError as e:
    print(json.dumps([e.code, e.message]))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    code_, message = json.loads(done.stdout)
    assert code_ == "tts_unavailable"
    assert "libespeak-ng1" in message


SYSTEM_VOICES = [  # as NSSpeechSynthesizer (macOS) and SAPI (Windows) list them
    Voice("com.apple.voice.compact.en-US.Samantha", "Samantha", ("en_US",)),
    Voice("com.apple.voice.compact.zh-CN.Tingting", "Tingting", ("zh_CN",)),
    Voice("com.apple.voice.compact.zh-TW.Meijia", "Meijia", ("zh_TW",)),
]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [("zh", "Tingting"), ("cmn", "Tingting"), ("zh-TW", "Meijia"), ("en", "Samantha")],
)
def test_system_voices_resolve_by_language(requested: str, expected: str) -> None:
    found = resolve_voice(requested, SYSTEM_VOICES)
    assert found is not None and found.name == expected
