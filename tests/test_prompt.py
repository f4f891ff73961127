from collections.abc import Sequence

import pytest

from voicebuddy.characters.character import BUNDLED_DIR, Character, find_character
from voicebuddy.characters.prompt import Message, assemble_prompt, system_message
from voicebuddy.errors import VoiceBuddyError

CHAR = Character(
    name="Mira",
    description="{{char}} is an engineer who helps <USER>.",
    personality="curious",
    scenario="A workshop.",
    greeting="Hi {{user}}!",
    example_dialogue="<START>\n{{user}}: hi\n{{char}}: *waves* Hello!\n<START>\n{{user}}: bye",
    system_prompt="You are {{Char}}.",
    post_history_instructions="Stay brief, {{user}}.",
)


def words(messages: Sequence[Message]) -> int:
    """A stand-in token counter: one token per word plus four per message."""
    return sum(len(m.content.split()) + 4 for m in messages)


def test_system_message_expands_macros_and_splits_examples() -> None:
    text = system_message(CHAR, "Ann").content
    assert text.startswith("You are Mira.")
    assert "Mira is an engineer who helps Ann." in text
    assert "Ann: hi\nMira: *waves* Hello!\n\nAnn: bye" in text
    assert "<START>" not in text and "{{" not in text


def history(n: int) -> list[Message]:
    out = [Message("user" if i % 2 == 0 else "assistant", f"message number {i}") for i in range(n)]
    return [*out, Message("user", "the newest question")]


def test_everything_fits_when_there_is_room() -> None:
    prompt = assemble_prompt(CHAR, history(4), "Ann", words, budget=10_000)
    assert prompt.dropped == 0
    assert [m.role for m in prompt.messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "system",
    ]
    assert prompt.messages[-1].content == "Stay brief, Ann."
    assert prompt.tokens == words(prompt.messages)


def test_oldest_history_is_dropped_never_the_definition_or_newest_message() -> None:
    full = assemble_prompt(CHAR, history(40), "Ann", words, budget=10_000)
    budget = full.tokens - 30
    prompt = assemble_prompt(CHAR, history(40), "Ann", words, budget=budget, drop_step=1)
    assert prompt.tokens <= budget
    assert prompt.messages[0] == system_message(CHAR, "Ann")
    assert prompt.messages[-2] == Message("user", "the newest question")
    kept = prompt.messages[1:-2]
    assert kept == history(40)[prompt.dropped : 40]
    # dropping one message fewer would not have fit
    assert (
        words([prompt.messages[0], *history(40)[prompt.dropped - 1 :], prompt.messages[-1]])
        > budget
    )


def test_drop_step_keeps_the_prompt_start_stable_between_turns() -> None:
    starts = []
    for n in range(30, 60, 2):
        h = history(n)
        budget = assemble_prompt(CHAR, history(30), "Ann", words, budget=10_000).tokens
        prompt = assemble_prompt(CHAR, h, "Ann", words, budget=budget, drop_step=8)
        assert prompt.tokens <= budget
        assert prompt.dropped % 8 == 0
        starts.append(prompt.dropped)
    assert starts == sorted(starts)
    assert len(set(starts)) < len(starts)  # several turns share the same start


def test_definition_too_long_for_the_window_is_a_clear_error() -> None:
    with pytest.raises(VoiceBuddyError) as info:
        assemble_prompt(CHAR, history(0), "Ann", words, budget=10)
    assert info.value.code == "prompt_too_long"


def test_bundled_character_is_found_by_name() -> None:
    buddy = find_character("buddy", [BUNDLED_DIR])
    assert buddy.name == "Buddy" and buddy.greeting
    with pytest.raises(VoiceBuddyError) as info:
        find_character("Nobody", [BUNDLED_DIR])
    assert "Buddy" in info.value.message
