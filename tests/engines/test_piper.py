"""Piper neural voices: the default voice for real, the voice catalogue, bad voice files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from voice_files import bad_voice, voice_copy

from voicebuddy.audio.files import resample
from voicebuddy.audio.types import STT_SAMPLE_RATE
from voicebuddy.bench.accuracy import word_error_rate
from voicebuddy.engines.piper_tts import PiperTTS, PiperVoiceFile, read_voice
from voicebuddy.engines.tts import Pyttsx3TTS, TextToSpeech
from voicebuddy.engines.voices import (
    VoiceRequest,
    describe,
    find_piper_voice,
    open_voice,
    piper_voices,
)
from voicebuddy.errors import ConfigError, ModelError
from voicebuddy.models.defaults import default_voice_path

# Sentences of the kind replies are made of, none of them used to tune anything.
SENTENCES = [
    "The library opens at nine in the morning on weekdays.",
    "Could you remind me to water the plants tomorrow?",
    "My sister is flying to Denver next Friday.",
    "A cup of green tea helps me relax in the evening.",
    "The train was late because of the heavy snow.",
    "Let's take the dog for a long walk after lunch.",
    "She painted the kitchen a bright shade of yellow.",
    "The museum has a new exhibit about ancient Egypt.",
    "I forgot my umbrella at the coffee shop again.",
    "Please turn down the music while I make a phone call.",
]


def one_sentence(message: str) -> None:
    assert "\n" not in message and message.endswith(".") and "Traceback" not in message


@pytest.fixture(scope="module")
def joe() -> PiperTTS:
    return PiperTTS(default_voice_path())


@pytest.mark.real
def test_the_default_voice_is_a_natural_voice_that_speaks(joe: PiperTTS) -> None:
    clip = joe.synthesize("Hello there, it is good to hear from you.")
    assert clip.sample_rate == 22_050
    assert 1.5 < clip.duration_s < 5.0
    assert float(np.sqrt(np.mean(np.square(clip.samples)))) > 0.02
    assert joe.voices()[0].engine == "piper" and joe.voice_id == "en_US-joe-medium"
    assert joe.synthesize("  ").samples.size == 0


@pytest.mark.real
@pytest.mark.slow
def test_whisper_base_understands_the_neural_voice(
    joe: PiperTTS, ggml_base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Intelligibility: ten sentences spoken by the default voice and by eSpeak NG, heard by
    whisper base. The neural voice must be understood (mean WER <= 0.05); eSpeak's figure is
    printed beside it."""
    from voicebuddy.engines.stt import WhisperCppSTT

    stt = WhisperCppSTT(ggml_base, language="en")

    def mean_wer(tts: TextToSpeech) -> tuple[float, list[str]]:
        heard = []
        for sentence in SENTENCES:
            clip = tts.synthesize(sentence)
            samples = resample(clip.samples, clip.sample_rate, STT_SAMPLE_RATE)
            heard.append(stt.transcribe(samples).text)
        rates = [word_error_rate(s, h) for s, h in zip(SENTENCES, heard, strict=True)]
        return sum(rates) / len(rates), heard

    piper_wer, piper_heard = mean_wer(joe)
    espeak_wer, _ = mean_wer(Pyttsx3TTS(voice="en-us"))
    with capsys.disabled():
        print(f"\nintelligibility, whisper base: piper {piper_wer:.3f}, eSpeak NG {espeak_wer:.3f}")
    assert piper_wer <= 0.05, piper_heard


@pytest.mark.real
def test_pace_and_volume(joe: PiperTTS) -> None:
    text = "We could go to the beach on Sunday."
    slow = PiperTTS(default_voice_path(), length_scale=1.5, volume=0.5)
    # Piper's durations vary a little from one synthesis to the next, and the trimmed silence
    # at the ends does not scale: pace 1.5 measured 1.25-1.31 times as long (ten of each).
    normal = [joe.synthesize(text).duration_s for _ in range(3)]
    slower = [slow.synthesize(text) for _ in range(3)]
    assert np.mean([c.duration_s for c in slower]) > 1.15 * np.mean(normal)
    assert np.abs(slower[0].samples).max() == pytest.approx(0.5, abs=0.01)
    with pytest.raises(ConfigError) as caught:
        PiperTTS(default_voice_path(), length_scale=9)
    one_sentence(caught.value.message)


def test_the_catalogue_finds_the_default_and_the_users_voices(tmp_path: Path) -> None:
    voices_dir = tmp_path / "voices"
    voice_copy(
        voices_dir / "de",
        "de_DE-test-low",
        lambda c: c.update(
            language={"code": "de_DE"},
            espeak={"voice": "de"},
            dataset="test",
            audio={"sample_rate": 16000, "quality": "low"},
        ),
    )
    voice_copy(
        voices_dir,
        "en_GB-multi-medium",
        lambda c: c.update(
            language={"code": "en_GB"}, num_speakers=3, speaker_id_map={"amy": 0, "ben": 1, "cy": 2}
        ),
    )
    (voices_dir / "broken.onnx").write_bytes(b"not a model")
    found, skipped = piper_voices([voices_dir])
    assert [v.id for v in found] == ["en_US-joe-medium", "en_GB-multi-medium", "de_DE-test-low"]
    german = found[2].voice
    assert (german.engine, german.languages, german.quality) == ("piper", ("de_DE", "de"), "low")
    assert found[1].voice.speakers == ("amy", "ben", "cy")
    assert [s.path.name for s in skipped] == ["broken.onnx"]
    one_sentence(skipped[0].reason)
    # by id, by language with region, by bare language (the default voice first)
    assert find_piper_voice("de_DE-test-low", found) is found[2]
    assert find_piper_voice("en-GB", found) is found[1]
    assert find_piper_voice("en", found) is found[0]
    assert find_piper_voice("fr", found) is None


@pytest.mark.real
def test_requests_pick_piper_for_its_languages_and_the_system_for_the_rest(tmp_path: Path) -> None:
    assert describe(open_voice(VoiceRequest(language="en"), [])) == "piper en_US-joe-medium"
    assert describe(open_voice(VoiceRequest(voice="en-US"), [])) == "piper en_US-joe-medium"
    assert describe(open_voice(VoiceRequest(language="zh"), [])).startswith("system sit/cmn")
    assert describe(open_voice(VoiceRequest(voice="gmw/en-us"), [])) == "system gmw/en-us"
    mine = voice_copy(tmp_path, "mine")
    assert describe(open_voice(VoiceRequest(voice=str(mine)), [])) == "piper mine"


def test_speakers_by_name_or_number(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The chosen speaker reaches Piper's synthesis (the session is a stand-in: no
    multi-speaker model installs here)."""
    model = voice_copy(
        tmp_path,
        "multi",
        lambda c: c.update(num_speakers=3, speaker_id_map={"amy": 0, "ben": 1, "cy": 2}),
    )
    configs: list[Any] = []

    class Session:
        def synthesize(self, text: str, config: Any) -> list[Any]:
            configs.append(config)
            return []

    monkeypatch.setattr("voicebuddy.engines.piper_tts._load", lambda voice, threads: Session())
    assert PiperTTS(model, speaker="ben").speaker == "ben"
    assert PiperTTS(model, speaker="2").speaker == "cy"
    assert PiperTTS(model).speaker == "amy"
    assert [c.speaker_id for c in configs] == [1, 2, 0]
    with pytest.raises(ConfigError) as caught:
        PiperTTS(model, speaker="dora")
    assert caught.value.code == "unknown_speaker"
    one_sentence(caught.value.message)


@pytest.mark.parametrize(
    ("damage", "code", "words"),
    [
        ("truncated", "voice_invalid", "damaged"),
        ("no config", "voice_invalid", "missing"),
        ("sample rate", "voice_invalid", "sample rate"),
        ("not json", "voice_invalid", "JSON"),
        ("pinyin", "voice_needs_download", "g2pw.onnx"),
        ("no file", "voice_missing", "no voice file"),
    ],
)
def test_bad_voice_files_give_one_sentence(
    tmp_path: Path, damage: str, code: str, words: str
) -> None:
    model = bad_voice(tmp_path, damage)
    with pytest.raises(ModelError) as caught:
        PiperTTS(model)
    assert caught.value.code == code
    assert words in caught.value.message
    one_sentence(caught.value.message)


@pytest.mark.real
def test_a_voice_that_phonemizes_chinese_with_espeak_reads_chinese(tmp_path: Path) -> None:
    """Like zh_CN-huayan: espeak's Mandarin phonemes, nothing downloaded. (Joe's model reads
    the phonemes with an accent; what counts here is that Chinese text becomes speech.)"""
    model = voice_copy(
        tmp_path,
        "zh_CN-test-medium",
        lambda c: c.update(language={"code": "zh_CN"}, espeak={"voice": "cmn"}),
    )
    tts = PiperTTS(model)
    assert tts.synthesize("今天天气很好，我们去公园散步吧。").duration_s > 1.5
    voice = read_voice(model).voice
    assert voice.languages == ("zh_CN", "zh")
    assert isinstance(read_voice(model), PiperVoiceFile)


def test_without_onnxruntime_the_default_is_the_system_voice_and_a_named_one_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(
        sys.modules, "onnxruntime", None
    )  # import fails, as on a platform without it
    tts = open_voice(VoiceRequest(language="en"), [])
    assert describe(tts).startswith("system ")
    with pytest.raises(ModelError) as caught:
        open_voice(VoiceRequest(voice="en_US-joe-medium"), [])
    assert (
        caught.value.code == "tts_unavailable"
        and "system voices still work" in caught.value.message
    )
    one_sentence(caught.value.message)


def test_quiet_edges_are_trimmed_to_a_short_margin() -> None:
    from voicebuddy.engines.piper_tts import trim_quiet_edges

    rate = 22_050
    tone = 0.5 * np.sin(np.arange(rate // 2) * 2 * np.pi * 220 / rate).astype(np.float32)
    hiss = np.full(rate // 5, 0.001, dtype=np.float32)
    trimmed = trim_quiet_edges(np.concatenate([hiss, tone, hiss, hiss]), rate)
    assert 0.5 < trimmed.size / rate < 0.5 + 0.015 + 0.12 + 0.02
    assert trim_quiet_edges(hiss, rate).size == hiss.size  # nothing loud: left alone


@pytest.mark.real
def test_an_unvaried_voice_reads_a_text_the_same_way_every_time(joe: PiperTTS) -> None:
    text = "What time does the museum open on Sunday?"
    steady = PiperTTS(default_voice_path(), varied=False)
    first, second = steady.synthesize(text).samples, steady.synthesize(text).samples
    assert np.array_equal(first, second)
    readings = [joe.synthesize(text).samples for _ in range(3)]
    assert any(not np.array_equal(readings[0], r) for r in readings[1:])
