"""text-generation-webui characters: YAML files (`name`, `context`, `greeting`, ...) and the
older Pygmalion-style keys (`char_name`, `char_persona`, `char_greeting`, `world_scenario`),
which it also accepts as JSON.

YAML is parsed with yaml.safe_load only, so a tag such as `!!python/object/apply` is refused,
never run. Not with libyaml's CSafeLoader either: its parser recurses in C and crashes the
process on deeply nested input, where the pure-Python one raises RecursionError.

Keys VoiceBuddy does not map (`your_name`, `turn_template`, ...) are kept in the card's `extra`.
"""

from __future__ import annotations

import datetime
from typing import Any

import yaml

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.card_checks import (
    MAX_JSON_DEPTH,
    MAX_JSON_VALUES,
    MAX_YAML_BYTES,
    check_size,
    decode_utf8,
    fail,
    short,
)
from voicebuddy.characters.card_json import card_from_json

# each card field, and text-generation-webui's keys for it, the one it prefers first
TGW_KEYS = {
    "name": ("name", "bot", "char_name"),
    "description": ("context",),
    "personality": ("char_persona",),
    "scenario": ("world_scenario",),
    "first_mes": ("greeting", "char_greeting"),
    "mes_example": ("example_dialogue",),
}
_PYGMALION_KEYS = ("char_name", "char_persona", "char_greeting", "world_scenario")


def is_tgw_json(obj: object) -> bool:
    """True for a JSON character in text-generation-webui's / Pygmalion's keys."""
    if not isinstance(obj, dict) or "spec" in obj:
        return False
    return any(key in obj for key in _PYGMALION_KEYS) or (
        "context" in obj and "description" not in obj
    )


def load_yaml(raw: bytes, source: str) -> object:
    check_size(len(raw), MAX_YAML_BYTES, source)
    text = decode_utf8(raw, source)
    try:
        value = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        if "python/" in str(exc):
            fail(
                "card_unsupported", source, "contains a !!python tag, which VoiceBuddy never loads"
            )
        fail("card_invalid", source, f"has a YAML value VoiceBuddy cannot read{_line(exc)}")
    except yaml.YAMLError as exc:
        fail("card_unreadable", source, f"is not valid YAML{_line(exc)}")
    except RecursionError:
        fail("card_invalid", source, f"nests YAML deeper than {MAX_JSON_DEPTH} levels")
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date "2024-13-45"
        fail(
            "card_invalid",
            source,
            f"has a YAML value VoiceBuddy cannot read ({short(str(exc), 60)})",
        )
    return _plain(value, source, 1, [MAX_JSON_VALUES])


def _line(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f" (line {mark.line + 1})" if isinstance(mark, yaml.Mark) else ""


def _plain(value: object, source: str, depth: int, budget: list[int]) -> object:
    """YAML values as JSON values: dates become ISO text, keys become text. `budget` counts
    values, which bounds the work when aliases repeat one subtree many times."""
    budget[0] -= 1
    if budget[0] < 0:
        fail("card_too_large", source, f"holds more than {MAX_JSON_VALUES:,} values")
    if depth > MAX_JSON_DEPTH:
        fail("card_invalid", source, f"nests YAML deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, dict):
        return {_key(k, source): _plain(v, source, depth + 1, budget) for k, v in value.items()}
    if isinstance(value, list | tuple):  # !!omap and !!pairs give tuples
        return [_plain(v, source, depth + 1, budget) for v in value]
    if isinstance(value, datetime.date):  # and datetime
        return value.isoformat()
    if value is None or isinstance(value, str | int | float):
        return value
    fail(
        "card_invalid", source, f"has a YAML {type(value).__name__} value, which a card cannot hold"
    )


def _key(key: object, source: str) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int | float):
        return str(key)
    if isinstance(key, datetime.date):
        return key.isoformat()
    fail("card_invalid", source, f"has a YAML key {short(key)} that is not text")


def _text(value: object, key: str, source: str) -> str:
    # YAML reads `name: 1984` as a number; that is still the text the author wrote
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        fail("card_invalid", source, f"is invalid: field {key} must be text")
    return value


def card_from_tgw(obj: object, source: str) -> CharacterCard:
    """A text-generation-webui character (parsed YAML or JSON) as a CharacterCard."""
    if not isinstance(obj, dict):
        fail("card_invalid", source, "is not a mapping of character fields")
    rest = dict(obj)
    fields: dict[str, Any] = {}
    for target, keys in TGW_KEYS.items():
        present = [key for key in keys if rest.get(key) is not None]
        if not present:
            continue
        if target not in keys and rest.get(target) is not None:
            fail("card_invalid", source, f"has both {present[0]} and {target}; keep one of them")
        fields[target] = _text(rest.pop(present[0]), present[0], source)
    return card_from_json({**rest, **fields}, source)
