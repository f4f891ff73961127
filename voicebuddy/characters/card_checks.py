"""Limits and checks for character cards, which are untrusted input.

Every check raises VoiceBuddyError with one of four stable codes and one sentence naming the
file: `card_unreadable` (not the format it claims: bad UTF-8, JSON, base64, PNG or ZIP),
`card_invalid` (readable, but a field has the wrong type or a path is unsafe), `card_too_large`
(over a limit below) and `card_unsupported` (a format or feature VoiceBuddy does not read).
"""

from __future__ import annotations

import codecs
import json
import math
from typing import Any, NoReturn

from voicebuddy.errors import VoiceBuddyError

MiB = 1024 * 1024

MAX_CONTAINER_BYTES = 64 * MiB  # a PNG or CHARX file, or an avatar image beside a YAML card
MAX_JSON_BYTES = 8 * MiB  # a JSON card file, or the card JSON inside a PNG or CHARX
MAX_YAML_BYTES = 256 * 1024  # pure-Python PyYAML: ~2 s for the worst 256 KB; real ones are a few KB
MAX_TEXT_CHARS = 1_000_000  # one text field (description, a lorebook entry's content, ...)
MAX_LORE_ENTRIES = 5_000
MAX_JSON_DEPTH = 64
MAX_JSON_VALUES = 1_000_000  # also bounds YAML aliases, which can repeat one subtree often

CODES = ("card_unreadable", "card_invalid", "card_too_large", "card_unsupported")


def fail(code: str, source: str, what: str, subject: str = "character card") -> NoReturn:
    """Raise VoiceBuddyError(code, "The <subject> <source> <what>.")."""
    raise VoiceBuddyError(code, f"The {subject} {source} {what}.")


def size_text(size: int) -> str:
    """A byte count for people: "50 MB", "1.5 MB", "256 KB"."""
    if size < MiB:
        return f"{max(1, round(size / 1024))} KB"
    value = size / MiB
    return f"{value:.0f} MB" if value >= 10 else f"{value:.1f}".removesuffix(".0") + " MB"


def check_size(
    size: int, limit: int, source: str, what: str = "is", subject: str = "character card"
) -> None:
    if size > limit:
        more = f"more than the {size_text(limit)} VoiceBuddy reads"
        fail("card_too_large", source, f"{what} {size_text(size)}, {more}", subject)


def short(value: object, limit: int = 40) -> str:
    """repr() of a value from a card, cut short so that an error stays one readable line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def decode_utf8(raw: bytes, source: str) -> str:
    """Card bytes as text: UTF-8, with an optional BOM."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail("card_unreadable", source, f"is not valid UTF-8 text (bad byte at offset {exc.start})")


def parse_card_json(raw: bytes, source: str) -> object:
    """JSON bytes (UTF-8, optional BOM) to Python values, within the size and depth limits."""
    check_size(len(raw), MAX_JSON_BYTES, source, "holds card JSON of")
    text = decode_utf8(raw, source)
    try:
        value: object = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        fail("card_invalid", source, f"nests JSON deeper than {MAX_JSON_DEPTH} levels")
    except ValueError as exc:  # JSONDecodeError, and too many digits in an integer
        fail("card_unreadable", source, f"is not valid JSON ({exc})")
    return value


def _valid_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. from "\ud800" in JSON
        return False
    return True


def check_json_tree(value: object, source: str) -> None:
    """Check that `value` is plain JSON data (dict with str keys, list, str, int, finite float,
    bool, None) within the depth and value-count limits, and that all text is valid Unicode."""
    stack: list[tuple[object, int]] = [(value, 1)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_JSON_VALUES:
            fail("card_too_large", source, f"holds more than {MAX_JSON_VALUES:,} values")
        if depth > MAX_JSON_DEPTH:
            fail("card_invalid", source, f"nests its data deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, str):
            if not _valid_unicode(item):
                fail("card_invalid", source, "contains text that is not valid Unicode")
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str) or not _valid_unicode(key):
                    fail("card_invalid", source, f"has an object key {short(key)} that is not text")
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                fail("card_invalid", source, "contains a number that is not finite")
        elif item is not None and not isinstance(item, int):  # int covers bool
            fail(
                "card_invalid",
                source,
                f"contains a {type(item).__name__} value, which JSON cannot hold",
            )


def clone(value: Any) -> Any:
    """A deep copy of checked JSON data (depth is bounded by MAX_JSON_DEPTH)."""
    if isinstance(value, dict):
        return {key: clone(child) for key, child in value.items()}
    if isinstance(value, list):
        return [clone(child) for child in value]
    return value


def is_safe_relative_path(path: str) -> bool:
    """True for "assets/icon/images/main.png"; False for anything that could leave a folder
    it is joined to: "../x", "a/../../x", "/etc/x", "C:/x", "a\\b", or a NUL byte."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    parts = path.split("/")
    return ".." not in parts and ":" not in parts[0]
