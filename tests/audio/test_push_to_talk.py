"""Push-to-talk capture: the audio from just before the press, and the last word said as the
key goes up, with a simple detector and a clock the test controls."""

from __future__ import annotations

import numpy as np
import pytest
from fake_devices import pause, tone

from voicebuddy.audio.push_to_talk import PushToTalkCapture, Recording
from voicebuddy.audio.vad import EnergyVAD

RATE = 16_000
BLOCK = 320  # 20 ms, as the microphone delivers


class Feeder:
    """Delivers a stream block by block; `at` is the capture time of the last sample fed."""

    def __init__(self, capture: PushToTalkCapture) -> None:
        self.capture = capture
        self.at = 100.0

    def feed(self, audio: np.ndarray) -> None:
        for offset in range(0, audio.size, BLOCK):
            block = audio[offset : offset + BLOCK]
            self.at += block.size / RATE
            self.capture.feed(block, self.at)


def press_release(
    lead_silence: float, speech: float, press_into: float, release_into: float, after: float
) -> tuple[Recording, Feeder]:
    """Speech of `speech` s after `lead_silence` s; the key goes down `press_into` s into the
    speech (negative: before it) and up `release_into` s into it; `after` s of silence follow."""
    capture = PushToTalkCapture(EnergyVAD())
    feeder = Feeder(capture)
    audio = np.concatenate([pause(lead_silence), tone(speech), pause(after)])
    start = 100.0
    press_at = start + lead_silence + press_into
    release_at = start + lead_silence + release_into
    done: list[Recording] = []
    for offset in range(0, audio.size, BLOCK):
        block = audio[offset : offset + BLOCK]
        feeder.at += block.size / RATE
        if feeder.at > press_at and not capture.recording and not done:
            capture.press(press_at)
        capture.feed(block, feeder.at)
        if feeder.at >= release_at and capture.recording and not done:
            capture.release(release_at, done.append)
    assert len(done) == 1
    return done[0], feeder


def test_a_press_as_the_first_word_starts_keeps_that_word() -> None:
    recording, _ = press_release(1.0, 1.5, press_into=0.15, release_into=2.0, after=1.0)
    loud = np.flatnonzero(np.abs(recording.samples) > 0.05)
    assert loud[0] / RATE == pytest.approx(0.15, abs=0.03)  # 300 ms before the press
    assert recording.samples.size / RATE == pytest.approx(0.3 + 1.85, abs=0.05)


def test_a_release_on_the_last_word_waits_for_it() -> None:
    recording, _ = press_release(0.5, 2.0, press_into=-0.3, release_into=1.8, after=1.0)
    end_of_speech = 100.0 + 0.5 + 2.0
    assert recording.speech_ended_at == pytest.approx(end_of_speech, abs=0.03)
    loud = np.flatnonzero(np.abs(recording.samples) > 0.05)
    assert (loud[-1] - loud[0]) / RATE == pytest.approx(2.0, abs=0.03)  # the whole tone
    assert 0.2 <= recording.tail_s <= 0.3 + 0.02


def test_the_tail_is_never_longer_than_300_ms() -> None:
    recording, _ = press_release(0.5, 3.0, press_into=0.0, release_into=1.0, after=0.5)
    assert recording.tail_s == pytest.approx(0.3, abs=0.02)
    assert recording.speech_ended_at == pytest.approx(100.0 + 0.5 + 1.3, abs=0.03)


def test_a_release_in_silence_hands_over_at_once() -> None:
    recording, _ = press_release(0.5, 1.0, press_into=-0.2, release_into=1.5, after=1.0)
    assert recording.speech_ended_at == pytest.approx(100.0 + 0.5 + 1.5, abs=0.001)
    assert recording.tail_s <= 0.03


def test_a_release_after_the_speech_does_not_wait_for_the_audio_still_on_its_way() -> None:
    capture = PushToTalkCapture(EnergyVAD())
    feeder = Feeder(capture)
    feeder.feed(pause(0.5))
    capture.press(feeder.at)
    feeder.feed(np.concatenate([tone(1.0), pause(0.3)]))
    done: list[Recording] = []
    capture.release(feeder.at + 0.015, done.append)  # its block has not arrived yet
    assert len(done) == 1
    assert done[0].tail_s == 0.0
    assert done[0].speech_ended_at == feeder.at + 0.015


def test_a_release_while_speaking_waits_for_the_audio_still_on_its_way() -> None:
    capture = PushToTalkCapture(EnergyVAD())
    feeder = Feeder(capture)
    feeder.feed(pause(0.5))
    capture.press(feeder.at)
    feeder.feed(np.concatenate([tone(1.0), pause(0.06)]))  # a pause inside a word
    done: list[Recording] = []
    capture.release(feeder.at + 0.015, done.append)
    assert not done
    feeder.feed(pause(0.1))
    assert len(done) == 1


def test_without_a_press_only_the_pre_roll_is_kept_and_cancel_drops_a_recording() -> None:
    capture = PushToTalkCapture(EnergyVAD())
    feeder = Feeder(capture)
    feeder.feed(tone(5.0))
    assert capture.level() == 0.0
    capture.press(feeder.at)
    assert capture.recording
    feeder.feed(tone(0.1))
    assert capture.level() > 0.1
    capture.cancel()
    assert not capture.recording
