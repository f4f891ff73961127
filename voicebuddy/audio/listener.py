"""Hands-free listening: the voice-activity detector decides when the user starts and stops
talking; talking over the character interrupts it (barge-in).

`HandsFreeListener` is fed microphone audio and told about playback; it calls back with
finished utterances and barge-ins, on the microphone's thread. The runtime
(`voicebuddy.runtime`) wires it to the microphone and to its turns, for every front end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from voicebuddy.audio.echo import EchoGate
from voicebuddy.audio.segmenter import (
    SegmenterOptions,
    SpeechStarted,
    Utterance,
    UtteranceSegmenter,
)
from voicebuddy.audio.types import STT_SAMPLE_RATE, Clip, Samples
from voicebuddy.audio.vad import SpeechSpan, VoiceActivityDetector
from voicebuddy.config import ListenSettings
from voicebuddy.errors import AudioError
from voicebuddy.events import BargedIn, Event, Notice, SpeechBegan, UtteranceHeard


@dataclass(frozen=True)
class HeardUtterance:
    samples: Samples
    speech_ended_at: float
    speech: SpeechSpan | None = None


@dataclass(frozen=True)
class ListenOptions:
    segmenter: SegmenterOptions = field(default_factory=SegmenterOptions)
    duplex: str = "half"
    barge_in: bool = True

    @classmethod
    def from_settings(cls, listen: ListenSettings) -> ListenOptions:
        return cls(
            SegmenterOptions.from_settings(listen),
            duplex=listen.duplex,
            barge_in=listen.barge_in,
        )


class HandsFreeListener:
    def __init__(
        self,
        vad: VoiceActivityDetector,
        options: ListenOptions,
        *,
        on_utterance: Callable[[HeardUtterance], None],
        on_barge_in: Callable[[], None],
        on_event: Callable[[Event], None] = lambda _event: None,
    ) -> None:
        self.options = options
        self._segmenter = UtteranceSegmenter(vad, options.segmenter)
        self._gate = EchoGate()
        self._on_utterance = on_utterance
        self._on_barge_in = on_barge_in
        self._on_event = on_event
        self._fed = 0  # samples fed so far
        self._fed_at = 0.0  # the time of the last sample fed
        self._reply_active = False
        self._barged = False
        self._lock = threading.Lock()

    # Playback side (any thread) -------------------------------------------------------
    def playback(self, clip: Clip | None, at: float) -> None:
        """The pipeline's playback monitor."""
        self._gate.playback(clip, at)

    def reply_started(self) -> None:
        with self._lock:
            self._reply_active = True
            self._barged = False

    def reply_ended(self) -> None:
        with self._lock:
            self._reply_active = False

    # Microphone side (one thread) -----------------------------------------------------
    def feed(self, samples: Samples, captured_at: float) -> None:
        step = STT_SAMPLE_RATE // 50  # judge echo per 20 ms
        start_at = captured_at - samples.size / STT_SAMPLE_RATE
        for offset in range(0, samples.size, step):
            chunk = samples[offset : offset + step]
            at = start_at + (offset + chunk.size) / STT_SAMPLE_RATE
            self._feed_chunk(chunk, at)

    def _time_of(self, position: int) -> float:
        return self._fed_at - (self._fed - position) / STT_SAMPLE_RATE

    def _feed_chunk(self, chunk: Samples, at: float) -> None:
        with self._lock:
            reply_active, barged = self._reply_active, self._barged
        mute = False
        if self.options.duplex == "half":
            if reply_active and not self.options.barge_in:
                mute = True  # the user waits for the character; nothing is heard meanwhile
            elif self._gate.is_echo(chunk, at):
                mute = True
        if mute:
            chunk = np.zeros_like(chunk)
        self._fed += chunk.size
        self._fed_at = at
        for event in self._segmenter.feed(chunk):
            if isinstance(event, SpeechStarted):
                started_at = self._time_of(event.start)
                self._on_event(SpeechBegan(started_at=started_at))
                if reply_active and self.options.barge_in and not barged:
                    with self._lock:
                        self._barged = True
                    self._on_barge_in()
                    now = time.monotonic()
                    self._on_event(
                        BargedIn(speech_started_at=started_at, reaction_ms=(now - started_at) * 1e3)
                    )
            elif isinstance(event, Utterance):
                self._heard(event)

    def _heard(self, utterance: Utterance) -> None:
        ended_at = self._time_of(utterance.speech_end)
        now = time.monotonic()
        self._on_event(
            UtteranceHeard(
                duration_s=utterance.samples.size / STT_SAMPLE_RATE,
                speech_ended_at=ended_at,
                detection_delay_ms=(now - ended_at) * 1000,
            )
        )
        self._on_utterance(HeardUtterance(utterance.samples, ended_at, utterance.speech()))

    def fail(self, error: AudioError) -> None:
        for event in self._segmenter.flush():  # what was said before the gap is kept
            if isinstance(event, Utterance):
                self._heard(event)
        self._on_event(Notice(code=error.code, message=error.message, topic="microphone"))

    def resumed(self) -> None:
        self._on_event(
            Notice(code="microphone_back", message="The microphone is back.", topic="microphone")
        )
