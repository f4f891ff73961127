"""A whisper that says what a test scripts, one text per call."""

from __future__ import annotations

from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.engines.transcription import Segment, Transcription

R = STT_SAMPLE_RATE


class ScriptedSTT:
    """Says the next of `texts` for each call, and records (seconds heard, prompt)."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.calls: list[tuple[float, str | None]] = []

    @property
    def multilingual(self) -> bool:
        return False

    def transcribe(self, samples: Samples, language: str | None = None) -> Transcription:
        return self.transcribe_with(samples, language)

    def transcribe_with(
        self,
        samples: Samples,
        language: str | None = None,
        *,
        prompt: str | None = None,
        trim_window: bool | None = None,
        min_window_s: float = 0.0,
        speech: SpeechSpan | None = None,
    ) -> Transcription:
        self.calls.append((round(samples.size / R, 2), prompt))
        text = self.texts.pop(0)
        return Transcription((Segment(0.0, samples.size / R, text),), "en")
