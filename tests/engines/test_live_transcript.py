"""Transcription while the key is held (`engines.live_transcript`), with a scripted whisper:
which passes are made, what is agreed, and what is left for the release."""

from __future__ import annotations

import numpy as np
from scripted_stt import ScriptedSTT

from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.engines.live_transcript import LiveTranscript, words_of

R = STT_SAMPLE_RATE


def audio(seconds: float) -> Samples:
    return np.full(round(seconds * R), 0.1, dtype=np.float32)


def spoken(start_s: float, end_s: float) -> SpeechSpan:
    return SpeechSpan(start_s, end_s, end_s - start_s)


def s(seconds: float) -> int:
    return round(seconds * R)


def test_a_pass_is_due_at_a_pause_and_to_confirm_it_not_while_talking_on() -> None:
    live = LiveTranscript(ScriptedSTT("What should I", "What should I cook for"))
    assert not live.due(s(0.5), s(0.2))  # too little speech yet
    assert not live.due(s(1.0), s(1.0))  # talking, and nothing to confirm
    assert live.due(s(1.2), s(1.0))  # a pause after speech
    live.hear(audio(1.2), spoken(0.1, 1.0))
    assert not live.due(s(1.4), s(1.0))  # the same speech: nothing new
    assert not live.due(s(1.4), s(1.3))  # talking on, too little to confirm the pause
    assert live.due(s(1.8), s(1.8))  # talked on past the pause: the pass can agree
    live.hear(audio(1.8), spoken(0.1, 1.8))
    assert live.cut == s(1.05) and live.agreed_text == "What should I"  # early in the pause
    assert live.so_far().text == "What should I cook for"
    assert not live.due(s(2.0), s(2.0))  # no pause since the cut


def test_words_two_passes_agree_on_are_not_transcribed_again() -> None:
    stt = ScriptedSTT("What should I.", "what should I cook for", "cook for dinner tonight?")
    live = LiveTranscript(stt)
    live.hear(audio(1.2), spoken(0.1, 1.0))
    live.hear(audio(1.8), spoken(0.1, 1.8))  # agrees, whatever the case and the marks
    final = live.transcription(audio(2.9), spoken(0.1, 2.6))
    # the seam as the pass that heard on past it wrote it: no full stop after "I"
    assert final.text == "What should I cook for dinner tonight?"
    assert stt.calls[-1] == (1.85, "What should I")  # only the rest, prompted with the agreed
    assert [round(x.start_s, 2) for x in final.segments] == [0.0, 1.05]


def test_passes_that_disagree_leave_it_all_for_the_release() -> None:
    stt = ScriptedSTT("What should I", "What shall I cook", "What should I cook?")
    live = LiveTranscript(stt)
    live.hear(audio(1.2), spoken(0.1, 1.0))
    live.hear(audio(1.8), spoken(0.1, 1.8))
    assert live.cut == 0
    assert live.transcription(audio(2.2), spoken(0.1, 2.0)).text == "What should I cook?"
    assert stt.calls[-1] == (2.2, None)  # the whole recording, with the engine's own prompt


def test_a_pass_that_heard_all_the_speech_is_the_transcript() -> None:
    """The person stopped, then let go of the key: nothing is left to transcribe."""
    stt = ScriptedSTT("Can you tell me a short joke?")
    live = LiveTranscript(stt)
    live.hear(audio(2.6), spoken(0.1, 2.4))
    final = live.transcription(audio(2.9), spoken(0.1, 2.4))
    assert final.text == "Can you tell me a short joke?" and len(stt.calls) == 1
    stt.texts.append("Can you tell me a short joke? Please")
    final = live.transcription(audio(3.2), spoken(0.1, 3.0))  # speech went on after it
    assert final.text.endswith("Please") and len(stt.calls) == 2


def test_the_engines_own_prompt_comes_before_the_agreed_words() -> None:
    stt = ScriptedSTT("What should I", "What should I cook", "cook?")
    stt.initial_prompt = "Lena, Biscuit"  # type: ignore[attr-defined]
    live = LiveTranscript(stt)
    live.hear(audio(1.2), spoken(0.1, 1.0))
    live.hear(audio(1.8), spoken(0.1, 1.8))
    live.transcription(audio(2.2), spoken(0.1, 2.0))
    assert [prompt for _, prompt in stt.calls] == [None, None, "Lena, Biscuit What should I"]


def test_words_compared_without_case_or_marks_and_chinese_by_character() -> None:
    assert words_of("What's up, Doc?") == ["what's", "up", "doc"]
    assert words_of("我想吃 dinner。") == ["我", "想", "吃", "dinner"]


def test_the_seam_is_written_as_the_pass_that_heard_past_it_wrote_it() -> None:
    stt = ScriptedSTT(
        "And so my fellow Americans.",
        "And so my fellow Americans, ask not",
        "Ask not what your country can do for you.",
    )
    live = LiveTranscript(stt)
    live.hear(audio(2.5), spoken(0.1, 2.2))
    live.hear(audio(3.5), spoken(0.1, 3.5))
    final = live.transcription(audio(6.0), spoken(0.1, 5.8))
    assert final.text == "And so my fellow Americans, ask not what your country can do for you."
