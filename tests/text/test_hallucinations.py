"""Phantom words: the filter's rules, and real whisper on silence and noise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.text.hallucinations import (
    NO_SPEECH_S,
    PHRASE_SPEECH_S,
    SpeechFrames,
    is_known_phantom,
    is_phantom,
    is_prompt_echo,
    strip_annotations,
)

RATE = 16_000


@pytest.mark.parametrize(
    "text",
    ["[BLANK_AUDIO]", " [Music] ", "(Music)", "(inhales) (inhales)", "♪♪♪", "【字幕】", "*sighs*"],
)
def test_annotations_alone_are_nothing(text: str) -> None:
    assert strip_annotations(text) == ""
    assert is_phantom(text, voiced_s=5.0)  # whatever the detector says


def test_annotations_inside_speech_go_and_asides_stay() -> None:
    assert strip_annotations("Hello [BLANK_AUDIO] there.") == "Hello there."
    # a tag cut off by the token budget (seen in the window: "...dinner tonight? [P")
    assert strip_annotations("What should I cook for dinner tonight? [P") == (
        "What should I cook for dinner tonight?"
    )
    assert strip_annotations("Ship it (after the review) today.") == (
        "Ship it (after the review) today."
    )


@pytest.mark.parametrize(
    "text",
    [
        "you",
        " You.",
        "Thank you for watching!",
        "Thanks for watching, and please subscribe.",
        "Subtitles by the Amara.org community",
        "字幕由Amara.org社区提供",
        "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
        "請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目",  # the same in Traditional script
        "谢谢观看。",
        "you you you",
    ],
)
def test_known_phantoms_go_only_when_nobody_spoke(text: str) -> None:
    assert is_known_phantom(text)
    assert is_phantom(text, voiced_s=0.0)
    assert is_phantom(text, voiced_s=PHRASE_SPEECH_S / 2)
    assert not is_phantom(text, voiced_s=0.4)  # someone really said it


@pytest.mark.parametrize(
    "text",
    ["Thank you for the report.", "You should see this.", "我们明天见。", "Bye for now, Sam."],
)
def test_real_sentences_are_not_known_phantoms(text: str) -> None:
    assert not is_known_phantom(text)
    assert not is_phantom(text, voiced_s=PHRASE_SPEECH_S / 2)


def test_without_any_speech_nothing_is_kept() -> None:
    assert is_phantom("We are now in the city of Kuala-Kong.", voiced_s=NO_SPEECH_S / 2)
    assert not is_phantom("We are now in the city of Kuala-Kong.", voiced_s=NO_SPEECH_S * 2)


def test_prompt_echo() -> None:
    prompt = "Hello, welcome. Kubernetes, VoiceBuddy, Xiaoming."
    assert is_prompt_echo("Kubernetes, VoiceBuddy, Xiaoming.", prompt)
    assert is_phantom("Kubernetes, VoiceBuddy.", voiced_s=0.15, prompt=prompt)
    assert not is_prompt_echo("Deploy Kubernetes today.", prompt)
    assert not is_prompt_echo("anything", "")


def test_speech_frames_measure_voiced_time() -> None:
    audio = np.zeros(RATE * 3, dtype=np.float32)
    t = np.arange(RATE // 2) / RATE
    audio[RATE : RATE + RATE // 2] = 0.3 * np.sin(2 * np.pi * 220 * t)  # 0.5 s "speech" at 1 s
    frames = SpeechFrames(audio, EnergyVAD(frame_samples=320))
    assert frames.duration_s == pytest.approx(3.0)
    assert frames.voiced_s() == pytest.approx(0.5, abs=0.03)
    assert frames.voiced_s(0.0, 0.9) == 0.0
    assert frames.voiced_s(1.2, 1.4) == pytest.approx(0.2, abs=0.03)


# ----- real whisper
def _noises() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    n = RATE * 4

    def shaped(exponent: float) -> np.ndarray:
        spectrum = np.fft.rfft(rng.standard_normal(n))
        freqs = np.fft.rfftfreq(n, 1 / RATE)
        freqs[0] = freqs[1]
        x = np.fft.irfft(spectrum / freqs**exponent, n)
        return x / np.max(np.abs(x))

    t = np.arange(n) / RATE
    band = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    band[(freqs < 300) | (freqs > 3000)] *= 0.1
    breath = np.fft.irfft(band, n)
    breath = breath / np.max(np.abs(breath)) * np.clip(np.sin(2 * np.pi * 0.4 * t), 0, None) ** 2
    return {
        "silence": np.zeros(n),
        "white": 0.05 * rng.standard_normal(n),
        "loud white": 0.3 * rng.standard_normal(n),
        "pink": 0.2 * shaped(0.5),
        "breathing": 0.3 * breath,
        "mains hum": 0.1 * np.sin(2 * np.pi * 50 * t) + 0.005 * rng.standard_normal(n),
    }


@pytest.mark.real
@pytest.mark.slow
@pytest.mark.parametrize("model", ["tiny.en", "base"])
def test_whisper_writes_nothing_for_silence_and_noise(
    model: str, ggml_model: Callable[[str], Path]
) -> None:
    """Each noise with the trimmed encoder window (what live turns use), the full window, and
    with a vocabulary prompt (which makes whisper far more inventive on noise)."""
    from voicebuddy.engines.stt import WhisperCppSTT

    stt = WhisperCppSTT(ggml_model(model), language="en" if model == "tiny.en" else "auto")
    prompt = "Hello, welcome. Let's begin. Kubernetes, VoiceBuddy, Xiaoming."
    heard = {}
    for name, noise in _noises().items():
        audio = noise.astype(np.float32)
        for trim, with_prompt in ((True, ""), (False, ""), (False, prompt)):
            result = stt.transcribe_with(audio, prompt=with_prompt, trim_window=trim)
            if result.text:
                heard[(name, trim, bool(with_prompt))] = result.text
    assert heard == {}


@pytest.mark.real
def test_a_person_saying_thank_you_is_still_heard(ggml_tiny_en: Path, tmp_path: Path) -> None:
    import subprocess

    from voicebuddy.audio.files import load_for_stt
    from voicebuddy.engines.stt import WhisperCppSTT

    wav = tmp_path / "thanks.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "Thank you."], check=True)
    pad = np.zeros(RATE, dtype=np.float32)
    audio = np.concatenate([pad, load_for_stt(wav), pad])
    stt = WhisperCppSTT(ggml_tiny_en)
    for trim in (True, False):
        text = stt.transcribe_with(audio, trim_window=trim).text
        assert "thank you" in text.lower(), (trim, text)
