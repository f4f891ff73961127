"""What discovery learnt of each GGUF file, kept in VoiceBuddy's cache dir so that the next
scan reads only new or changed files (a model's vocabulary takes tens of milliseconds to skip
through, for every model, every time)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from voicebuddy.models.gguf_info import GgufInfo

_VERSION = 2  # raised whenever GgufInfo changes: older entries are read again
_MAX_BYTES = 16 << 20


class HeaderCache:
    def __init__(self, file: Path) -> None:
        self.file = file
        self._entries: dict[str, dict[str, Any]] = {}
        self._changed = False
        try:
            if file.stat().st_size <= _MAX_BYTES:
                data = json.loads(file.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("version") == _VERSION:
                    entries = data.get("files", {})
                    self._entries = entries if isinstance(entries, dict) else {}
        except (OSError, ValueError):
            pass  # no cache or a broken one: read the headers again

    @staticmethod
    def _key(path: Path) -> str:
        return str(path.resolve())

    @staticmethod
    def _stamp(stat: os.stat_result) -> list[int]:
        return [stat.st_size, stat.st_mtime_ns, stat.st_ino]

    def get(self, path: Path, stat: os.stat_result) -> GgufInfo | str | None:
        """The facts (or the reason it is no model) of a file unchanged since they were read."""
        entry = self._entries.get(self._key(path))
        if not isinstance(entry, dict) or entry.get("stamp") != self._stamp(stat):
            return None
        if "reason" in entry:
            return str(entry["reason"])
        try:
            return GgufInfo(**entry["info"])
        except (TypeError, KeyError):
            return None

    def put(self, path: Path, stat: os.stat_result, info: GgufInfo | str) -> None:
        entry: dict[str, Any] = {"stamp": self._stamp(stat)}
        if isinstance(info, str):
            entry["reason"] = info
        else:
            entry["info"] = dataclasses.asdict(info)
        self._entries[self._key(path)] = entry
        self._changed = True

    def save(self) -> None:
        if not self._changed:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.file.with_suffix(".tmp")
            temporary.write_text(
                json.dumps({"version": _VERSION, "files": self._entries}), encoding="utf-8"
            )
            os.replace(temporary, self.file)
        except OSError:
            pass  # only a cache
        self._changed = False
