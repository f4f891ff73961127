"""Smart end of turn: the short pause, the model's verdict, the maximum pause (fast, with a
scripted model), and the model's features."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import pytest
from speechlike import feed, silence, speechlike

from voicebuddy.audio.end_of_turn import WINDOW_S, WorkerJudge, log_mel_features
from voicebuddy.audio.listener import HandsFreeListener, HeardUtterance, ListenOptions
from voicebuddy.audio.segmenter import PauseHeard, SegmenterOptions, Utterance, UtteranceSegmenter
from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.config import ListenSettings
from voicebuddy.engines.fakes import FakeEndOfTurn
from voicebuddy.events import Event, UtteranceHeard

RATE = 16_000
SMART = ListenOptions.from_settings(
    ListenSettings(end_of_turn="smart", short_pause_ms=200, max_pause_ms=1800, pre_roll_ms=200),
    smart=True,
)


def listen(
    model: FakeEndOfTurn, audio: np.ndarray, options: ListenOptions = SMART
) -> tuple[list[HeardUtterance], list[Event]]:
    heard: list[HeardUtterance] = []
    events: list[Event] = []
    listener = HandsFreeListener(
        EnergyVAD(0.02),
        options,
        on_utterance=heard.append,
        on_barge_in=lambda: None,
        on_event=events.append,
        end_of_turn=model,
        simulated=True,
    )
    feed(listener, audio, 100.0)
    return heard, events


def test_a_complete_turn_is_handed_over_after_the_short_pause() -> None:
    model = FakeEndOfTurn(0.93)
    heard, events = listen(model, np.concatenate([silence(0.5), speechlike(1.5), silence(2.5)]))
    (utterance,) = heard
    assert utterance.reason == "model"
    assert utterance.probability == pytest.approx(0.93)
    assert len(model.asked) == 1
    (event,) = [e for e in events if isinstance(e, UtteranceHeard)]
    assert event.reason == "model"
    # the short pause (plus the detector's frame), far less than the maximum pause
    assert 150 <= event.detection_delay_ms < 500


def test_an_incomplete_turn_waits_for_the_maximum_pause() -> None:
    heard, events = listen(
        FakeEndOfTurn(0.05), np.concatenate([silence(0.5), speechlike(1.5), silence(2.5)])
    )
    (utterance,) = heard
    assert utterance.reason == "max_pause"
    assert utterance.probability == pytest.approx(0.05)
    (event,) = [e for e in events if isinstance(e, UtteranceHeard)]
    assert event.detection_delay_ms >= 1700


def test_a_thinking_pause_keeps_one_turn_when_the_model_says_incomplete() -> None:
    model = FakeEndOfTurn(0.1, 0.1, 0.95)  # the thinking pause is judged twice
    audio = np.concatenate(
        [silence(0.5), speechlike(1.0), silence(0.7), speechlike(1.0, seed=3), silence(1.0)]
    )
    heard, _ = listen(model, audio)
    (utterance,) = heard
    assert utterance.reason == "model"
    assert utterance.samples.size / RATE > 2.5  # both halves, and the pause between them
    assert len(model.asked) == 3
    assert model.asked[2] > model.asked[1] > model.asked[0]


def test_two_questions_far_apart_are_two_turns() -> None:
    audio = np.concatenate(
        [silence(0.3), speechlike(1.0), silence(1.5), speechlike(1.0, seed=5), silence(1.0)]
    )
    heard, _ = listen(FakeEndOfTurn(0.9), audio)
    assert [u.reason for u in heard] == ["model", "model"]


def test_pause_mode_asks_no_model() -> None:
    options = ListenOptions.from_settings(
        ListenSettings(end_of_turn="pause", end_pause_ms=700), smart=True
    )
    model = FakeEndOfTurn(0.9)
    audio = np.concatenate([silence(0.5), speechlike(1.5), silence(1.5)])
    heard, events = listen(model, audio, options)
    assert [u.reason for u in heard] == ["pause"]
    assert model.asked == []
    (event,) = [e for e in events if isinstance(e, UtteranceHeard)]
    assert event.detection_delay_ms >= 650


def test_smart_settings_without_a_model_fall_back_to_the_pause() -> None:
    listen_settings = ListenSettings(end_of_turn="smart", end_pause_ms=700, max_pause_ms=1800)
    options = ListenOptions.from_settings(listen_settings, smart=False)
    assert not options.smart
    assert options.segmenter.end_pause_ms == 700
    with pytest.raises(ValueError):
        HandsFreeListener(
            EnergyVAD(),
            SMART,
            on_utterance=lambda u: None,
            on_barge_in=lambda: None,
        )


def segmenter() -> UtteranceSegmenter:
    return UtteranceSegmenter(
        EnergyVAD(0.02), SegmenterOptions(end_pause_ms=1800, short_pause_ms=200)
    )


def test_a_verdict_on_a_pause_the_speaker_broke_is_ignored() -> None:
    cut = segmenter()
    events = cut.feed(np.concatenate([silence(0.3), speechlike(1.0), silence(0.3)]))
    (pause,) = [e for e in events if isinstance(e, PauseHeard) and not e.early]
    assert 1.0 < pause.samples.size / RATE < cut.current().size / RATE  # up to the pause
    cut.feed(speechlike(0.5, seed=2))  # they went on
    assert cut.end_turn(pause.pause) is None
    events = cut.feed(silence(0.3))
    (later,) = [e for e in events if isinstance(e, PauseHeard) and not e.early]
    assert later.pause != pause.pause
    utterance = cut.end_turn(later.pause)
    assert isinstance(utterance, Utterance)
    assert cut.end_turn(later.pause) is None  # closed already
    assert not cut.in_speech


def test_a_pause_is_judged_at_the_short_pause_and_again_as_it_lasts() -> None:
    cut = segmenter()
    events = cut.feed(np.concatenate([silence(0.3), speechlike(1.0), silence(1.0)]))
    heard = [e for e in events if isinstance(e, PauseHeard)]
    pauses = [e for e in heard if not e.early]
    assert len(pauses) == 3  # at 200, 500 and 800 ms
    assert len({p.pause for p in pauses}) == 1  # one pause
    # the pause's work may start at its first frames of silence (and at gaps in the speech)
    early = [e for e in heard if e.early and e.position < pauses[0].position][-1]
    assert early.speech == pauses[0].speech and early.pause == pauses[0].pause
    assert [p.samples.size for p in pauses] == sorted(p.samples.size for p in pauses)
    assert cut.in_speech  # the maximum pause has not passed
    events = cut.feed(silence(1.0))
    assert [type(e) for e in events] == [PauseHeard] * 3 + [Utterance]  # 1.1, 1.4, 1.7 s


def test_features_hear_only_the_last_eight_seconds() -> None:
    rng = np.random.default_rng(1)
    long = rng.normal(0, 0.1, 11 * RATE).astype(np.float32)
    features = log_mel_features(long)
    assert features.shape == (80, 800)
    assert features.dtype == np.float32
    np.testing.assert_array_equal(features, log_mel_features(long[-WINDOW_S * RATE :]))
    short = log_mel_features(long[:RATE])  # padded in front: the speech sits at the end
    assert np.ptp(short[:, 5:600], axis=1).max() < 1e-5  # the padding: the same every frame
    assert np.ptp(short[:, -50:], axis=1).min() > 0.01


class SlowModel:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.asked: list[int] = []

    def probability(self, samples: np.ndarray, speech: object = None) -> float:
        self.asked.append(samples.size)
        self.release.wait(5)
        if samples.size == 3:
            raise RuntimeError("onnxruntime failed")
        return 0.8


def test_the_worker_judges_only_the_newest_pause_and_survives_a_failure() -> None:
    model = SlowModel()
    judge = WorkerJudge(model)
    verdicts: list[tuple[int, float]] = []
    judge.submit(np.zeros(1), None, lambda p, took: verdicts.append((1, p)))
    time.sleep(0.2)  # the first is being judged
    judge.submit(np.zeros(2), None, lambda p, took: verdicts.append((2, p)))
    judge.submit(np.zeros(4), None, lambda p, took: verdicts.append((4, p)))  # replaces 2
    model.release.set()
    wait_for(lambda: len(verdicts) == 2)
    judge.submit(np.zeros(3), None, lambda p, took: verdicts.append((3, p)))  # the model fails
    wait_for(lambda: model.asked[-1] == 3)
    judge.submit(np.zeros(5), None, lambda p, took: verdicts.append((5, p)))
    wait_for(lambda: len(verdicts) == 3)
    judge.close()
    assert verdicts == [(1, 0.8), (4, 0.8), (5, 0.8)]
    assert model.asked == [1, 4, 3, 5]


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
