"""`voicebuddy memory list|add|forget|export|pin|unpin|on|off`: what a character remembers
about you, from the same file the window and `chat` use (voicebuddy/memory), and whether it
remembers at all (`[memory] enabled` and `off_for` in the settings file). Also the memories a
card carries, for `characters export|import --with-memories` (voicebuddy/memory/cards.py)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from voicebuddy.characters.character import Character
from voicebuddy.cli.output import print_json
from voicebuddy.config import MemorySettings, Paths, Settings, load_settings, save_settings
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.first_start import character_name
from voicebuddy.memory.cards import CardMemory, add_to_store, for_card
from voicebuddy.memory.facts import Fact
from voicebuddy.memory.remembering import memory_on, with_memory_for
from voicebuddy.memory.store import Memory, MemoryStore
from voicebuddy.runtime.engines import find
from voicebuddy.storage import Store


def as_json(memory: Memory) -> dict[str, object]:
    return {
        "id": memory.id,
        "character": memory.character,
        "fact": memory.fact,
        "pinned": memory.pinned,
        "recalled": memory.recalled,
        "conversation_id": memory.conversation_id,
        "message_id": memory.message_id,
        "created": datetime.fromtimestamp(memory.created_at, UTC).isoformat(timespec="seconds"),
        "updated": datetime.fromtimestamp(memory.updated_at, UTC).isoformat(timespec="seconds"),
    }


def counted(number: int, one: str = "memory", many: str = "memories") -> str:
    return f"{number} {one if number == 1 else many}"


def memory(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    command = args.memory_command
    if command in ("on", "off"):
        return _switch(args, settings, paths, on=command == "on")
    who = find(paths, args.character or character_name(settings))
    character = who.key
    store = Store(paths.store_file)
    try:
        memories = MemoryStore(store)
        if command == "add":
            if not args.text.strip():
                raise VoiceBuddyError("memory_empty", "A memory needs some words.")
            text = args.text.strip()
            (added,) = memories.remember(character, [Fact(text, "", "", text)])
            print_json(as_json(added)) if args.json else print(f"Remembered: {added.fact}")
        elif command == "forget":
            _forget(args, memories, character)
        elif command in ("pin", "unpin"):
            _pin(args, memories, character, pinned=command == "pin")
        else:  # list and export: export is the JSON document, list the lines
            kept = memories.memories(character)
            if command == "list":
                _say_if_off(settings.memory, who)
            if args.json or command == "export":
                print_json([as_json(m) for m in kept])
            else:
                for m in kept:
                    print(f"{m.id:>5}  {'*' if m.pinned else ' '} {m.fact}")
        return 0
    finally:
        store.close()


def _forget(args: argparse.Namespace, memories: MemoryStore, character: str) -> None:
    if args.all and args.words is not None:
        raise VoiceBuddyError("bad_flag", "Give the words to forget or --all, not both.")
    if args.all:
        number = memories.delete_all(character)
        if args.json:
            print_json({"character": character, "forgotten": number})
        elif number:
            print(f"Forgot all {counted(number)} of {character}.")
        else:
            print(f"{character} remembers nothing; nothing was forgotten.")
        return
    if args.words is None or not args.words.strip():
        raise VoiceBuddyError(
            "bad_flag", "Say what to forget (`voicebuddy memory forget WORDS`), or --all."
        )
    gone = memories.forget(character, args.words)
    if not gone:
        raise VoiceBuddyError(
            "memory_not_found", f"{character} remembers nothing with {args.words!r}."
        )
    if args.json:
        print_json([as_json(m) for m in gone])
    else:
        for m in gone:
            print(f"Forgot: {m.fact}")


def _pin(args: argparse.Namespace, memories: MemoryStore, character: str, pinned: bool) -> None:
    """Pin or unpin the memory `args.id`: a pinned memory is recalled into every prompt."""
    found = memories.memory(args.id)
    if found is None:
        raise VoiceBuddyError(
            "memory_not_found", f"There is no memory {args.id} (see `voicebuddy memory list`)."
        )
    if args.character and found.character != character:
        raise VoiceBuddyError(
            "memory_not_found", f"Memory {args.id} is {found.character}'s, not {character}'s."
        )
    memories.update(found.id, pinned=pinned)
    changed = memories.memory(found.id) or found
    if args.json:
        print_json(as_json(changed))
    else:
        print(f"{'Pinned' if pinned else 'Unpinned'}: {changed.fact}")


def _say_if_off(settings: MemorySettings, character: Character) -> None:
    """A note on stderr (stdout stays the list) when `character` remembers nothing new."""
    if not settings.enabled:
        why = "for every character ([memory] enabled = false; `voicebuddy memory on --all`)"
    elif not memory_on(settings, character.key, character.name):
        why = f"for {character.key} (`voicebuddy memory on --character {character.key}`)"
    else:
        return
    print(
        f"voicebuddy: note: memory is off {why}: these are kept, but nothing new is learnt "
        "and nothing is recalled.",
        file=sys.stderr,
    )


def _switch(args: argparse.Namespace, settings: Settings, paths: Paths, on: bool) -> int:
    """`memory on|off`: for one character (`[memory] off_for`), or with --all for every one
    (`[memory] enabled`), in the settings file, which is read again for this: what the
    command line overrides for this run is not written."""
    if args.all and args.character:
        raise VoiceBuddyError("bad_flag", "Give --character or --all, not both.")
    who = None if args.all else find(paths, args.character or character_name(settings))
    try:
        saved = load_settings(paths.config_file)
    except VoiceBuddyError as error:
        raise VoiceBuddyError(
            error.code, f"{error.message} Memory is unchanged: mend or remove the file first."
        ) from None
    if who is None:
        saved.memory.enabled = on
    else:
        saved.memory = with_memory_for(saved.memory, who.key, who.name, on)
    kept = saved.memory
    save_settings(saved, paths.config_file)
    remembers = None if who is None else memory_on(kept, who.key, who.name)
    if args.json:
        print_json(
            {
                "enabled": kept.enabled,
                "off_for": kept.off_for,
                "character": None if who is None else who.key,
                "remembers": remembers,
            }
        )
    elif who is None and on:
        still = f" It stays off for {', '.join(kept.off_for)}." if kept.off_for else ""
        print(f"Memory is on.{still}")
    elif who is None:
        print("Memory is off for every character: what they remember is kept, unused.")
    elif on:
        print(f"Memory is on for {who.key}.")
        if not kept.enabled:
            print("But memory is off for every character: `voicebuddy memory on --all`.")
    else:
        print(f"Memory is off for {who.key}: what it remembers is kept, unused.")
    return 0


def card_export_memories(paths: Paths, character: str) -> list[dict[str, object]]:
    """What a card exported `--with-memories` carries: `character`'s memories, newest first."""
    if not paths.store_file.exists():
        return []
    store = Store(paths.store_file)
    try:
        return for_card(MemoryStore(store).memories(character))
    finally:
        store.close()


def card_import_memories(paths: Paths, character: str, found: list[CardMemory]) -> int:
    """Add what an imported card carries to what `character` remembers; how many were new."""
    if not found:
        return 0
    store = Store(paths.store_file)
    try:
        return add_to_store(MemoryStore(store), character, found)
    finally:
        store.close()
