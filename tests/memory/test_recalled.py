"""The `recalled` counter: one more for each turn a memory was recalled into, however many
times the turn assembled its prompt; nothing for a prompt no turn answered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.character import Character
from voicebuddy.config import MemorySettings
from voicebuddy.conversation import Conversation
from voicebuddy.engines.fakes import FakeChat
from voicebuddy.memory.facts import Fact
from voicebuddy.memory.remembering import Remembering
from voicebuddy.memory.store import MemoryStore
from voicebuddy.messages import Message
from voicebuddy.pipeline import CancelToken, Text, TurnRequest, VoicePipeline
from voicebuddy.session import ChatSession
from voicebuddy.storage import Store

ROWAN = Character(CharacterCard(name="Rowan", first_mes="Good morning."))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "voicebuddy.sqlite3")
    yield opened
    opened.close()


def counts(store: Store) -> dict[str, int]:
    return {m.fact: m.recalled for m in MemoryStore(store).memories("Rowan")}


def remembering(store: Store, settings: MemorySettings | None = None) -> Remembering:
    memory = Remembering(MemoryStore(store), settings or MemorySettings())
    memory.memories.remember(
        "Rowan",
        [Fact("Ada's dog is called Biscuit", "dog: name", "", "Biscuit"),
         Fact("Ada lives in Leeds", "lives in", "", "Leeds")],
    )  # fmt: skip
    return memory


def test_a_turn_that_assembles_its_prompt_three_times_counts_once(store: Store) -> None:
    memory = remembering(store)
    for turn in (1, 2):
        message = Message("user", "What is my dog called?", id=turn)
        for _ in range(3):  # read-ahead, the end-of-turn judge, the reply
            assert memory.facts_for(ROWAN, [message]) == ["Ada's dog is called Biscuit"]
        memory.learn("Rowan", "Ada", message)
        assert counts(store) == {"Ada's dog is called Biscuit": turn, "Ada lives in Leeds": 0}
    memory.learn("Rowan", "Ada", Message("user", "What is my dog called?", id=3))
    assert counts(store)["Ada's dog is called Biscuit"] == 2  # no new recall, no new count


def test_a_prompt_no_turn_answered_counts_nothing(store: Store) -> None:
    memory = remembering(store)
    # `characters show --prompt`: recalled, shown, never learnt from
    memory.facts_for(ROWAN, [Message("user", "What is my dog called?")])
    assert counts(store) == {"Ada's dog is called Biscuit": 0, "Ada lives in Leeds": 0}
    # a turn whose reply failed after its prompt, then one stopped before its prompt: the
    # second learns from other words, so the first one's recall is not counted for it
    memory.learn("Rowan", "Ada", Message("user", "Hello again", id=7))
    assert counts(store) == {"Ada's dog is called Biscuit": 0, "Ada lives in Leeds": 0}


def test_pinned_memories_count_and_other_characters_do_not(store: Store) -> None:
    memory = remembering(store)
    leeds = next(m for m in memory.memories.memories("Rowan") if "Leeds" in m.fact)
    memory.memories.update(leeds.id, pinned=True)
    memory.memories.remember("Lena", [Fact("Ada's dog is called Biscuit", "", "", "")])
    message = Message("user", "What is my dog called?", id=1)
    memory.facts_for(ROWAN, [message])
    memory.learn("Lena", "Ada", message)  # another character's turn counts nothing of Rowan's
    assert counts(store) == {"Ada's dog is called Biscuit": 0, "Ada lives in Leeds": 0}
    memory.facts_for(ROWAN, [message])
    memory.learn("Rowan", "Ada", message)
    assert counts(store) == {"Ada's dog is called Biscuit": 1, "Ada lives in Leeds": 1}
    assert [m.recalled for m in memory.memories.memories("Lena")] == [0]


def test_memory_off_recalls_and_counts_nothing(store: Store) -> None:
    memory = remembering(store, MemorySettings(off_for=["rowan"]))
    message = Message("user", "What is my dog called?", id=1)
    assert memory.facts_for(ROWAN, [message]) == []
    memory.learn("Rowan", "Ada", message)
    assert counts(store) == {"Ada's dog is called Biscuit": 0, "Ada lives in Leeds": 0}


def test_turns_through_the_pipeline_count_once_each(store: Store) -> None:
    """As the runtime does it (voicebuddy/runtime/turns.py): the pipeline recalls through
    `facts_for` for every prompt it assembles; `learn` once the turn is over."""
    memory = remembering(store)
    chat = FakeChat("Biscuit, of course.")
    pipeline = VoicePipeline(
        None, chat, None, recall=lambda history: memory.facts_for(ROWAN, history)
    )
    conversation: Conversation = ChatSession.new(store, ROWAN, "Ada").conversation
    for turn in (1, 2):
        words = "What is my dog called?"
        pipeline.prepare(conversation)  # while the user talks
        pipeline.words_end(conversation, words)  # has the user finished?
        pipeline.run_turn(conversation, TurnRequest(turn, Text(words), CancelToken()))
        said = [m for m in conversation.messages if m.role == "user"]
        assert said[-1].id is not None
        memory.learn(ROWAN.key, conversation.user_name, said[-1])
        assert counts(store) == {"Ada's dog is called Biscuit": turn, "Ada lives in Leeds": 0}
    assert len(chat.prompts) == 2 and any("Biscuit" in m.content for m in chat.prompts[-1])


def test_a_turn_read_ahead_keeps_its_earlier_memories_first(store: Store) -> None:
    """While the user talks the prompt is read ahead with the words heard so far: what those
    recalled stays at the head of the note (the model has read it), what the later words
    recall follows. The next turn ranks afresh."""
    memory = remembering(store)
    memory.memories.remember("Rowan", [Fact("Ada likes jazz music", "likes", "", "jazz")])
    greeting = Message("assistant", "Hi.", id=1)
    heard = ["Where do I live?", "Where do I live, and what is my dog called?"]
    ranked = [m.fact for m in memory.recall("Rowan", [greeting, Message("user", heard[1])])]
    assert ranked == ["Ada's dog is called Biscuit", "Ada lives in Leeds"]  # the dog ranks first

    assert memory.facts_for(ROWAN, [greeting, Message("user", heard[0])]) == ["Ada lives in Leeds"]
    assert memory.facts_for(ROWAN, [greeting, Message("user", heard[1])]) == [
        "Ada lives in Leeds",
        "Ada's dog is called Biscuit",
    ]
    said = Message("user", heard[1], id=2)
    memory.learn("Rowan", "Ada", said)
    assert counts(store) == {
        "Ada's dog is called Biscuit": 1, "Ada lives in Leeds": 1, "Ada likes jazz music": 0
    }  # fmt: skip

    again = Message("user", "What is my dog called?")
    next_turn = [greeting, said, Message("assistant", "Let me think.", id=3), again]
    ranked = [m.fact for m in memory.recall("Rowan", next_turn)]
    assert ranked[0] == "Ada's dog is called Biscuit"
    assert memory.facts_for(ROWAN, next_turn) == ranked
