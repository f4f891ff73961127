"""`voicebuddy memory list|add|forget|export`: what a character remembers about you, from the
same file the window and `chat` use (voicebuddy/memory)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from voicebuddy.cli.output import print_json
from voicebuddy.config import Paths, Settings
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.first_start import character_name
from voicebuddy.memory.facts import Fact
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


def memory(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    character = find(paths, args.character or character_name(settings)).key
    store = Store(paths.store_file)
    try:
        memories = MemoryStore(store)
        if args.memory_command == "add":
            if not args.text.strip():
                raise VoiceBuddyError("memory_empty", "A memory needs some words.")
            text = args.text.strip()
            (added,) = memories.remember(character, [Fact(text, "", "", text)])
            print_json(as_json(added)) if args.json else print(f"Remembered: {added.fact}")
        elif args.memory_command == "forget":
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
        else:  # list and export: export is the JSON document, list the lines
            kept = memories.memories(character)
            if args.json or args.memory_command == "export":
                print_json([as_json(m) for m in kept])
            else:
                for m in kept:
                    print(f"{m.id:>5}  {'*' if m.pinned else ' '} {m.fact}")
        return 0
    finally:
        store.close()
