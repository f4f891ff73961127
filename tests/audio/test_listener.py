"""Hands-free listening: utterances, barge-in and the echo gate, with a simple detector (fast)."""

from __future__ import annotations

import numpy as np
import pytest
from speechlike import feed, silence, speechlike

from voicebuddy.audio.echo import EchoGate
from voicebuddy.audio.listener import HandsFreeListener, HeardUtterance, ListenOptions
from voicebuddy.audio.segmenter import SegmenterOptions
from voicebuddy.audio.types import Clip
from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.events import BargedIn, Event, UtteranceHeard

RATE = 16_000


class Heard:
    def __init__(self) -> None:
        self.utterances: list[HeardUtterance] = []
        self.barge_ins = 0
        self.events: list[Event] = []

    def listener(self, options: ListenOptions) -> HandsFreeListener:
        return HandsFreeListener(
            EnergyVAD(0.02),
            options,
            on_utterance=self.utterances.append,
            on_barge_in=self.barge_in,
            on_event=self.events.append,
        )

    def barge_in(self) -> None:
        self.barge_ins += 1


OPTIONS = ListenOptions(SegmenterOptions(end_pause_ms=500, pre_roll_ms=200))


def test_utterance_with_pre_roll_and_end_time() -> None:
    rec = Heard()
    listener = rec.listener(OPTIONS)
    speech = speechlike(1.5)
    feed(listener, np.concatenate([silence(1.0), speech, silence(1.0)]), 100.0)
    assert len(rec.utterances) == 1
    utterance = rec.utterances[0]
    # the speech plus about 200 ms before it and the 500 ms pause after it
    assert 1.5 + 0.5 <= utterance.samples.size / RATE <= 1.5 + 0.2 + 0.5 + 0.1
    assert utterance.speech_ended_at == pytest.approx(102.5, abs=0.1)
    heard = [e for e in rec.events if isinstance(e, UtteranceHeard)]
    assert len(heard) == 1 and heard[0].duration_s == pytest.approx(utterance.samples.size / RATE)


def test_a_click_is_not_an_utterance() -> None:
    rec = Heard()
    listener = rec.listener(OPTIONS)
    feed(listener, np.concatenate([silence(1), speechlike(0.1), silence(2)]), 0.0)
    assert rec.utterances == []


def test_speech_during_a_reply_barges_in_once() -> None:
    rec = Heard()
    listener = rec.listener(ListenOptions(SegmenterOptions(end_pause_ms=500), duplex="full"))
    listener.reply_started()
    feed(
        listener, np.concatenate([silence(0.5), speechlike(1.0), silence(0.2), speechlike(1.0)]), 0
    )
    assert rec.barge_ins == 1
    barged = [e for e in rec.events if isinstance(e, BargedIn)]
    assert len(barged) == 1 and barged[0].speech_started_at == pytest.approx(0.5, abs=0.1)
    listener.reply_ended()
    feed(listener, silence(1.0), 3.0)
    assert len(rec.utterances) == 1  # what the user said over the reply is their next turn


def test_half_duplex_without_barge_in_hears_nothing_during_a_reply() -> None:
    rec = Heard()
    listener = rec.listener(ListenOptions(SegmenterOptions(), duplex="half", barge_in=False))
    listener.reply_started()
    feed(listener, np.concatenate([speechlike(1.0), silence(1.0)]), 0.0)
    listener.reply_ended()
    assert rec.barge_ins == 0 and rec.utterances == []


def echo_of(clip: np.ndarray, gain: float, delay_s: float) -> np.ndarray:
    delayed = np.concatenate([silence(delay_s), clip])[: clip.size]
    return (gain * delayed).astype(np.float32)


def test_echo_gate_mutes_the_characters_voice_but_not_a_louder_user() -> None:
    reply = speechlike(3.0, amplitude=0.3, seed=1)
    gate = EchoGate()
    gate.playback(Clip(reply, RATE), at=10.0)
    mic = echo_of(reply, gain=0.4, delay_s=0.05)
    user = speechlike(3.0, amplitude=0.6, seed=2)
    verdicts_echo, verdicts_user = [], []
    for offset in range(0, mic.size, 320):
        at = 10.0 + (offset + 320) / RATE
        echo_block = mic[offset : offset + 320]
        verdicts_echo.append(gate.is_echo(echo_block, at))
        if at > 10.5:
            mixed = echo_block + user[offset : offset + 320]
            verdicts_user.append(gate.is_echo(mixed, at))
    assert all(verdicts_echo)
    # the user's loud syllables get through (the buzz's off-phases are quiet, so not all)
    assert sum(not v for v in verdicts_user) > len(verdicts_user) * 0.3
    gate.playback(None, at=13.0)
    assert not gate.active(13.5)  # after the reverberation tail the gate is open
    assert not gate.is_echo(user[:320], 13.5)


def test_half_duplex_echo_does_not_barge_in_nor_become_a_turn() -> None:
    rec = Heard()
    listener = rec.listener(ListenOptions(SegmenterOptions(end_pause_ms=500), duplex="half"))
    reply = speechlike(2.0, amplitude=0.3, seed=3)
    listener.reply_started()
    listener.playback(Clip(reply, RATE), at=0.0)
    feed(listener, echo_of(reply, gain=0.5, delay_s=0.06), 0.0)
    listener.playback(None, at=2.0)
    listener.reply_ended()
    feed(listener, silence(1.5), 2.0)
    assert rec.barge_ins == 0 and rec.utterances == []
