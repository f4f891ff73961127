"""`voicebuddy listen --wav`: the hands-free listener over a recording, real models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from commandline import Run
from testdata import word_error_rate

from voicebuddy.audio.files import resample
from voicebuddy.engines.piper_tts import PiperTTS
from voicebuddy.models.defaults import default_voice_path

QUESTIONS = ("What time does the museum open on Sunday?", "Can you tell me a short joke?")


@pytest.fixture(scope="module")
def two_questions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two questions in the neural voice, 1.5 s apart."""
    voice = PiperTTS(default_voice_path(), varied=False)
    spoken = [voice.synthesize(q) for q in QUESTIONS]
    questions = [resample(c.samples, c.sample_rate, 16_000) for c in spoken]
    gap = np.zeros(24_000, dtype=np.float32)
    audio = np.concatenate([gap[:8000], questions[0], gap, questions[1], gap[:8000]])
    path = tmp_path_factory.mktemp("listen") / "two.wav"
    sf.write(path, audio, 16_000)
    return path


@pytest.mark.real
def test_smart_listening_hands_over_each_question_on_the_models_word(
    run: Run, two_questions: Path
) -> None:
    result = run("listen", "--wav", str(two_questions), "--json", "--mode", "smart")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "smart"
    utterances = data["utterances"]
    assert [u["reason"] for u in utterances] == ["model", "model"]
    for utterance, question in zip(utterances, QUESTIONS, strict=True):
        assert set(utterance) == {
            "speech_start_s", "speech_end_s", "handed_over_s", "reason", "probability",
            "transcript",
        }  # fmt: skip
        assert utterance["probability"] >= 0.5
        assert utterance["speech_start_s"] < utterance["speech_end_s"]
        assert word_error_rate(question, utterance["transcript"]) <= 0.15
    first, second = utterances
    assert first["handed_over_s"] < second["speech_start_s"]


@pytest.mark.real
def test_pause_mode_waits_for_the_pause_and_says_so(run: Run, two_questions: Path) -> None:
    result = run("listen", "--wav", str(two_questions), "--json", "--mode", "pause")
    assert result.returncode == 0, result.stderr
    utterances = json.loads(result.stdout)["utterances"]
    assert [u["reason"] for u in utterances] == ["pause", "pause"]
    assert all(u["probability"] is None for u in utterances)
    # on the file's own clock: the 700 ms pause (less one detector frame) after the speech
    assert all(u["handed_over_s"] - u["speech_end_s"] >= 0.66 for u in utterances)
    text = run("listen", "--wav", str(two_questions), "--mode", "pause")
    assert text.returncode == 0, text.stderr
    assert len(text.stdout.splitlines()) == 2
    assert "(pause)" in text.stdout


def test_listen_refuses_a_missing_file_in_one_sentence(run: Run, tmp_path: Path) -> None:
    result = run("listen", "--wav", str(tmp_path / "nothing.wav"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "does not exist" in result.stderr
