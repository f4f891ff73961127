"""The loop guard on the real whisper model, with cuts of jfk.wav that make tiny.en loop when
only the utterance is encoded (found by cutting the recording at 48 points, issue 12)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from testdata import JFK

from voicebuddy.audio.files import load_for_stt
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.bench.spy import recording_calls
from voicebuddy.engines.stt import WhisperCppSTT, encoder_window
from voicebuddy.engines.stt_guard import token_budget
from voicebuddy.text.repetition import is_loop

# (end of the cut, seconds of silence after it): "And so my fellow Americans" and a pause
CUTS = [(2.25, 0.3), (3.5, 0.3), (2.5, 0.7)]


def _cut(end_s: float, pause_s: float) -> Samples:
    jfk = load_for_stt(JFK)
    pause = np.zeros(round(pause_s * STT_SAMPLE_RATE), dtype=np.float32)
    return np.concatenate([jfk[: round(end_s * STT_SAMPLE_RATE)], pause])


def _unguarded(stt: WhisperCppSTT, audio: Samples) -> str:
    """One decode of the whole cut with the tight window, as before the guard."""
    found = stt.model.transcribe(
        audio,
        language="en",
        initial_prompt="",
        audio_ctx=encoder_window(audio.size, True),
        max_tokens=0,
        extract_probability=True,
    )
    return " ".join(str(s.text).strip() for s in found)


@pytest.mark.real
def test_the_guard_turns_a_real_whisper_loop_into_the_clean_words(ggml_tiny_en: Path) -> None:
    stt = WhisperCppSTT(ggml_tiny_en)
    looped = 0
    for end_s, pause_s in CUTS:
        audio = _cut(end_s, pause_s)
        if not is_loop(_unguarded(stt, audio)):
            continue
        looped += 1
        whole = SpeechSpan(0.0, audio.size / STT_SAMPLE_RATE, end_s)  # no trimming: the loop
        for speech in (whole, None):  # ...and as the app calls it, trimmed by the detector
            with recording_calls(stt.model, "transcribe") as calls:
                result = stt.transcribe_with(audio, speech=speech)
            text = result.text
            assert "so my fellow america" in text.lower(), (end_s, pause_s, text)
            assert not is_loop(text), (end_s, pause_s, text)
            # bounded: two greedy decodes at most, each with a token budget for its length
            assert 1 <= len(calls) <= 2
            assert all(
                0 < c.kwargs["max_tokens"] <= token_budget(audio.size / STT_SAMPLE_RATE, "en")
                for c in calls
            )
            if speech is whole:  # decoded again only if the words before the loop are too few
                assert result.loops_caught >= 1
    assert looped, "none of the known cuts loops any more: find a new one (see the docstring)"
