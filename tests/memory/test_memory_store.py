"""Memories in a real SQLite file: kept, replaced by newer facts, recalled by the user's
words (English and Chinese), kept apart per character, and forgotten for good."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from voicebuddy.config import MemorySettings
from voicebuddy.memory.facts import extract_facts
from voicebuddy.memory.remembering import Remembering
from voicebuddy.memory.store import FORGOTTEN, MemoryStore
from voicebuddy.messages import Message
from voicebuddy.storage import Store

# 30 things a user says (no two about the same thing: a newer fact would replace an older),
# and for each a question whose answer is in it (what the answer's memory must contain).
FACTS_AND_QUESTIONS = [
    ("My dog is called Biscuit.", "What's my dog called?", "Biscuit"),
    ("I live in Leeds.", "Where do I live?", "Leeds"),
    ("My sister's name is Mia.", "What's my sister's name?", "Mia"),
    ("I love hiking in the mountains.", "What do I love doing at weekends?", "hiking"),
    ("I work as a nurse at St James hospital.", "Where do I work?", "nurse"),
    ("I'm 34 years old.", "How old am I?", "34"),
    ("My favourite colour is green.", "What's my favourite colour?", "green"),
    ("I have a cat named Tom.", "What is my cat's name?", "Tom"),
    ("I'm from Spain.", "Where am I from originally?", "Spain"),
    ("My birthday is in May.", "When is my birthday?", "May"),
    ("I hate mushrooms.", "Which food do I hate?", "mushrooms"),
    ("I'm going to Paris next week.", "Where am I going next week?", "Paris"),
    ("My husband is called David.", "What's my husband's name?", "David"),
    ("I enjoy playing the violin.", "Which instrument do I play?", "violin"),
    ("My car is called Betsy.", "What did I call my car?", "Betsy"),
    ("I like jazz music.", "What music do I listen to?", "jazz"),
    ("My job is teaching maths.", "What is my job?", "maths"),
    ("My son's name is Leo.", "What's my son called?", "Leo"),
    ("I'm planning to learn Japanese.", "What am I planning to learn?", "Japanese"),
    ("My best friend is called Sam.", "Who is my best friend?", "Sam"),
    ("我的猫叫小白", "我的猫叫什么？", "小白"),
    ("我的爷爷叫老李", "我爷爷叫什么？", "老李"),
    ("我喜欢喝茶", "我喜欢喝什么？", "茶"),
    ("我的狗叫旺财", "我的狗叫什么名字？", "旺财"),
    ("我的妹妹叫小红", "我妹妹叫什么？", "小红"),
    ("我讨厌下雨", "我讨厌什么天气？", "下雨"),
    ("我的学校叫实验中学", "我的学校叫什么名字？", "实验中学"),
    ("我打算去北京旅游", "我打算去哪里玩？", "北京"),
    ("我的老板叫王总", "我老板叫什么？", "王总"),
    ("我有一只兔子叫豆豆", "我的兔子叫什么？", "豆豆"),
]  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "voicebuddy.sqlite3")
    yield opened
    opened.close()


def said(store: Store, character: str, text: str) -> Message:
    """The user's message, stored in a conversation with `character`, with its id."""
    conversation = store.create_conversation(character)
    return Message("user", text, id=store.add_message(conversation, "user", text))


def test_thirty_facts_recalled_for_their_questions(store: Store) -> None:
    remembering = Remembering(MemoryStore(store), MemorySettings())
    for statement, _, _ in FACTS_AND_QUESTIONS:
        assert remembering.learn("Rowan", "Ada", said(store, "Rowan", statement)), statement
    assert len(remembering.memories.memories("Rowan")) == 30
    missed = []
    for _, question, answer in FACTS_AND_QUESTIONS:
        recalled = [m.fact for m in remembering.recall("Rowan", [Message("user", question)])]
        if not any(answer in fact for fact in recalled):
            missed.append((question, recalled))
    hits = len(FACTS_AND_QUESTIONS) - len(missed)
    print(f"\nrecall: {hits}/30 questions got their fact among the inserted memories")
    assert hits >= 27, missed  # 90 %


def test_a_newer_fact_replaces_what_it_contradicts_and_repeats_are_one(store: Store) -> None:
    remembering = Remembering(MemoryStore(store), MemorySettings())
    for text in ("I live in Leeds.", "I love tea.", "I live in York now.", "I hate tea.",
                 "I hate tea."):  # fmt: skip
        remembering.learn("Rowan", "Ada", said(store, "Rowan", text))
    facts = sorted(m.fact for m in remembering.memories.memories("Rowan"))
    assert facts == ["Ada hates tea", "Ada lives in York now"]


def test_one_characters_memories_never_reach_another(store: Store) -> None:
    remembering = Remembering(MemoryStore(store), MemorySettings())
    remembering.learn("Rowan", "Ada", said(store, "Rowan", "My dog is called Biscuit."))
    remembering.learn("林晓", "Ada", said(store, "林晓", "我的猫叫小白"))
    assert remembering.recall("林晓", [Message("user", "What's my dog called?")]) == []
    assert remembering.recall("Rowan", [Message("user", "我的猫叫什么？")]) == []
    assert [m.fact for m in remembering.recall("Rowan", [Message("user", "my dog?")])] == [
        "Ada's dog is called Biscuit"
    ]


def test_remember_and_forget_commands_and_pins(store: Store) -> None:
    remembering = Remembering(MemoryStore(store), MemorySettings())
    remembering.learn("Rowan", "Ada", said(store, "Rowan", "Remember that the spare key is blue."))
    (kept,) = remembering.memories.memories("Rowan")
    assert kept.fact == "the spare key is blue"
    remembering.memories.update(kept.id, pinned=True)
    recalled = remembering.recall("Rowan", [Message("user", "Hello there!")])
    assert [m.fact for m in recalled] == ["the spare key is blue"]  # pinned: always
    remembering.learn("Rowan", "Ada", said(store, "Rowan", "Please forget the spare key."))
    assert remembering.memories.memories("Rowan") == []


def test_memory_can_be_off_for_everyone_or_one_character() -> None:
    assert not Remembering(None, MemorySettings(enabled=False)).on_for("Rowan")  # type: ignore[arg-type]
    settings = MemorySettings(off_for=["rowan"])
    assert not Remembering(None, settings).on_for("Rowan")  # type: ignore[arg-type]
    assert Remembering(None, settings).on_for("林晓")  # type: ignore[arg-type]


def test_forgetting_leaves_no_trace_in_the_file(store: Store, tmp_path: Path) -> None:
    memories = MemoryStore(store)
    conversation = store.create_conversation("Rowan")
    text = "My dog is called Biscuit and I live in Leeds."
    message = store.add_message(conversation, "user", text)
    store.add_message(conversation, "assistant", "Biscuit! What a lovely name for a dog.")
    memories.remember("Rowan", extract_facts(text, "Ada"), message_id=message)
    for _ in range(3):  # pages written, rewritten, checkpointed
        store.set_setting("noise", "x" * 3000)
    gone = memories.forget("Rowan", "dog")
    assert [m.fact for m in gone] == ["Ada's dog is called Biscuit"]
    assert [m.fact for m in memories.memories("Rowan")] == ["Ada lives in Leeds"]
    assert [m.content for m in store.messages(conversation)] == [
        f"{FORGOTTEN} and I live in Leeds.",
        f"{FORGOTTEN}! What a lovely name for a dog.",
    ]
    files = list(tmp_path.glob("voicebuddy.sqlite3*"))
    assert files and not any(b"biscuit" in f.read_bytes().lower() for f in files)
    assert memories.search("Rowan", "Biscuit") == {}


def test_a_conversations_export_carries_the_memories_made_from_it(store: Store) -> None:
    import json

    from voicebuddy.memory.store import exported

    remembering = Remembering(MemoryStore(store), MemorySettings())
    message = said(store, "Rowan", "My dog is called Biscuit.")
    remembering.learn("Rowan", "Ada", message)
    other = said(store, "Rowan", "I live in Leeds.")  # another conversation's memory
    remembering.learn("Rowan", "Ada", other)
    (conversation,) = [c.id for c in store.conversations() if c.title.startswith("My dog")]
    document = json.loads(exported(store, conversation, True, "Ada"))
    assert document["memories"] == ["Ada's dog is called Biscuit"]
    markdown = exported(store, conversation, False, "Ada")
    assert markdown.endswith("## Remembered\n\n- Ada's dog is called Biscuit\n")
