"""`voicebuddy history`: the conversations kept on this machine, the same ones the window's
History dialog shows."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from voicebuddy.cli.output import print_json
from voicebuddy.config import Paths, Settings
from voicebuddy.memory.store import exported
from voicebuddy.storage import Store, export_markdown


def _updated(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def history(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    store = Store(paths.store_file)
    try:
        if args.history_command == "list":
            return _list(store, args.json)
        if args.history_command == "show":
            return _show(store, args.id, args.json, settings.chat.user_name)
        return _export(store, args, settings.chat.user_name)
    finally:
        store.close()


def _list(store: Store, as_json: bool) -> int:
    conversations = store.conversations()
    if as_json:
        print_json(
            [
                {
                    "id": info.id,
                    "character": info.character,
                    "title": info.title,
                    "updated": _updated(info.updated_at),
                    "messages": info.message_count,
                }
                for info in conversations
            ]
        )
        return 0
    for info in conversations:
        when = datetime.fromtimestamp(info.updated_at).strftime("%Y-%m-%d %H:%M")
        print(f"{info.id}\t{when}\t{info.character}\t{info.message_count}\t{info.title}")
    return 0


def _show(store: Store, conversation_id: int, as_json: bool, user_name: str) -> int:
    info = store.conversation(conversation_id)
    messages = store.messages(conversation_id)
    if as_json:
        print_json(
            {
                "id": info.id,
                "character": info.character,
                "title": info.title,
                "messages": [
                    {"role": m.role, "content": m.content, "interrupted": m.interrupted}
                    for m in messages
                ],
            }
        )
        return 0
    sys.stdout.write(export_markdown(info, messages, user_name))
    return 0


def _export(store: Store, args: argparse.Namespace, user_name: str) -> int:
    text = exported(store, args.id, args.format == "json", user_name)
    text += "\n" if args.format == "json" else ""
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}", file=sys.stderr)
    return 0
