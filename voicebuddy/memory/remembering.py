"""The runtime's memory: what a character recalls for a prompt, and what it learns after a
turn. Prompt assembly gets the recalled facts as text (voicebuddy/characters/assembly.py
fits them into its budget); it never sees the database.

Recall: the user's new words (counted twice) and the two messages before them are searched
(FTS5 BM25 over trigrams, so Chinese matches too); pinned memories always come, then the
best matches, newer first among equals.
"""

from __future__ import annotations

from collections.abc import Sequence

from voicebuddy.characters.character import Character
from voicebuddy.config import MemorySettings
from voicebuddy.memory.facts import Fact, command, extract_facts
from voicebuddy.memory.store import Memory, MemoryStore
from voicebuddy.messages import Message

RECALL_LIMIT = 8  # memories offered to the prompt, before its token budget


class Remembering:
    def __init__(self, memories: MemoryStore, settings: MemorySettings) -> None:
        self.memories = memories
        self.settings = settings

    def on_for(self, character: str, *names: str) -> bool:
        off = {name.casefold() for name in self.settings.off_for}
        return self.settings.enabled and not any(
            n.casefold() in off for n in (character, *names) if n
        )

    def recall(self, character: str, history: Sequence[Message]) -> list[Memory]:
        """The memories for a prompt whose history ends with the user's newest message."""
        newest = history[-1].content if history else ""
        context = " ".join(m.content for m in history[-3:-1])
        scores: dict[int, float] = {}
        for text, weight in ((newest, 2.0), (context, 1.0)):
            for memory_id, score in self.memories.search(character, text).items():
                scores[memory_id] = scores.get(memory_id, 0.0) + weight * max(score, 0.1)
        kept = self.memories.memories(character)  # newest first: ties go to the newer
        pinned = [m for m in kept if m.pinned]
        ranked = sorted((m for m in kept if m.id in scores), key=lambda m: -scores[m.id])
        chosen = list({m.id: m for m in [*pinned, *ranked]}.values())
        return chosen[:RECALL_LIMIT]

    def facts_for(self, character: Character, history: Sequence[Message]) -> list[str]:
        """What `character` recalls for this prompt, as text; nothing when its memory is
        off (the runtime's turns and `characters show --prompt` both ask this)."""
        if not self.on_for(character.key, character.name):
            return []
        return [m.fact for m in self.recall(character.key, history)]

    def learn(self, character: str, user_name: str, message: Message) -> list[Memory]:
        """After a turn: keep what the user's `message` states ("remember that …" word for
        word), or forget what they asked to forget. Returns what was kept or forgotten."""
        asked = command(message.content)
        if asked is not None and asked.kind == "forget":
            return self.memories.forget(character, asked.text)
        facts: list[Fact]
        if asked is not None:
            facts = [Fact(asked.text, "", message.content, asked.text)]
        else:
            facts = extract_facts(message.content, user_name)
        if not facts:
            return []
        return self.memories.remember(character, facts, message_id=message.id)
