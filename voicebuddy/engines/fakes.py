"""Deterministic stand-ins for the engines, for tests and demos without models."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import numpy as np

from voicebuddy.audio.types import STT_SAMPLE_RATE, Clip, Samples
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.engines.llm import ReplyStats, Sampling
from voicebuddy.engines.transcription import Segment, Transcription
from voicebuddy.engines.tts import Voice
from voicebuddy.messages import Message


class FakeTTS:
    """A TextToSpeech that "speaks" a beep: `seconds_per_char` of audio per character.

    Each clip is silence with a 440 Hz beep in its middle, so it is non-silent and its length
    depends only on the text. Calls are recorded in `calls`; set `error` to make
    `synthesize` raise it.
    """

    def __init__(
        self,
        sample_rate: int = 16_000,
        seconds_per_char: float = 0.02,
        min_seconds: float = 0.1,
    ) -> None:
        self.sample_rate = sample_rate
        self.seconds_per_char = seconds_per_char
        self.min_seconds = min_seconds
        self.calls: list[str] = []
        self.error: Exception | None = None
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> Clip:
        with self._lock:
            self.calls.append(text)
        if self.error is not None:
            raise self.error
        if not text.strip():
            return Clip(np.zeros(0, dtype=np.float32), self.sample_rate)
        seconds = max(self.min_seconds, len(text) * self.seconds_per_char)
        n = round(seconds * self.sample_rate)
        samples = np.zeros(n, dtype=np.float32)
        beep = n // 2
        start = (n - beep) // 2
        t = np.arange(beep, dtype=np.float32) / self.sample_rate
        samples[start : start + beep] = 0.5 * np.sin(2 * np.pi * 440.0 * t)
        return Clip(samples, self.sample_rate)

    def voices(self) -> list[Voice]:
        return [Voice(id="fake", name="Fake beep voice", languages=("en",))]

    @property
    def voice_id(self) -> str:
        return "fake"


class FakeSTT:
    """A SpeechToText that returns `text` for any audio with sound in it, "" for silence."""

    def __init__(self, text: str = "hello there", language: str = "en") -> None:
        self.text = text
        self.language = language
        self.calls: list[int] = []  # sample counts

    @property
    def multilingual(self) -> bool:
        return True

    def transcribe(self, samples: Samples, language: str | None = None) -> Transcription:
        self.calls.append(int(samples.size))
        if samples.size == 0 or float(np.max(np.abs(samples))) < 1e-3:
            return Transcription((), language or self.language)
        segment = Segment(0.0, samples.size / STT_SAMPLE_RATE, self.text)
        return Transcription((segment,), language or self.language)


class FakeChat:
    """A ChatModel that streams `reply` in pieces of `piece_chars` characters.

    Counts one token per whitespace-separated word plus four per message, and records the
    prompts it was given. `cancel` is honoured between pieces; `delay_s` slows each piece.
    """

    def __init__(
        self,
        reply: str = "Hello! How are you today? 我很好。",
        context_size: int = 2048,
        piece_chars: int = 3,
        delay_s: float = 0.0,
    ) -> None:
        self.reply = reply
        self._context_size = context_size
        self.piece_chars = piece_chars
        self.delay_s = delay_s
        self.prompts: list[list[Message]] = []
        self.prepared: list[list[Message]] = []
        self.judged: list[str] = []  # the texts ending_probability was asked about
        self.endings = {"you", "today", "tonight"}
        self._stats = ReplyStats()

    @property
    def name(self) -> str:
        return "fake-chat"

    @property
    def context_size(self) -> int:
        return self._context_size

    @property
    def last_stats(self) -> ReplyStats:
        return self._stats

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return sum(len(m.content.split()) + 4 for m in messages)

    def prepare(self, messages: Sequence[Message], user_index: int) -> int:
        self.prepared.append(list(messages[:user_index]))
        return sum(len(m.content.split()) + 4 for m in messages[:user_index])

    def ending_probability(self, messages: Sequence[Message], user_index: int) -> float:
        """High when the text ends with a word of `ENDINGS` or a sentence mark, else low."""
        text = messages[user_index].content.rstrip()
        self.judged.append(text)
        last = text.split()[-1].lower() if text.split() else ""
        return 0.9 if text.endswith((".", "?", "!")) or last in self.endings else 0.001

    def stream_reply(
        self,
        messages: Sequence[Message],
        sampling: Sampling,
        stop: Sequence[str] = (),
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        self.prompts.append(list(messages))
        self._stats = ReplyStats(prompt_tokens=self.count_tokens(messages))
        for i in range(0, len(self.reply), self.piece_chars):
            if cancel is not None and cancel.is_set():
                return
            if self.delay_s:
                time.sleep(self.delay_s)
            self._stats.completion_tokens += 1
            yield self.reply[i : i + self.piece_chars]


class FakeEndOfTurn:
    """An end-of-turn model that gives `probabilities` in turn (the last one ever after), and
    records the length of each utterance it was asked about."""

    def __init__(self, *probabilities: float) -> None:
        self.probabilities = list(probabilities) or [0.9]
        self.asked: list[int] = []

    def probability(self, samples: Samples, speech: SpeechSpan | None = None) -> float:
        self.asked.append(int(np.asarray(samples).size))
        if len(self.probabilities) > 1:
            return self.probabilities.pop(0)
        return self.probabilities[0]
