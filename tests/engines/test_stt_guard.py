"""The loop guard with a fake decoder: what it keeps, and how many decodes it may spend."""

from __future__ import annotations

from voicebuddy.audio.types import STT_SAMPLE_RATE
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.engines.stt_guard import (
    guard_loops,
    speech_stretch,
    token_budget,
    wider,
)
from voicebuddy.engines.transcription import Segment

LOOP = (
    Segment(0.0, 1.0, "Then in the next step,"),
    Segment(1.0, 2.0, "then in the next step, then in the fourth step, then in the fourth."),
    Segment(2.0, 3.0, "Then in"),
)
CLEAN = (Segment(0.0, 2.0, "Then in the next step, we add the salt."),)


class FakeDecoder:
    """Answers each (window, prompt) from a script, and counts the calls."""

    def __init__(self, *answers: tuple[Segment, ...]) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[int, str]] = []

    def __call__(self, window: int, prompt: str) -> tuple[Segment, ...]:
        self.calls.append((window, prompt))
        return self.answers.pop(0)


def test_clean_text_costs_no_second_decode() -> None:
    decode = FakeDecoder()
    guarded = guard_loops(CLEAN, decode, 192, "a prompt")
    assert guarded.segments == CLEAN and guarded.loops_caught == 0
    assert decode.calls == []


def test_a_loop_is_decoded_again_with_twice_the_window_and_no_prompt() -> None:
    decode = FakeDecoder(CLEAN)
    guarded = guard_loops(LOOP, decode, 192, "Kubernetes")
    assert decode.calls == [(384, "")]
    assert guarded.segments == CLEAN and guarded.loops_caught == 1


def test_a_second_loop_keeps_the_first_clean_words_and_decodes_no_more() -> None:
    decode = FakeDecoder(LOOP, CLEAN, CLEAN)
    guarded = guard_loops(LOOP, decode, 192, "")
    assert len(decode.calls) == 1  # two decodes in all: about twice a plain transcription
    assert [s.text for s in guarded.segments] == ["Then in the next step"]
    assert guarded.segments[0].start_s == 0.0
    assert guarded.loops_caught == 2


SENTENCE_LOOP = (
    Segment(
        0.0,
        3.0,
        "What should I cook for dinner tonight? What should I cook for dinner tonight? What",
    ),
)


def test_a_whole_sentence_looped_in_the_pause_after_it_is_not_decoded_again() -> None:
    decode = FakeDecoder(CLEAN)
    guarded = guard_loops(SENTENCE_LOOP, decode, 256, "", voiced_s=2.1)
    assert decode.calls == []  # 7 words for 2.1 s of speech: nothing was lost
    assert [s.text for s in guarded.segments] == ["What should I cook for dinner tonight?"]
    assert guarded.loops_caught == 2


def test_a_loop_that_leaves_speech_unexplained_is_decoded_again() -> None:
    decode = FakeDecoder(CLEAN)
    guard_loops(SENTENCE_LOOP, decode, 256, "", voiced_s=6.0)  # 7 words for 6 s of speech
    assert decode.calls == [(512, "")]
    decode = FakeDecoder(CLEAN)
    guard_loops(LOOP, decode, 256, "", voiced_s=1.0)  # "Then in the next step" is no sentence
    assert decode.calls == [(512, "")]
    decode = FakeDecoder(CLEAN)
    guard_loops(SENTENCE_LOOP, decode, 256, "")  # how much speech there was is not known
    assert len(decode.calls) == 1


def test_chinese_is_counted_in_characters() -> None:
    loop = (Segment(0.0, 2.0, "打开客厅的灯。打开客厅的灯。打开客厅"),)
    decode = FakeDecoder(CLEAN)
    guarded = guard_loops(loop, decode, 192, "", voiced_s=1.8)  # 6 characters, 3.3 a second
    assert decode.calls == [] and guarded.segments[0].text == "打开客厅的灯。"
    guard_loops(loop, decode := FakeDecoder(CLEAN), 192, "", voiced_s=4.0)
    assert len(decode.calls) == 1


def test_the_full_window_without_a_prompt_is_not_decoded_twice() -> None:
    decode = FakeDecoder()
    guarded = guard_loops(LOOP, decode, 0, "")
    assert decode.calls == []  # greedy decoding would give the same loop again
    assert [s.text for s in guarded.segments] == ["Then in the next step"]
    assert wider(0) == 0 and wider(800) == 0 and wider(192) == 384


def test_the_audio_is_trimmed_to_the_speech_with_a_margin() -> None:
    n = 5 * STT_SAMPLE_RATE
    assert speech_stretch(n, SpeechSpan(1.0, 3.0, 1.5)) == (
        round(0.75 * STT_SAMPLE_RATE),
        round(3.35 * STT_SAMPLE_RATE),
    )
    assert speech_stretch(n, SpeechSpan(0.1, 4.9, 4.0)) == (0, n)  # margins stop at the ends
    assert speech_stretch(n, None) == (0, n)  # nothing heard: whisper judges all of it
    assert speech_stretch(n, SpeechSpan(0.0, 0.0, 0.0)) == (0, n)


def test_decoding_is_bounded_by_the_audios_length() -> None:
    assert token_budget(0.5, "en") < token_budget(2.0, "en") < token_budget(10.0, "en")
    assert token_budget(2.0, "en") == 2 * 7 + 8  # English: about 4 tokens a second spoken
    assert token_budget(2.0, "zh") == token_budget(2.0, "auto") == 2 * 12 + 8
