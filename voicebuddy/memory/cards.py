"""A character's memories in its card: `extensions.voicebuddy.memories`, a list of
`{"fact": "...", "pinned": false}`, newest first.

Memories travel only when the user asks. `characters export --with-memories` writes what
the character remembers there; any other export writes no memories at all, not even ones an
imported card came with (see `voicebuddy.characters.library.card_with_memories`). A card
from someone else is untrusted: importing it keeps the card as it is, but what it carries is
added to what the character remembers only with `characters import --with-memories`, and
read leniently (anything malformed is left out, with a note). Only the words and the pin
travel: no ids, times or conversations, and no `key` (a card's memory could otherwise
replace one of yours about the same thing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.library import MEMORIES
from voicebuddy.memory.facts import Fact
from voicebuddy.memory.store import Memory, MemoryStore

MAX_CARD_MEMORIES = 1000  # read from one card; the rest are left out, with a note
MAX_FACT_CHARS = 1000  # a longer "memory" is not one
_MAX_NOTES = 5


@dataclass(frozen=True)
class CardMemory:
    fact: str
    pinned: bool = False


@dataclass
class CardMemories:
    memories: list[CardMemory] = field(default_factory=list)  # newest first, as in the card
    notes: list[str] = field(default_factory=list)  # what was left out or read leniently


def for_card(memories: Sequence[Memory]) -> list[dict[str, object]]:
    """What a card carries of `memories`."""
    return [{"fact": m.fact, "pinned": m.pinned} for m in memories]


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def card_memories(card: CharacterCard) -> CardMemories:
    """The memories `card` carries, whatever its file holds there: a text is read as a fact,
    anything else that is not `{"fact": text}` is left out with a note."""
    raw = card.voicebuddy.get(MEMORIES)
    if raw is None:
        return CardMemories()
    if not isinstance(raw, list):
        return CardMemories(notes=[f"extensions.voicebuddy.memories is {_kind(raw)}, not a list."])
    found: list[CardMemory] = []
    problems: list[str] = []
    for number, item in enumerate(raw[:MAX_CARD_MEMORIES], 1):
        pinned: object = False
        if isinstance(item, str):
            fact: object = item
        elif isinstance(item, dict):
            fact, pinned = item.get("fact"), item.get("pinned", False)
        else:
            problems.append(f"memory {number} is {_kind(item)}, not an object; left out.")
            continue
        if not isinstance(fact, str) or not fact.strip():
            problems.append(f"memory {number} has no fact; left out.")
            continue
        if len(fact) > MAX_FACT_CHARS:
            problems.append(f"memory {number} is over {MAX_FACT_CHARS} characters; left out.")
            continue
        if not isinstance(pinned, bool):
            problems.append(f"memory {number}'s pinned is {_kind(pinned)}; read as not pinned.")
            pinned = False
        found.append(CardMemory(" ".join(fact.split()), pinned))  # one line in the prompt
    if len(raw) > MAX_CARD_MEMORIES:
        problems.append(f"only the first {MAX_CARD_MEMORIES} of {len(raw)} memories were read.")
    notes = problems[:_MAX_NOTES]
    if len(problems) > _MAX_NOTES:
        notes.append(f"and {len(problems) - _MAX_NOTES} more like these.")
    return CardMemories(found, notes)


def add_to_store(memories: MemoryStore, character: str, found: Sequence[CardMemory]) -> int:
    """Add a card's memories (newest first) to what `character` remembers, word for word and
    in their order; one it already remembers is left as it is. Returns how many were added."""
    known = {m.fact for m in memories.memories(character)}
    new: dict[str, bool] = {}
    for memory in reversed(found):  # the oldest is remembered first, so the newest is newest
        if memory.fact not in known:
            new[memory.fact] = new.get(memory.fact, False) or memory.pinned
    if not new:
        return 0
    kept = memories.remember(character, [Fact(text, "", "", "") for text in new])
    for added in kept:
        if new.get(added.fact):
            memories.update(added.id, pinned=True)
    return len(kept)
