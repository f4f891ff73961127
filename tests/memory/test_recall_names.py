"""The user's name is no clue to what they want recalled: most memories name them."""

from __future__ import annotations

from pathlib import Path

from voicebuddy.config import MemorySettings
from voicebuddy.memory.facts import extract_facts
from voicebuddy.memory.remembering import Remembering
from voicebuddy.memory.store import MemoryStore
from voicebuddy.messages import Message
from voicebuddy.storage import Store


def test_a_greeting_with_the_users_name_recalls_nothing_by_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "voicebuddy.sqlite3")
    remembering = Remembering(MemoryStore(store), MemorySettings())
    for text in ("My dog is called Biscuit.", "I live in Leeds.", "I love tea."):
        remembering.memories.remember("Rowan", extract_facts(text, "Ada"))
    history = [Message("assistant", "Hello, Ada! Lovely to see you."),
               Message("user", "What is my dog called?")]  # fmt: skip
    recalled = [m.fact for m in remembering.recall("Rowan", history, "Ada")]
    assert recalled == ["Ada's dog is called Biscuit"]
    # without the name taken out, "Ada" in the greeting would bring every memory
    assert len(remembering.recall("Rowan", history)) == 3
    store.close()
