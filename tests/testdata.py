"""Where the tests' data is, and how transcripts are scored."""

from __future__ import annotations

from pathlib import Path

from voicebuddy.bench.accuracy import word_error_rate

FIXTURES = Path(__file__).parent / "fixtures"
JFK = FIXTURES / "jfk.wav"
JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)

__all__ = ["FIXTURES", "JFK", "JFK_TEXT", "word_error_rate"]
