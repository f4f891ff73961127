"""The wake phrase: "Hey <name>", heard loosely."""

from __future__ import annotations

import pytest

from voicebuddy.wake import strip_wake_phrase


@pytest.mark.parametrize(
    ("transcript", "expected"),
    [
        ("Hey Rowan, what time is it?", "what time is it?"),
        ("hay rowen what time is it", "what time is it"),
        ("Hi, Rowan. Tell me a story.", "Tell me a story."),
        ("Hey Rowan!", "Hey Rowan!"),
        ("Rowan is a nice name.", None),
        ("What time is it?", None),
        ("Hello Robin, hi", None),
        ("嘿，小林，今天天气怎么样？", "今天天气怎么样？"),
        ("你好小林，讲个故事。", "讲个故事。"),
    ],
)
def test_wake_phrase(transcript: str, expected: str | None) -> None:
    assert strip_wake_phrase(transcript, ["Rowan", "小林"]) == expected
