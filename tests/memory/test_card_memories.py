"""Memories in character cards: written only when asked, never leaked from an imported card,
read from an untrusted card without ever failing on what it holds there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.card_files import read_card
from voicebuddy.characters.character import Character
from voicebuddy.characters.library import card_with_memories, export_card
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.memory.cards import (
    MAX_CARD_MEMORIES,
    CardMemory,
    add_to_store,
    card_memories,
    for_card,
)
from voicebuddy.memory.facts import Fact
from voicebuddy.memory.store import MemoryStore
from voicebuddy.storage import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "voicebuddy.sqlite3")
    yield opened
    opened.close()


def vega(**voicebuddy: object) -> CharacterCard:
    return CharacterCard(
        name="Vega",
        description="A pilot.",
        extensions={"voicebuddy": {"voice": "en-gb", "model": "smollm2", **voicebuddy},
                    "other_tool": {"x": 1}},
    )  # fmt: skip


def test_an_export_carries_memories_only_when_given_them(tmp_path: Path) -> None:
    shared = [{"fact": "Ann's dog is called Biscuit", "pinned": True}]
    carried = Character(vega(memories=[{"fact": "someone else's secret", "pinned": False}]))
    for suffix in (".json", ".png"):
        plain, with_them = tmp_path / f"plain{suffix}", tmp_path / f"with{suffix}"
        export_card(carried, plain)
        export_card(carried, with_them, shared)
        assert read_card(plain).card.extensions == {
            "voicebuddy": {"voice": "en-gb", "model": "smollm2"}, "other_tool": {"x": 1}
        }  # fmt: skip
        assert read_card(with_them).card.extensions == {
            "voicebuddy": {"voice": "en-gb", "model": "smollm2", "memories": shared},
            "other_tool": {"x": 1},
        }
    assert b"secret" not in (tmp_path / "plain.json").read_bytes()
    document = json.loads((tmp_path / "with.json").read_text())
    assert document["data"]["extensions"]["voicebuddy"]["memories"] == shared
    # the character's own card is not changed by either
    assert carried.card.voicebuddy["memories"] == [{"fact": "someone else's secret",
                                                    "pinned": False}]  # fmt: skip


def test_stripping_memories_keeps_everything_else() -> None:
    only_memories = CharacterCard(name="A", extensions={"voicebuddy": {"memories": []}, "z": 1})
    assert card_with_memories(only_memories, None).extensions == {"z": 1}
    plain = vega()
    assert card_with_memories(plain, None) is plain
    odd = CharacterCard(name="B", extensions={"voicebuddy": "not ours"})
    assert card_with_memories(odd, None).extensions == {"voicebuddy": "not ours"}
    with pytest.raises(VoiceBuddyError) as info:
        card_with_memories(odd, [{"fact": "x", "pinned": False}])
    assert info.value.code == "card_invalid"
    added = card_with_memories(CharacterCard(name="C"), [])
    assert added.extensions == {"voicebuddy": {"memories": []}}


@pytest.mark.parametrize(
    ("memories", "facts", "notes"),
    [
        ("my secret", [], ["extensions.voicebuddy.memories is a text, not a list."]),
        ({"fact": "x"}, [], ["extensions.voicebuddy.memories is an object, not a list."]),
        (None, [], []),
        (
            ["a plain fact", {"fact": "  spread\n over\tlines "},
             {"fact": "pinned", "pinned": True}],
            [("a plain fact", False), ("spread over lines", False), ("pinned", True)],
            [],
        ),
        (
            [7, {"fact": 5}, {"pinned": True}, {"fact": "   "}, None, ["x"],
             {"fact": "kept", "pinned": "yes"}, {"fact": "y" * 1001}],
            [("kept", False)],
            ["memory 1 is a number, not an object; left out.",
             "memory 2 has no fact; left out.",
             "memory 3 has no fact; left out.",
             "memory 4 has no fact; left out.",
             "memory 5 is null, not an object; left out.",
             "and 3 more like these."],
        ),
    ],
)  # fmt: skip
def test_what_a_card_carries_is_read_leniently(
    memories: object, facts: list[tuple[str, bool]], notes: list[str]
) -> None:
    card = vega() if memories is None else vega(memories=memories)
    found = card_memories(card)
    assert [(m.fact, m.pinned) for m in found.memories] == facts
    assert found.notes == notes


def test_a_card_with_too_many_memories_is_read_up_to_the_limit() -> None:
    found = card_memories(vega(memories=[f"fact {i}" for i in range(MAX_CARD_MEMORIES + 5)]))
    assert len(found.memories) == MAX_CARD_MEMORIES
    assert found.notes == [f"only the first {MAX_CARD_MEMORIES} of 1005 memories were read."]


def test_a_cards_memories_are_added_in_order_and_never_change_yours(store: Store) -> None:
    memories = MemoryStore(store)
    conversation = store.create_conversation("Vega")
    message = store.add_message(conversation, "user", "I live in Leeds.")
    (mine,) = memories.remember("Vega", [Fact("Ann lives in Leeds", "lives in", "I live in Leeds",
                                              "Leeds")], message_id=message)  # fmt: skip
    found = [
        CardMemory("Ann has a sister", pinned=True),  # newest first, as exported
        CardMemory("Ann lives in Leeds"),  # already remembered: left alone
        CardMemory("Ann likes tea"),
        CardMemory("Ann likes tea"),
    ]
    assert add_to_store(memories, "Vega", found) == 2
    kept = memories.memories("Vega")
    assert [(m.fact, m.pinned) for m in kept] == [
        ("Ann has a sister", True), ("Ann likes tea", False), ("Ann lives in Leeds", False)
    ]  # fmt: skip
    assert next(m for m in kept if m.id == mine.id) == mine  # its message and key unchanged
    assert all(m.conversation_id is None and m.message_id is None for m in kept[:2])
    assert add_to_store(memories, "Vega", found) == 0
    assert for_card(memories.memories("Vega"))[0] == {"fact": "Ann has a sister", "pinned": True}
    assert memories.memories("Lena") == []
