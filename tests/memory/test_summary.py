"""What stands in the prompt for the history a long conversation drops: the memories made
from the dropped messages, in a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from voicebuddy.characters.character import BUNDLED_DIR, find_character
from voicebuddy.config import MemorySettings
from voicebuddy.memory.facts import Fact
from voicebuddy.memory.remembering import Remembering
from voicebuddy.memory.store import MemoryStore
from voicebuddy.messages import Message
from voicebuddy.storage import Store


def test_the_summary_of_dropped_messages_is_what_was_learnt_from_them(tmp_path: Path) -> None:
    store = Store(tmp_path / "voicebuddy.sqlite3")
    rowan = find_character("Rowan", [BUNDLED_DIR])
    remembering = Remembering(MemoryStore(store), MemorySettings())
    conversation = store.create_conversation(rowan.key)
    messages = []
    for text in ("My dog is called Biscuit.", "Hello!", "I live in Leeds.", "I love tea."):
        message = Message("user", text, id=store.add_message(conversation, "user", text))
        remembering.learn(rowan.key, "Ann", message)
        messages.append(message)
    other = store.create_conversation("林晓")  # another character's memory of the same words
    remembering.learn("林晓", "Ann", Message("user", "I live in Leeds.",
                      id=store.add_message(other, "user", "I live in Leeds.")))  # fmt: skip

    assert remembering.summary_of(rowan, messages[:3]) == [
        "Ann lives in Leeds",
        "Ann's dog is called Biscuit",
    ]  # the latest first: a small budget keeps what was said last
    assert remembering.summary_of(rowan, messages[1:2]) == []  # nothing learnt from "Hello!"
    assert remembering.summary_of(rowan, [Message("user", "no id")]) == []
    remembering.settings = MemorySettings(off_for=["Rowan"])
    assert remembering.summary_of(rowan, messages) == []
    store.close()


def test_edited_words_leave_no_trace_in_the_file(tmp_path: Path) -> None:
    store = Store(tmp_path / "voicebuddy.sqlite3")
    memories = MemoryStore(store)
    (kept,) = memories.remember("Rowan", [Fact("Ann's pin is Zanzibar-7781", "pin", "", "")])
    memories.update(kept.id, fact="Ann's pin is secret")
    assert [m.fact for m in memories.memories("Rowan")] == ["Ann's pin is secret"]
    assert memories.search("Rowan", "Zanzibar") == {}
    files = list(tmp_path.glob("voicebuddy.sqlite3*"))
    assert files and not any(b"zanzibar" in f.read_bytes().lower() for f in files)
    store.close()


def test_the_summary_stays_while_memories_are_replaced_and_changes_when_one_is_forgotten(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "voicebuddy.sqlite3")
    rowan = find_character("Rowan", [BUNDLED_DIR])
    remembering = Remembering(MemoryStore(store), MemorySettings())
    conversation = store.create_conversation(rowan.key)

    def say(text: str) -> Message:
        message = Message("user", text, id=store.add_message(conversation, "user", text))
        remembering.learn(rowan.key, "Ann", message)
        return message

    dropped = [say("My favourite book is Emma."), say("I live in Leeds.")]
    before = remembering.summary_of(rowan, dropped)
    assert before == ["Ann lives in Leeds", "Ann's favourite book is Emma"]
    say("My favourite book is Persuasion.")  # replaces the memory made from a dropped message
    assert remembering.summary_of(rowan, dropped) == before  # the prompt's start holds
    # forgetting here or in another process (the window, `voicebuddy memory`) is seen
    MemoryStore(Store(tmp_path / "voicebuddy.sqlite3")).forget(rowan.key, "Leeds")
    assert remembering.summary_of(rowan, dropped) == []
    store.close()
