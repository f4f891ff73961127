"""Cuts a continuous 16 kHz stream into utterances, using a voice-activity detector.

Pure logic on samples: the microphone, a file or a test feeds it any chunk sizes. Positions are
sample counts since the stream started, so callers turn them into times.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan, VoiceActivityDetector
from voicebuddy.config import ListenSettings


@dataclass(frozen=True)
class SegmenterOptions:
    threshold: float = 0.5  # a frame is speech when its probability reaches this
    pre_roll_ms: int = 300  # audio kept from before the speech started
    end_pause_ms: int = 700  # this much non-speech ends an utterance
    min_speech_ms: int = 250  # speech shorter than this (a click, a cough) is dropped
    start_frames: int = 2  # consecutive speech frames that open an utterance
    max_utterance_s: float = 30.0  # longer speech is cut here (whisper's window)
    short_pause_ms: int = 0  # this much non-speech is a candidate end of turn (0: none)
    recheck_ms: int = 300  # and so is every further this much of the same pause
    # smart: at this much non-speech the judgement's work may start (the transcript), so that
    # it is ready by the short pause
    early_pause_ms: int = 32

    @classmethod
    def from_settings(cls, listen: ListenSettings, smart: bool = False) -> SegmenterOptions:
        """`smart`: an end-of-turn model judges each short pause, and the pause that ends an
        utterance regardless is the longer maximum pause. Otherwise the end pause ends it."""
        return cls(
            threshold=listen.threshold,
            pre_roll_ms=listen.pre_roll_ms,
            end_pause_ms=listen.max_pause_ms if smart else listen.end_pause_ms,
            min_speech_ms=listen.min_speech_ms,
            short_pause_ms=listen.short_pause_ms if smart else 0,
        )


@dataclass(frozen=True)
class SpeechStarted:
    """Speech was confirmed; it began at `start` (samples since the stream began)."""

    start: int
    confirmed: int  # the position at which enough speech frames had been heard


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech with its pre-roll and trailing pause."""

    samples: Samples
    start: int  # position of samples[0]
    speech_end: int  # position just after the last speech frame
    voiced_ms: float  # time in speech frames; noise bursts score low here
    speech_start: int = -1  # position of the first speech frame (-1: not known, the start)

    @property
    def end(self) -> int:
        return self.start + self.samples.size

    def speech(self) -> SpeechSpan:
        """Where the speech is in `samples`."""
        start = max(self.start, self.speech_start)
        return SpeechSpan(
            (start - self.start) / STT_SAMPLE_RATE,
            (self.speech_end - self.start) / STT_SAMPLE_RATE,
            self.voiced_ms / 1000,
        )


@dataclass(frozen=True)
class PauseHeard:
    """The speaker has paused for the short pause (or longer): perhaps the end of their turn.

    `pause` names this pause for `UtteranceSegmenter.end_turn` (the same while the silence
    lasts); `samples` is the utterance so far, pause included."""

    pause: int
    samples: Samples
    position: int  # where the short pause was complete
    speech: SpeechSpan  # where the speech is in `samples`
    early: bool = False  # only `early_pause_ms` of it yet: work may start, not a candidate


SegmentEvent = SpeechStarted | PauseHeard | Utterance


class UtteranceSegmenter:
    def __init__(
        self, vad: VoiceActivityDetector, options: SegmenterOptions = SegmenterOptions()
    ) -> None:
        self.vad = vad
        self.options = options
        self._frame = vad.frame_samples
        frame_ms = self._frame * 1000 / STT_SAMPLE_RATE
        self._pre_roll_frames = max(0, round(options.pre_roll_ms / frame_ms))
        self._end_frames = max(1, round(options.end_pause_ms / frame_ms))
        self._short_frames = round(options.short_pause_ms / frame_ms)
        early = max(1, round(options.early_pause_ms / frame_ms))
        self._early_frames = early if 0 < early < self._short_frames else 0
        self._recheck_frames = max(1, round(options.recheck_ms / frame_ms))
        self._pauses = 0  # pauses heard so far, naming each
        self._min_voiced_frames = max(1, round(options.min_speech_ms / frame_ms))
        self._max_frames = max(1, round(options.max_utterance_s * 1000 / frame_ms))
        self._frame_ms = frame_ms
        self.reset()

    def reset(self) -> None:
        self.vad.reset()
        self._pending = np.zeros(0, dtype=np.float32)
        self._position = 0  # samples consumed into frames
        keep = self._pre_roll_frames + self.options.start_frames
        self._before: deque[Samples] = deque(maxlen=keep)
        self._run = 0  # consecutive speech frames while idle
        self._frames: list[Samples] = []  # the utterance being collected
        self._start = 0
        self._speech_start = 0
        self._voiced = 0
        self._silent = 0
        self._speech_end = 0
        self.last_probability = 0.0

    @property
    def in_speech(self) -> bool:
        return bool(self._frames)

    @property
    def position(self) -> int:
        return self._position

    def current(self) -> Samples:
        """The utterance collected so far (empty when idle), for live transcription."""
        if not self._frames:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self._frames)

    def end_turn(self, pause: int) -> Utterance | None:
        """Close the utterance now, if the speaker is still silent in the pause `pause`
        (`PauseHeard.pause`) and said enough; else None, and listening goes on."""
        if not self._frames or pause != self._pauses or self._silent < self._short_frames:
            return None
        if self._voiced < self._min_voiced_frames:
            return None
        return self._close()

    def feed(self, samples: Samples) -> list[SegmentEvent]:
        events: list[SegmentEvent] = []
        data = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32).ravel()])
        n = self._frame
        whole = data.size // n * n
        for offset in range(0, whole, n):
            event = self._frame_in(data[offset : offset + n])
            if event is not None:
                events.append(event)
        self._pending = data[whole:].copy()
        return events

    def flush(self) -> list[SegmentEvent]:
        """End of stream: close an utterance in progress."""
        if self._frames and self._voiced >= self._min_voiced_frames:
            return [self._close()]
        self._drop()
        return []

    def _frame_in(self, frame: Samples) -> SegmentEvent | None:
        probability = self.vad.speech_probability(frame)
        self.last_probability = probability
        speech = probability >= self.options.threshold
        self._position += frame.size
        if not self._frames:
            self._before.append(frame)
            self._run = self._run + 1 if speech else 0
            if self._run < self.options.start_frames:
                return None
            self._frames = list(self._before)
            self._before.clear()
            self._start = self._position - sum(f.size for f in self._frames)
            self._speech_start = self._position - self.options.start_frames * self._frame
            self._voiced = self._run
            self._silent = 0
            self._speech_end = self._position
            self._run = 0
            return SpeechStarted(
                start=self._position - self.options.start_frames * self._frame,
                confirmed=self._position,
            )
        self._frames.append(frame)
        if speech:
            self._voiced += 1
            self._silent = 0
            self._speech_end = self._position
        else:
            self._silent += 1
            if self._candidate() and self._silent < self._end_frames:
                if self._silent == self._short_frames:
                    self._pauses += 1
                samples = np.concatenate(self._frames)
                return PauseHeard(self._pauses, samples, self._position, self._span())
            if self._silent == self._early_frames and self._voiced >= self._min_voiced_frames:
                samples = np.concatenate(self._frames)
                return PauseHeard(self._pauses + 1, samples, self._position, self._span(), True)
        if self._silent >= self._end_frames or len(self._frames) >= self._max_frames:
            if self._voiced < self._min_voiced_frames:
                self._drop()
                return None
            return self._close()
        return None

    def _span(self) -> SpeechSpan:
        start = max(self._start, self._speech_start)
        return SpeechSpan(
            (start - self._start) / STT_SAMPLE_RATE,
            (self._speech_end - self._start) / STT_SAMPLE_RATE,
            self._voiced * self._frame_ms / 1000,
        )

    def _candidate(self) -> bool:
        """Whether this frame of silence makes the pause a candidate end of turn: at the short
        pause, and again every `recheck_ms` (the model hears more of the pause each time)."""
        beyond = self._silent - self._short_frames
        return (
            self._short_frames > 0
            and beyond >= 0
            and beyond % self._recheck_frames == 0
            and self._voiced >= self._min_voiced_frames
        )

    def _drop(self) -> None:
        """Forget a burst too short to be speech, keeping its tail as the next pre-roll."""
        self._before.extend(self._frames)  # the deque keeps only the newest frames
        self._frames = []

    def _close(self) -> Utterance:
        self._pauses += 1  # a verdict on a pause of this utterance comes too late now
        utterance = Utterance(
            samples=np.concatenate(self._frames),
            start=self._start,
            speech_end=self._speech_end,
            voiced_ms=self._voiced * self._frame_ms,
            speech_start=self._speech_start,
        )
        self._frames = []
        self._voiced = 0
        self._silent = 0
        return utterance
