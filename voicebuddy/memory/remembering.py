"""The runtime's memory: what a character recalls for a prompt, and what it learns after a
turn. Prompt assembly gets the recalled facts as text (voicebuddy/characters/assembly.py
fits them into its budget); it never sees the database.

Recall: the user's new words (counted twice) and the two messages before them are searched
(FTS5 BM25 over trigrams, so Chinese matches too); pinned memories always come, then the
best matches, newer first among equals.

While the user talks, the prompt is read ahead with the words heard so far, and the model
keeps what it read. So that the words still to come change as little of it as possible, the
memories that an earlier assembly of the same turn recalled come first, in the order they came
then; what the newer words recall follows them. Which memories are recalled does not change
(only a note longer than its token budget, which keeps the first ones, could keep others).

A memory's `recalled` counter goes up once per turn that recalled it, not once per prompt
assembly (a turn may assemble its prompt several times): `facts_for` notes what it recalled
for the user's newest words, and `learn`, which the runtime calls once after each turn, counts
what was noted for the message it learns from.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Sequence
from pathlib import Path

from voicebuddy.characters.character import Character
from voicebuddy.config import MemorySettings
from voicebuddy.memory.facts import Fact, command, extract_facts
from voicebuddy.memory.model_notes import is_capable
from voicebuddy.memory.store import Memory, MemoryStore
from voicebuddy.memory.writer import MemoryWriter
from voicebuddy.messages import Message

RECALL_LIMIT = 8  # memories offered to the prompt, before its token budget


def memory_on(settings: MemorySettings, character: str, *names: str) -> bool:
    """Whether the character known by `character` (its key) or `names` remembers: memory is
    on, and none of them is in `off_for` (any case)."""
    return settings.enabled and not off_for(settings, character, *names)


def off_for(settings: MemorySettings, character: str, *names: str) -> bool:
    """Whether the character known by `character` (its key) or `names` is in `off_for`,
    whatever `enabled` says."""
    off = {name.casefold() for name in settings.off_for}
    return any(n.casefold() in off for n in (character, *names) if n)


def with_memory_for(
    settings: MemorySettings, character: str, name: str, on: bool
) -> MemorySettings:
    """`settings` with the character `character` (its key; called `name`) remembering or not:
    every spelling of it leaves `off_for`, and its key goes back in when it is off (the
    window's Memory panel and `voicebuddy memory on|off` both write it so)."""
    names = {n.casefold() for n in (character, name) if n}
    kept = [entry for entry in settings.off_for if entry.casefold() not in names]
    return dataclasses.replace(settings, off_for=[*kept, *([] if on else [character])])


_TurnKey = tuple[int, int | str | None]


def _turn_key(history: Sequence[Message]) -> _TurnKey:
    """What the prompts of one turn share, whatever the user's newest words: the history
    before them (its length and its last message)."""
    if len(history) < 2:
        return (len(history), None)
    before = history[-2]
    return (len(history), before.id if before.id is not None else before.content)


def in_earlier_order(recalled: Sequence[Memory], earlier: Sequence[int]) -> list[Memory]:
    """`recalled`, those among `earlier` (ids) first and in that order, then the others."""
    by_id = {m.id: m for m in recalled}
    first = [by_id.pop(i) for i in earlier if i in by_id]
    return [*first, *by_id.values()]


class Remembering:
    """`writer`, when given, lets a capable chat model write memories and summaries after
    turns (voicebuddy/memory/model_notes.py); without it, or for a small model, the patterns
    of facts.py write them and the summary of dropped history is their memories."""

    def __init__(
        self,
        memories: MemoryStore,
        settings: MemorySettings,
        writer: MemoryWriter | None = None,
    ) -> None:
        self.memories = memories
        self.settings = settings
        self.writer = writer
        self._capable: dict[Path, bool] = {}
        # by character: the dropped history last summed up, the store's changes then, the lines
        self._summaries: dict[str, tuple[tuple[int, int, int], int, list[str]]] = {}
        # by character: the latest recall's turn, the user's words it was for, the ids recalled
        self._recalled: dict[str, tuple[_TurnKey, str, list[int]]] = {}
        self._recalled_lock = threading.Lock()

    def writing_model(self, model: Path | None) -> Path | None:
        """The model that writes memories, if the chat model at `model` is to."""
        mode = self.settings.model_writes
        if self.writer is None or model is None or mode == "never":
            return None
        if mode == "always":
            return model
        if model not in self._capable:
            self._capable[model] = is_capable(model)
        return model if self._capable[model] else None

    def on_for(self, character: str, *names: str) -> bool:
        return memory_on(self.settings, character, *names)

    def recall(
        self, character: str, history: Sequence[Message], user_name: str = ""
    ) -> list[Memory]:
        """The memories for a prompt whose history ends with the user's newest message.
        `user_name` is no clue: most memories name the user ("Ann's dog …"), and a greeting
        that does would recall them all."""
        newest = history[-1].content if history else ""
        context = " ".join(m.content for m in history[-3:-1])
        if user_name.strip():
            name = re.compile(re.escape(user_name.strip()), re.IGNORECASE)
            newest, context = name.sub(" ", newest), name.sub(" ", context)
        scores: dict[int, float] = {}
        for text, weight in ((newest, 2.0), (context, 1.0)):
            for memory_id, score in self.memories.search(character, text).items():
                scores[memory_id] = scores.get(memory_id, 0.0) + weight * max(score, 0.1)
        kept = self.memories.memories(character)  # newest first: ties go to the newer
        pinned = [m for m in kept if m.pinned]
        ranked = sorted((m for m in kept if m.id in scores), key=lambda m: -scores[m.id])
        chosen = list({m.id: m for m in [*pinned, *ranked]}.values())
        return chosen[:RECALL_LIMIT]

    def facts_for(
        self, character: Character, history: Sequence[Message], user_name: str = ""
    ) -> list[str]:
        """What `character` recalls for this prompt, as text; nothing when its memory is
        off (the runtime's turns and `characters show --prompt` both ask this)."""
        if not self.on_for(character.key, character.name):
            return []
        recalled = self.recall(character.key, history, user_name)
        turn, words = _turn_key(history), history[-1].content if history else ""
        with self._recalled_lock:  # the latest assembly's: `learn` counts them once
            before = self._recalled.get(character.key)
            if before is not None and before[0] == turn:
                recalled = in_earlier_order(recalled, before[2])
            self._recalled[character.key] = (turn, words, [m.id for m in recalled])
        return [m.fact for m in recalled]

    def summary_of(self, character: Character, dropped: Sequence[Message]) -> list[str]:
        """What stands in the prompt for `dropped`, the history it no longer holds: what the
        model wrote of it, then the memories made from the messages it did not cover, the
        latest first (the prompt keeps as many as its budget allows).

        A summary that ends exactly where the dropped history ends was written after the
        last drop: it waits for the next one, so that the prompt's start (and the model's
        cache of it) stays the same between drops."""
        if not self.on_for(character.key, character.name):
            return []
        ids = [m.id for m in dropped if m.id is not None]
        if not ids:
            return []
        # The same dropped history gets the same lines, though a memory made from it has
        # since been replaced by a newer one (which the recall brings anyway): a change would
        # make the model read the whole prompt again. Only deleting or editing memories, by
        # the user, here or in another process, makes them be worked out again.
        dropped_key, changes = (ids[0], ids[-1], len(ids)), self.memories.changes()
        held = self._summaries.get(character.key)
        if held is not None and held[:2] == (dropped_key, changes):
            return held[2]
        written = self.memories.summary_within(ids, before=max(ids))
        learnt = self.memories.from_messages(character.key, [i for i in ids if i > written.up_to])
        lines = [*([written.text] if written.text else []), *(m.fact for m in reversed(learnt))]
        self._summaries[character.key] = (dropped_key, changes, lines)
        return lines

    def sum_up(self, character: Character, user_name: str, dropped: Sequence[Message],
               model: Path | None) -> None:  # fmt: skip
        """After a turn whose prompt left `dropped` out: a capable model writes what stands
        for it, on the writer's thread."""
        writing = self.writing_model(model)
        if writing is not None and self.writer is not None and dropped:
            self.writer.sum_up(writing, character.display_name, user_name, dropped)

    def learn(
        self, character: str, user_name: str, message: Message, model: Path | None = None
    ) -> list[Memory]:
        """After a turn: keep what the user's `message` states ("remember that …" word for
        word), or forget what they asked to forget. Returns what was kept or forgotten now;
        a capable chat `model` then writes the facts again, better, on the writer's thread.

        The memories recalled for the prompt that answered `message` (see `facts_for`) count
        one more recall each, once."""
        with self._recalled_lock:
            _turn, words, ids = self._recalled.pop(character, ((0, None), "", []))
        if ids and words == message.content:  # not a prompt of some other, failed turn
            self.memories.mark_recalled(ids)
        asked = command(message.content)
        if asked is not None and asked.kind == "forget":
            return self.memories.forget(character, asked.text)
        facts: list[Fact]
        if asked is not None:
            facts = [Fact(asked.text, "", message.content, asked.text)]
        else:
            facts = extract_facts(message.content, user_name)
        kept = self.memories.remember(character, facts, message_id=message.id) if facts else []
        writing = self.writing_model(model)
        if asked is None and writing is not None and self.writer and message.id is not None:
            self.writer.facts_from(writing, character, user_name, message)  # after the above
        return kept
