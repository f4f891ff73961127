"""Hands-free listening: the voice-activity detector decides when the user starts and stops
talking; talking over the character interrupts it (barge-in).

`HandsFreeListener` is fed microphone audio and told about playback; it calls back with
finished utterances and barge-ins. `HandsFreeTalk` wires it to a microphone and a
`VoicePipeline` for the terminal; the GUI wires the same listener to its worker.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from voicebuddy.audio.echo import EchoGate
from voicebuddy.audio.segmenter import (
    SegmenterOptions,
    SpeechStarted,
    Utterance,
    UtteranceSegmenter,
)
from voicebuddy.audio.types import STT_SAMPLE_RATE, Clip, Samples
from voicebuddy.audio.vad import VoiceActivityDetector
from voicebuddy.config import ListenSettings
from voicebuddy.conversation import Conversation
from voicebuddy.errors import AudioError, VoiceBuddyError
from voicebuddy.pipeline import TurnResult, VoicePipeline
from voicebuddy.wake import strip_wake_phrase

if TYPE_CHECKING:
    from voicebuddy.audio.stream import MicrophoneStream


@dataclass(frozen=True, kw_only=True)
class ListenEvent:
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, kw_only=True)
class SpeechBegan(ListenEvent):
    started_at: float  # when the speech began, by the microphone's clock


@dataclass(frozen=True, kw_only=True)
class UtteranceHeard(ListenEvent):
    duration_s: float
    speech_ended_at: float  # the end of the last speech frame
    detection_delay_ms: float  # from the end of speech to this event


@dataclass(frozen=True, kw_only=True)
class BargedIn(ListenEvent):
    speech_started_at: float
    reaction_ms: float  # from the start of the user's speech to the stop of the reply


@dataclass(frozen=True, kw_only=True)
class ListeningFailed(ListenEvent):
    code: str
    message: str


@dataclass(frozen=True, kw_only=True)
class ListeningResumed(ListenEvent):
    """The microphone is back after a ListeningFailed."""


@dataclass(frozen=True)
class HeardUtterance:
    samples: Samples
    speech_ended_at: float


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
        on_event: Callable[[ListenEvent], None] = lambda _event: None,
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
        self._on_utterance(HeardUtterance(utterance.samples, ended_at))

    def fail(self, error: AudioError) -> None:
        for event in self._segmenter.flush():  # what was said before the gap is kept
            if isinstance(event, Utterance):
                self._heard(event)
        self._on_event(ListeningFailed(code=error.code, message=error.message))

    def resumed(self) -> None:
        self._on_event(ListeningResumed())


class HandsFreeTalk:
    """A hands-free conversation in the terminal (and the tests): microphone → listener →
    one turn at a time on its own thread, with barge-in wired to the pipeline."""

    def __init__(
        self,
        pipeline: VoicePipeline,
        conversation: Conversation,
        vad: VoiceActivityDetector,
        options: ListenOptions,
        *,
        device: int | str | None = None,
        wake_names: list[str] | None = None,
        on_turn: Callable[[TurnResult], None] = lambda _result: None,
        on_error: Callable[[VoiceBuddyError], None] = lambda _error: None,
        on_event: Callable[[ListenEvent], None] = lambda _event: None,
    ) -> None:
        self.pipeline = pipeline
        self.conversation = conversation
        # from the microphone thread to the one thread that runs turns; None ends it
        self._utterances: queue.Queue[HeardUtterance | None] = queue.Queue()
        self.listener = HandsFreeListener(
            vad,
            options,
            on_utterance=self._utterances.put,
            on_barge_in=lambda: pipeline.cancel(barge_in=True),
            on_event=on_event,
        )
        pipeline.playback_monitor = self.listener.playback
        self._wake_names = wake_names
        self._on_turn = on_turn
        self._on_error = on_error
        self._device = device
        self._microphone: MicrophoneStream | None = None
        self._thread = threading.Thread(target=self._run_turns, name="hands-free", daemon=True)

    def start(self) -> None:
        from voicebuddy.audio.stream import MicrophoneStream

        self._microphone = MicrophoneStream(
            self.listener.feed,
            device=self._device,
            on_error=self.listener.fail,
            on_recovered=self.listener.resumed,
        )
        self._microphone.start()
        self._thread.start()

    def stop(self) -> None:
        if self._microphone is not None:
            self._microphone.stop()
        self.pipeline.cancel()
        self._utterances.put(None)
        self._thread.join(timeout=30)

    def _addressed(self, transcript: str) -> str | None:
        assert self._wake_names is not None
        return strip_wake_phrase(transcript, self._wake_names)

    def _run_turns(self) -> None:
        while (utterance := self._utterances.get()) is not None:
            self.listener.reply_started()
            try:
                result = self.pipeline.run_turn(
                    self.conversation,
                    audio=utterance.samples,
                    speech_ended_at=utterance.speech_ended_at,
                    transcript_filter=self._addressed if self._wake_names else None,
                )
            except VoiceBuddyError as error:
                self._on_error(error)
            else:
                self._on_turn(result)
            finally:
                self.listener.reply_ended()
            with contextlib.suppress(VoiceBuddyError):  # the next turn reports it
                self.pipeline.prepare(self.conversation)  # read ahead while the user thinks
