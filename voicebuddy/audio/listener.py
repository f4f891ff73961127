"""Hands-free listening: the voice-activity detector decides when the user starts and stops
talking; talking over the character interrupts it (barge-in).

`HandsFreeListener` is fed microphone audio and told about playback; it calls back with
finished utterances and barge-ins, on the microphone's thread (or, for an utterance the
end-of-turn model ended, on that model's thread). The runtime (`voicebuddy.runtime`) wires it
to the microphone and to its turns, for every front end.

Ends of turns: in "pause" mode a fixed pause ends an utterance. In "smart" mode each short
pause is judged by the end-of-turn model (`voicebuddy.audio.end_of_turn`): a complete turn is
handed over at once, an incomplete one waits for more speech or for the maximum pause.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from voicebuddy.audio.echo import EchoGate
from voicebuddy.audio.end_of_turn import EndOfTurnModel, InlineJudge, WorkerJudge
from voicebuddy.audio.segmenter import (
    PauseHeard,
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

COMPLETE = 0.5  # the model's probability from which a turn is complete


@dataclass(frozen=True)
class HeardUtterance:
    samples: Samples
    speech_ended_at: float
    speech: SpeechSpan | None = None
    reason: str = "pause"  # what ended it: "pause", "model" or "max_pause"
    probability: float | None = None  # the end-of-turn model's last verdict on it
    handed_over_at: float = 0.0


@dataclass(frozen=True)
class ListenOptions:
    segmenter: SegmenterOptions = field(default_factory=SegmenterOptions)
    duplex: str = "half"
    barge_in: bool = True

    @property
    def smart(self) -> bool:
        return self.segmenter.short_pause_ms > 0

    @classmethod
    def from_settings(cls, listen: ListenSettings, *, smart: bool) -> ListenOptions:
        """`smart` False: the end-of-turn model is missing, so pause mode whatever the
        settings say."""
        return cls(
            SegmenterOptions.from_settings(listen, smart and listen.end_of_turn == "smart"),
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
        end_of_turn: EndOfTurnModel | None = None,
        simulated: bool = False,
    ) -> None:
        """`end_of_turn` is required when `options` are smart. `simulated`: audio comes from
        a file on a simulated clock (the stamps given to `feed`), and the model is asked on
        the feeding thread, its time added to the clock."""
        if options.smart and end_of_turn is None:
            raise ValueError("smart listening needs an end-of-turn model")
        self.options = options
        self._segmenter = UtteranceSegmenter(vad, options.segmenter)
        self._segment_lock = threading.Lock()  # the feed and the model's verdicts share it
        self._simulated = simulated
        self._judge: InlineJudge | WorkerJudge | None = None
        if options.smart and end_of_turn is not None:
            self._judge = InlineJudge(end_of_turn) if simulated else WorkerJudge(end_of_turn)
        self._last_probability: float | None = None  # the model's verdict on the last pause
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

    def close(self) -> None:
        """Stop the end-of-turn model's worker."""
        if self._judge is not None:
            self._judge.close()

    def _now(self) -> float:
        return self._fed_at if self._simulated else time.monotonic()

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
        with self._segment_lock:
            self._fed += chunk.size
            self._fed_at = at
            events = self._segmenter.feed(chunk)
        for event in events:
            if isinstance(event, PauseHeard):
                self._judge_pause(event)
            elif isinstance(event, SpeechStarted):
                started_at = self._time_of(event.start)
                self._on_event(SpeechBegan(started_at=started_at))
                if reply_active and self.options.barge_in and not barged:
                    with self._lock:
                        self._barged = True
                    self._on_barge_in()
                    now = self._now()
                    self._on_event(
                        BargedIn(speech_started_at=started_at, reaction_ms=(now - started_at) * 1e3)
                    )
            elif isinstance(event, Utterance):
                self._heard(event, "max_pause" if self.options.smart else "pause")

    def _judge_pause(self, pause: PauseHeard) -> None:
        if self._judge is None:
            return
        paused_at = self._time_of(pause.position)
        if pause.early:
            self._judge.prepare(pause.samples, pause.speech, paused_at)
            return

        def verdict(probability: float, took_s: float) -> None:
            with self._segment_lock:
                self._last_probability = probability
                utterance = None
                if probability >= COMPLETE:
                    utterance = self._segmenter.end_turn(pause.pause)
            if utterance is not None:
                handed_at = max(self._now(), paused_at + took_s)
                self._heard(utterance, "model", probability, handed_at)

        self._judge.submit(pause.samples, pause.speech, verdict, paused_at)

    def _heard(
        self,
        utterance: Utterance,
        reason: str,
        probability: float | None = None,
        handed_at: float | None = None,
    ) -> None:
        with self._segment_lock:  # the model's thread reads what the microphone's writes
            ended_at = self._time_of(utterance.speech_end)
            now = self._now() if handed_at is None else handed_at
            if probability is None:
                probability = self._last_probability
            self._last_probability = None
        self._on_event(
            UtteranceHeard(
                at=now,
                duration_s=utterance.samples.size / STT_SAMPLE_RATE,
                speech_ended_at=ended_at,
                detection_delay_ms=(now - ended_at) * 1000,
                reason=reason,
            )
        )
        self._on_utterance(
            HeardUtterance(
                utterance.samples, ended_at, utterance.speech(), reason, probability, now
            )
        )

    def fail(self, error: AudioError) -> None:
        with self._segment_lock:
            events = self._segmenter.flush()
        for event in events:  # what was said before the gap is kept
            if isinstance(event, Utterance):
                self._heard(event, "pause")
        self._on_event(Notice(code=error.code, message=error.message, topic="microphone"))

    def resumed(self) -> None:
        self._on_event(
            Notice(code="microphone_back", message="The microphone is back.", topic="microphone")
        )
