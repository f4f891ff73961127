"""The end of a hands-free turn judged by its words and its sound (fast, with fakes)."""

from __future__ import annotations

import numpy as np
from scripted_stt import ScriptedSTT
from speechlike import silence, speechlike

from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.engines.fakes import FakeChat, FakeEndOfTurn
from voicebuddy.engines.transcription import Segment, Transcription
from voicebuddy.messages import Message
from voicebuddy.runtime.turn_end import WORDS_COMPLETE, WORDS_SURE, PauseByPause, SoundAndWords

RATE = 16_000


class Words:
    """What the listener heard, as text; the chat model's verdict on it from FakeChat's rule
    (a sentence mark or one of its `endings` ends a message)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.transcribed = 0
        self.chat = FakeChat()
        self.chat.endings = {"tonight"}
        self.fixed: float | None = None  # a verdict of the words to use instead

    def transcribe(
        self, samples: np.ndarray, speech: SpeechSpan | None
    ) -> tuple[Transcription, str]:
        self.transcribed += 1
        return Transcription((Segment(0.0, 1.0, self.text),), "en"), self.text

    def words_end(self, text: str) -> float:
        if self.fixed is not None:
            return self.fixed
        return self.chat.ending_probability([Message("user", text)], 0)


def utterance(pause_s: float) -> tuple[np.ndarray, SpeechSpan]:
    samples = np.concatenate([silence(0.3), speechlike(1.5), silence(pause_s)])
    return samples, SpeechSpan(0.3, 1.8, 1.5)


def judge(sound: float, text: str) -> tuple[SoundAndWords, FakeEndOfTurn, Words]:
    model, words = FakeEndOfTurn(sound), Words(text)
    return SoundAndWords(model, words.transcribe, words.words_end), model, words


def test_words_that_go_on_keep_the_turn_open_whatever_the_sound() -> None:
    both, sound, words = judge(0.97, "What should I cook?")
    assert both.probability(*utterance(0.2)) < WORDS_COMPLETE
    assert words.chat.judged == ["What should I cook"]  # whisper's "?" taken off
    assert sound.asked == []  # no need to hear more


def test_words_that_surely_end_the_turn_end_it_at_once() -> None:
    both, sound, _ = judge(0.1, "What should I cook for dinner tonight.")
    assert both.probability(*utterance(0.2)) >= 0.5
    assert sound.asked == []


def test_words_that_may_end_it_leave_it_to_the_sound_then_to_a_longer_pause() -> None:
    both, sound, words = judge(0.2, "What should I cook for dinner tonight.")
    words.fixed = (WORDS_COMPLETE + WORDS_SURE) / 2
    assert both.probability(*utterance(0.2)) == 0.2
    assert len(sound.asked) == 1
    assert both.probability(*utterance(0.5)) >= 0.5  # past a breath: the words suffice
    assert words.transcribed == 1  # the same speech: transcribed once


def test_the_turn_gets_the_transcript_made_during_the_pause() -> None:
    both, _, _ = judge(0.9, "What should I cook for dinner tonight.")
    samples, speech = utterance(0.2)
    both.probability(samples, speech)
    handed = np.concatenate([samples, silence(0.1)])  # the pause went on while it judged
    early = both.transcription_for(handed, speech)
    assert early is not None and early.text == "What should I cook for dinner tonight."
    other = np.concatenate([silence(0.3), speechlike(1.5, seed=9), silence(0.3)])
    assert both.transcription_for(other, speech) is None
    assert both.transcription_for(handed, SpeechSpan(0.3, 1.7, 1.4)) is None


def test_a_long_utterance_is_not_transcribed_from_its_start_at_every_pause() -> None:
    """Words that the passes at two pauses agree on are not transcribed at the next one."""
    stt = ScriptedSTT("Tell me about", "Tell me about my dog", "my dog Biscuit.")
    utterance = PauseByPause()
    said = np.concatenate([silence(0.3), speechlike(1.0), silence(0.3)])
    first = utterance.heard(stt, said, SpeechSpan(0.3, 1.3, 1.0))
    said = np.concatenate([said, speechlike(1.0, seed=2), silence(0.3)])
    second = utterance.heard(stt, said, SpeechSpan(0.3, 2.6, 2.0))
    said = np.concatenate([said, speechlike(1.0, seed=3), silence(0.3)])
    third = utterance.heard(stt, said, SpeechSpan(0.3, 3.9, 3.0))
    assert (first.text, second.text) == ("Tell me about", "Tell me about my dog")
    assert third.text == "Tell me about my dog Biscuit."
    assert [seconds for seconds, _ in stt.calls] == [1.6, 2.9, 2.85]  # the last from the cut
    other = np.concatenate([silence(0.3), speechlike(1.0, seed=4), silence(0.3)])
    stt.texts.append("Hello.")
    assert utterance.heard(stt, other, SpeechSpan(0.3, 1.3, 1.0)).text == "Hello."
    assert stt.calls[-1] == (1.6, None)  # a new utterance: from its start


def test_the_words_are_transcribed_at_the_first_silence_and_judged_at_the_short_pause() -> None:
    both, _, words = judge(0.9, "What should I cook for dinner tonight.")
    early, speech = utterance(0.07)
    both.prepare(early, speech)
    assert words.transcribed == 1 and words.chat.judged  # the work is done before the pause
    later = np.concatenate([early, silence(0.1)])
    assert both.probability(later, speech) >= 0.5
    assert words.transcribed == 1  # and the judgement found it done


def test_words_that_seemed_to_go_on_at_the_first_silence_are_heard_again_once() -> None:
    """A soft last sound can come after the detector's end of speech."""
    both, _, words = judge(0.1, "What should I cook for dinner")
    words.fixed = WORDS_COMPLETE / 2
    samples, speech = utterance(0.05)
    both.prepare(samples, speech)
    assert words.transcribed == 1
    both.probability(np.concatenate([samples, silence(0.15)]), speech)
    assert words.transcribed == 2  # heard again with the pause
    both.probability(np.concatenate([samples, silence(0.45)]), speech)
    assert words.transcribed == 2  # once
