"""The model's memory writing after turns (voicebuddy/memory/writer.py), with a stand-in for
the model and a real SQLite file: its facts take the place of the patterns', its summary of
dropped history stands in the prompt from the next drop on, and forgetting reaches it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from voicebuddy.characters.character import BUNDLED_DIR, Character, find_character
from voicebuddy.config import MemorySettings
from voicebuddy.memory.facts import Fact
from voicebuddy.memory.remembering import Remembering
from voicebuddy.memory.store import FORGOTTEN, MemoryStore
from voicebuddy.memory.writer import MemoryWriter
from voicebuddy.messages import Message
from voicebuddy.storage import Store

MODEL = Path("/models/a-capable-model.gguf")
Setup = tuple[Store, Remembering, "StandInNotes", Character]


class StandInNotes:
    """Writes what a capable model would, and records what it was asked."""

    def __init__(self) -> None:
        self.summaries: list[tuple[str, list[str]]] = []

    def facts(self, user_name: str, text: str) -> list[Fact]:
        if "Biscuit" in text:
            return [Fact(f"{user_name} has a beagle called Biscuit", "about: dog", "", "Biscuit")]
        return []

    def summary(
        self, user_name: str, character_name: str, previous: str, messages: Sequence[Message]
    ) -> str:
        self.summaries.append((previous, [m.content for m in messages]))
        said = " ".join(m.content for m in messages if m.role == "user")
        return f"{previous} {user_name} said: {said}".strip()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    store = Store(tmp_path / "voicebuddy.sqlite3")
    notes = StandInNotes()
    opened: list[Path] = []

    def open_notes(model: Path) -> StandInNotes:
        opened.append(model)
        return notes

    memories = MemoryStore(store)
    writer = MemoryWriter(memories, open_notes)
    remembering = Remembering(memories, MemorySettings(model_writes="always"), writer)
    yield store, remembering, notes, find_character("Rowan", [BUNDLED_DIR])
    writer.close()
    store.close()
    assert opened in ([], [MODEL])  # opened once, on the first job


def test_the_models_facts_take_the_place_of_the_patterns(setup: Setup) -> None:
    store, remembering, _, rowan = setup
    conversation = store.create_conversation(rowan.key)
    text = "My dog is called Biscuit."
    message = Message("user", text, id=store.add_message(conversation, "user", text))
    kept = remembering.learn(rowan.key, "Ann", message, MODEL)
    assert [m.fact for m in kept] == ["Ann's dog is called Biscuit"]  # the patterns, at once
    assert remembering.writer is not None and remembering.writer.wait(10)
    assert [m.fact for m in remembering.memories.memories(rowan.key)] == [
        "Ann has a beagle called Biscuit"
    ]
    remembering.learn(rowan.key, "Ann", Message("user", "Forget Biscuit.", id=None), MODEL)
    assert remembering.memories.memories(rowan.key) == []


def test_the_small_model_writes_nothing_and_never_is_never(setup: Setup) -> None:
    remembering = setup[1]
    remembering.settings = MemorySettings(model_writes="auto")
    from voicebuddy.models.defaults import default_llm_path

    assert remembering.writing_model(default_llm_path()) is None  # 135M: patterns only
    remembering.settings = MemorySettings(model_writes="never")
    assert remembering.writing_model(MODEL) is None
    assert remembering.writing_model(None) is None


def test_a_summary_written_after_a_drop_stands_in_the_prompt_from_the_next_drop(
    setup: Setup,
) -> None:
    store, remembering, notes, rowan = setup
    conversation = store.create_conversation(rowan.key)
    messages = []
    for i in range(12):
        role = "user" if i % 2 == 0 else "assistant"
        text = "I live in Leeds." if i == 4 else f"message {i}"
        messages.append(Message(role, text, id=store.add_message(conversation, role, text)))
    remembering.learn(rowan.key, "Ann", messages[4])  # a pattern memory: Ann lives in Leeds

    first_drop = messages[:6]
    assert remembering.summary_of(rowan, first_drop) == ["Ann lives in Leeds"]
    remembering.sum_up(rowan, "Ann", first_drop, MODEL)
    assert remembering.writer is not None and remembering.writer.wait(10)
    written = "Ann said: message 0 message 2 I live in Leeds."
    # Until the next drop the prompt's start stays as it was: the model's cache holds.
    assert remembering.summary_of(rowan, first_drop) == ["Ann lives in Leeds"]
    remembering.sum_up(rowan, "Ann", first_drop, MODEL)  # written already: not again
    remembering.writer.wait(10)
    assert len(notes.summaries) == 1

    second_drop = messages[:10]
    assert remembering.summary_of(rowan, second_drop) == [written]
    remembering.sum_up(rowan, "Ann", second_drop, MODEL)
    remembering.writer.wait(10)
    assert notes.summaries[-1] == (written, ["message 6", "message 7", "message 8", "message 9"])

    remembering.memories.forget(rowan.key, "Leeds")  # forgetting reaches the summaries
    summary = remembering.summary_of(rowan, messages[:12])[0]
    assert "Leeds" not in summary and FORGOTTEN in summary
