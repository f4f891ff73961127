"""What a speech-to-text engine returns: timed segments of text and the language heard."""

from __future__ import annotations

from dataclasses import dataclass, replace

from voicebuddy.text.chinese import convert, is_chinese

_UNSPACED_LANGUAGES = frozenset({"zh", "ja", "yue", "th", "lo", "my", "km", "bo"})


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    text: str
    probability: float = float("nan")  # geometric mean of the token probabilities


@dataclass(frozen=True)
class Transcription:
    segments: tuple[Segment, ...]
    language: str
    loops_caught: int = 0  # whisper decodes that looped (see engines.stt_guard)

    @property
    def text(self) -> str:
        parts = [s.text.strip() for s in self.segments if s.text.strip()]
        return ("" if self.language in _UNSPACED_LANGUAGES else " ").join(parts)


def in_chinese_script(
    transcription: Transcription, script: str, language: str = ""
) -> Transcription:
    """Chinese in `script` ("simplified", "traditional", "as_is"), other languages as they
    are; `language` is what was asked for, when whisper did not say what it heard."""
    if not is_chinese(transcription.language or language):
        return transcription
    segments = tuple(replace(s, text=convert(s.text, script)) for s in transcription.segments)
    return replace(transcription, segments=segments)
