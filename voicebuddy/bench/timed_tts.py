"""A TextToSpeech that notes when each synthesis starts and ends, for the turn breakdown."""

from __future__ import annotations

import threading
import time

from voicebuddy.audio.types import Clip
from voicebuddy.config import Paths
from voicebuddy.engines.tts import TextToSpeech, Voice
from voicebuddy.engines.voices import VoiceRequest
from voicebuddy.runtime.engines import load_text_to_speech


class TimedTTS:
    def __init__(self, engine: TextToSpeech) -> None:
        self.engine = engine
        self._calls: list[tuple[float, float]] = []  # (start, end), time.monotonic()
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> Clip:
        start = time.monotonic()
        clip = self.engine.synthesize(text)
        end = time.monotonic()
        with self._lock:
            self._calls.append((start, end))
        return clip

    def voices(self) -> list[Voice]:
        return self.engine.voices()

    @property
    def voice_id(self) -> str:
        return self.engine.voice_id

    def calls_since(self, since: float) -> list[tuple[float, float]]:
        with self._lock:
            return [call for call in self._calls if call[0] >= since]


def load_timed_tts(request: VoiceRequest, paths: Paths) -> TextToSpeech:
    """The app's own loader, wrapped (an `EngineLoaders.tts`)."""
    return TimedTTS(load_text_to_speech(request, paths))
