"""A turn's transcript is tidied before the character reads it."""

from __future__ import annotations

import pytest

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.character import Character
from voicebuddy.conversation import Conversation
from voicebuddy.engines.fakes import FakeChat, FakeSTT
from voicebuddy.pipeline import Audio, PipelineOptions, TurnRequest, VoicePipeline
from voicebuddy.text.transcript import collapse_repeats, tidy_transcript


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        ("And so my fellow Americans. And so my fellow Americans.", "And so my fellow Americans."),
        ("and so my fellow Americans, and so, my fellow Americans", None),
        ("Hello there. How are you?", "Hello there. How are you?"),
        ("Stop! stop! Please.", "Stop! Please."),
        ("你好。你好。今天天气怎么样？", "你好。今天天气怎么样？"),
    ],
)
def test_collapse_repeats(heard: str, kept: str | None) -> None:
    assert collapse_repeats(heard) == (heard if kept is None else kept)


def test_chinese_is_written_in_the_chosen_script() -> None:
    assert tidy_transcript("我們今天去哪裡？", "zh", "simplified") == "我们今天去哪里？"
    assert tidy_transcript("我们今天去哪里？", "zh", "traditional") == "我們今天去哪裏？"
    assert tidy_transcript("我們今天去哪裡？", "zh", "as_is") == "我們今天去哪裡？"
    assert tidy_transcript("我們", "ja", "simplified") == "我們"  # Japanese kanji stay


def test_the_pipeline_answers_the_tidied_transcript() -> None:
    import numpy as np

    chat = FakeChat("好的。")
    pipeline = VoicePipeline(
        FakeSTT("我們去哪裡？我們去哪裡？", language="zh"),
        chat,
        None,
        PipelineOptions(chinese_script="simplified"),
    )
    conversation = Conversation.start(Character(CharacterCard(name="林晓")), "Ann")
    audio = (0.2 * np.sin(np.arange(16_000) / 5)).astype(np.float32)
    result = pipeline.run_turn(conversation, TurnRequest(1, Audio(audio)))
    assert result.transcript == "我们去哪里？"
    assert conversation.messages[-2].content == "我们去哪里？"
