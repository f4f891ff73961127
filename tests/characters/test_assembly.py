import itertools
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import pytest

from voicebuddy.characters.assembly import (
    assemble_prompt,
    greetings,
    post_history_message,
    system_message,
)
from voicebuddy.characters.card import CharacterCard, Lorebook, LoreEntry
from voicebuddy.characters.macros import MacroContext
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.messages import Message

BOOK = Lorebook(
    entries=[
        LoreEntry(
            keys=["workshop"],
            content="The workshop smells of oil.",
            position="before_char",
            insertion_order=1,
        ),
        LoreEntry(keys=[], content="{{char}} never lies.", constant=True, position="after_char"),
        LoreEntry(keys=["dragon"], content="Dragons are extinct.", insertion_order=2),
        LoreEntry(keys=["workshop"], content="Disabled.", enabled=False),
    ]
)
CARD = CharacterCard(
    name="Mirabelle Vance",
    nickname="Mira",
    description="{{char}} is an engineer who helps <USER>.",
    personality="curious",
    scenario="A workshop at {{time}}.",
    first_mes="Hi {{user}}!",
    alternate_greetings=["Hello again, {{user}}.", "  "],
    mes_example="<START>\n{{user}}: hi\n{{char}}: *waves* Hello!\n<start>\n{{user}}: bye\n",
    system_prompt="{{original}} Be warm, {{user}}.{{// a note for editors}}",
    post_history_instructions="Stay brief, {{user}}. {{original}}",
    creator_notes="Never in the prompt.",
    tags=["never in the prompt"],
    character_book=BOOK,
)
CTX = MacroContext("Mira", "Ann", datetime(2024, 9, 28, 15, 7), 1, random.Random(0))

EXPECTED_DEFINITION = """\
You are Mira. Stay in character. Be warm, Ann.

The workshop smells of oil.

Mira is an engineer who helps Ann.

Mira's personality: curious

Scenario: A workshop at 3:07 PM.

Mira never lies.

Example dialogue:
Ann: hi
Mira: *waves* Hello!

Ann: bye"""
EXAMPLES = "Example dialogue:\nAnn: hi\nMira: *waves* Hello!\n\nAnn: bye"


def words(messages: Sequence[Message]) -> int:
    """A stand-in token counter: one token per word plus four per message."""
    return sum(len(m.content.split()) + 4 for m in messages)


def history(n: int, newest: str = "the newest question") -> list[Message]:
    out = [Message("user" if i % 2 == 0 else "assistant", f"message number {i}") for i in range(n)]
    return [*out, Message("user", newest)]


def test_the_whole_prompt_for_a_card_with_every_field() -> None:
    prompt = assemble_prompt(CARD, history(2, "show me the workshop"), CTX, words, budget=10_000)
    assert prompt.messages == [
        Message("system", EXPECTED_DEFINITION),
        Message("user", "message number 0"),
        Message("assistant", "message number 1"),
        Message("user", "show me the workshop"),
        Message("system", "Stay brief, Ann."),
    ]
    assert prompt.tokens == words(prompt.messages)
    assert prompt.dropped == 0


def test_lorebook_entries_follow_the_conversation() -> None:
    prompt = assemble_prompt(CARD, history(2, "any dragons?"), CTX, words, budget=10_000)
    definition = prompt.messages[0].content
    assert "The workshop smells of oil." not in definition
    # Entries on the same side are one block, a line each, as SillyTavern joins them.
    assert definition.endswith("Mira never lies.\nDragons are extinct.\n\n" + EXAMPLES)


def test_a_minimal_card_uses_the_global_system_prompt() -> None:
    card = CharacterCard(name="Bo")
    ctx = replace(CTX, char="Bo")
    prompt = assemble_prompt(card, history(0), ctx, words, budget=1000)
    assert prompt.messages == [
        Message("system", "You are Bo. Stay in character."),
        Message("user", "the newest question"),
    ]
    custom = assemble_prompt(
        card, history(0), ctx, words, 1000, global_system_prompt="Be {{char}}."
    )
    assert custom.messages[0].content == "Be Bo."


def test_original_is_the_global_prompt_and_blank_card_prompts_fall_back() -> None:
    card = CharacterCard(name="Bo", system_prompt="Start. {{ORIGINAL}} End.")
    assert system_message(card, CTX, None, "Global.").content == "Start. Global. End."
    blank = CharacterCard(name="Bo", system_prompt="  \n")
    assert system_message(blank, CTX, None, "Global.").content == "Global."


def test_post_history_instructions() -> None:
    assert post_history_message(CARD, CTX) == Message("system", "Stay brief, Ann.")
    assert post_history_message(CARD, CTX, "Be short.") == Message(
        "system", "Stay brief, Ann. Be short."
    )
    plain = CharacterCard(name="Bo")
    assert post_history_message(plain, CTX) is None
    assert post_history_message(plain, CTX, "Be short, {{user}}.") == Message(
        "system", "Be short, Ann."
    )


def test_greetings_are_the_first_message_then_the_alternates() -> None:
    assert greetings(CARD) == ["Hi {{user}}!", "Hello again, {{user}}."]
    assert greetings(CharacterCard(name="Bo")) == []


def test_oldest_history_is_dropped_never_the_definition_or_newest_message() -> None:
    full = assemble_prompt(CARD, history(40), CTX, words, budget=10_000)
    budget = full.tokens - 30
    prompt = assemble_prompt(CARD, history(40), CTX, words, budget=budget, drop_step=1, refill=1.0)
    assert prompt.tokens <= budget
    assert prompt.messages[0] == full.messages[0]
    assert prompt.messages[-2] == Message("user", "the newest question")
    assert prompt.messages[-1] == Message("system", "Stay brief, Ann.")
    assert prompt.messages[1:-2] == history(40)[prompt.dropped : 40]
    # dropping one message fewer would not have fit
    one_more = [prompt.messages[0], *history(40)[prompt.dropped - 1 :], prompt.messages[-1]]
    assert words(one_more) > budget


def test_drop_step_keeps_the_prompt_start_stable_between_turns() -> None:
    budget = assemble_prompt(CARD, history(30), CTX, words, budget=10_000).tokens
    starts = []
    for n in range(30, 60, 2):
        prompt = assemble_prompt(CARD, history(n), CTX, words, budget=budget, drop_step=8)
        assert prompt.tokens <= budget
        assert prompt.dropped % 8 == 0
        assert prompt.messages[-2] == Message("user", "the newest question")
        starts.append(prompt.dropped)
    assert starts == sorted(starts)
    assert len(set(starts)) < len(starts)  # several turns share the same start


def test_only_the_definition_and_newest_message_when_nothing_else_fits() -> None:
    minimum = assemble_prompt(CARD, history(0), CTX, words, budget=10_000).tokens
    prompt = assemble_prompt(CARD, history(40), CTX, words, budget=minimum, drop_step=8)
    assert prompt.dropped == 40
    assert [m.role for m in prompt.messages] == ["system", "user", "system"]
    assert prompt.tokens == minimum


def test_definition_too_long_for_the_window_is_a_clear_error() -> None:
    with pytest.raises(VoiceBuddyError) as info:
        assemble_prompt(CARD, history(0), CTX, words, budget=10)
    assert info.value.code == "prompt_too_long"
    with pytest.raises(ValueError):
        assemble_prompt(CARD, [Message("assistant", "hi")], CTX, words, budget=1000)


def test_the_lorebook_is_scanned_against_the_history_that_is_kept() -> None:
    book = Lorebook(entries=[LoreEntry(keys=["dragon"], content="Dragons are extinct.")])
    card = replace(CARD, character_book=replace(book, scan_depth=100))
    chat = [Message("user", "a dragon appeared"), *history(30)[:-1], Message("user", "and now?")]
    roomy = assemble_prompt(card, chat, CTX, words, budget=10_000)
    assert "Dragons are extinct." in roomy.messages[0].content
    tight = assemble_prompt(card, chat, CTX, words, budget=roomy.tokens - 10, drop_step=4)
    assert tight.dropped >= 1
    assert "Dragons are extinct." not in tight.messages[0].content
    assert tight.tokens <= roomy.tokens - 10


def test_lore_takes_at_most_a_quarter_of_the_budget() -> None:
    entries = [LoreEntry(keys=[], content=f"fact {i} " * 10, constant=True) for i in range(50)]
    card = CharacterCard(name="Bo", character_book=Lorebook(entries=entries))
    prompt = assemble_prompt(card, history(0), CTX, words, budget=400)
    lore_words = prompt.messages[0].content.count("fact")
    assert 0 < lore_words * 2 <= 100  # 20 words an entry, 25% of 400 tokens


def test_the_start_is_kept_while_it_fits_then_a_big_drop_makes_room_for_many_turns() -> None:
    budget = assemble_prompt(CARD, history(30), CTX, words, budget=10_000).tokens
    start, starts = 0, []
    for n in range(30, 150, 2):  # a long conversation, two messages per turn
        prompt = assemble_prompt(CARD, history(n), CTX, words, budget=budget, keep_from=start)
        assert prompt.tokens <= budget
        assert prompt.messages[-2] == Message("user", "the newest question")
        if prompt.dropped != start:  # a drop: down to the refill mark, in whole steps
            assert prompt.tokens <= budget * 0.6 and prompt.dropped % 8 == 0
        start = prompt.dropped
        starts.append(start)
    changes = sum(1 for a, b in itertools.pairwise(starts) if a != b)
    assert 1 <= changes <= len(starts) // 6  # the prompt cache is rebuilt rarely


def test_memories_go_just_before_the_newest_message_within_their_budget() -> None:
    history = [Message("assistant", "Hi Ann!"), Message("user", "What's my dog called?")]
    memories = ["Ann's dog is called Biscuit", "Ann lives in Leeds", "Ann loves tea " * 20]
    prompt = assemble_prompt(CARD, history, CTX, words, 10_000, memories=memories,
                             memory_budget=30)  # fmt: skip
    roles = [m.role for m in prompt.messages]
    assert roles == ["system", "assistant", "system", "user", "system"]
    note = prompt.messages[2].content
    assert note.startswith("What Mira remembers about Ann from earlier conversations:")
    assert "- Ann's dog is called Biscuit\n- Ann lives in Leeds" in note
    assert "tea" not in note  # over the budget: left out
    without = assemble_prompt(CARD, history, CTX, words, 10_000)
    # everything before the note is what the model has read already: its cache serves it
    assert prompt.messages[:2] == without.messages[:2]


def test_memories_give_way_before_the_definition_or_the_newest_message() -> None:
    history = [Message("user", "What's my dog called?")]
    needed = assemble_prompt(CARD, history, CTX, words, 10_000).tokens
    prompt = assemble_prompt(CARD, history, CTX, words, needed, memories=["Ann's dog is Rex"],
                             memory_budget=50)  # fmt: skip
    assert "Rex" not in "".join(m.content for m in prompt.messages)
    assert prompt.messages[-2].content == "What's my dog called?"


def test_dropped_history_is_summed_up_after_the_definition_and_stays_while_the_start_does() -> None:
    budget = assemble_prompt(CARD, history(30), CTX, words, budget=10_000).tokens
    asked: list[int] = []

    def summarize(dropped: Sequence[Message]) -> list[str]:
        asked.append(len(dropped))
        return [f"Ann said {len(dropped)} things", "Ann's dog is called Biscuit"]

    start, seen = 0, []
    for n in range(30, 90, 2):
        prompt = assemble_prompt(CARD, history(n), CTX, words, budget=budget, keep_from=start,
                                 summarize=summarize, summary_budget=60)  # fmt: skip
        assert prompt.tokens <= budget
        assert prompt.messages[-2] == Message("user", "the newest question")
        if prompt.dropped:
            summary = prompt.messages[1]
            assert summary.role == "system"
            assert summary.content.startswith("Earlier in this conversation")
            assert f"- Ann said {prompt.dropped} things" in summary.content
            seen.append((prompt.dropped, summary.content))
        else:
            assert "Earlier in this conversation" not in prompt.messages[1].content
        start = prompt.dropped
    assert seen, "the history was never dropped: the test proves nothing"
    # the same start, the same summary: the model's cache of it holds between drops
    by_start = {}
    for dropped, content in seen:
        assert by_start.setdefault(dropped, content) == content
    assert 0 not in asked  # nothing dropped, nothing to sum up


def test_a_recalled_memory_in_the_summary_is_not_said_twice() -> None:
    older = [Message("user", f"old message {i}") for i in range(40)]
    newest = Message("user", "What's my dog called?")
    prompt = assemble_prompt(
        CARD, [*older, newest], CTX, words, budget=120, memories=["Ann's dog is Rex", "Ann is 30"],
        memory_budget=40, summarize=lambda dropped: ["Ann's dog is Rex"], summary_budget=40,
    )  # fmt: skip
    text = [m.content for m in prompt.messages]
    assert prompt.dropped > 0
    assert sum(t.count("Ann's dog is Rex") for t in text) == 1
    assert "Ann is 30" in text[-3]  # the memories note, just before the newest message


def test_the_summary_gives_way_first_then_the_memories() -> None:
    newest = [Message("user", "What's my dog called?")]
    needed = assemble_prompt(CARD, newest, CTX, words, 10_000).tokens
    older = [Message("user", "old words")]
    with_memory = assemble_prompt(CARD, newest, CTX, words, 10_000, memories=["Ann's dog is Rex"],
                                  memory_budget=50).tokens  # fmt: skip
    prompt = assemble_prompt(
        CARD, [*older, *newest], CTX, words, with_memory, memories=["Ann's dog is Rex"],
        memory_budget=50, summarize=lambda dropped: ["Ann once said old words"],
        summary_budget=50,
    )  # fmt: skip
    text = "".join(m.content for m in prompt.messages)
    assert "Rex" in text and "Ann once said" not in text
    prompt = assemble_prompt(
        CARD, [*older, *newest], CTX, words, needed, memories=["Ann's dog is Rex"],
        memory_budget=50, summarize=lambda dropped: ["Ann once said old words"],
        summary_budget=50,
    )  # fmt: skip
    text = "".join(m.content for m in prompt.messages)
    assert "Rex" not in text and "Ann once said" not in text
    assert prompt.messages[-2].content == "What's my dog called?"
