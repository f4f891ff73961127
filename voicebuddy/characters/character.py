"""The character a conversation is held with, and where characters are found.

This is the subset of Character Card V2 that a voice turn needs; the card issue extends it to
the full V3 model. Bundled characters live in the repository's `characters/` folder, the user's
own in the platform data dir.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicebuddy.errors import VoiceBuddyError


@dataclass(frozen=True)
class Voice:
    """How a character sounds: a TTS voice id or language tag, and a rate in words/minute."""

    voice: str = ""
    rate: int = 0
    language: str = ""  # what the character speaks and hears: "en", "zh", ... ("" unknown)


@dataclass(frozen=True)
class Character:
    name: str
    description: str = ""
    personality: str = ""
    scenario: str = ""
    greeting: str = ""
    example_dialogue: str = ""
    system_prompt: str = ""
    post_history_instructions: str = ""
    voice: Voice = Voice()
    avatar: Path | None = None  # an image file
    source: Path | None = None  # the card file it was read from


BUNDLED_DIR = Path(__file__).resolve().parents[2] / "characters"
ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
_IMAGE_SUFFIXES = (".png", ".webp", ".jpg", ".jpeg", ".svg")


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    return value if isinstance(value, str) else ""


def _card_data(card: dict[str, Any]) -> dict[str, Any]:
    """The fields of a V2 card (under "data"), or of a V1 card (top level)."""
    data = card.get("data")
    return data if isinstance(data, dict) else card


def _our_extension(data: dict[str, Any]) -> dict[str, Any]:
    extensions = data.get("extensions")
    ours = extensions.get("voicebuddy") if isinstance(extensions, dict) else None
    return ours if isinstance(ours, dict) else {}


def character_from_card(card: dict[str, Any], source: str) -> Character:
    """Read a V1 or V2 card (a JSON object) into a Character."""
    data = _card_data(card)
    name = _text(data, "name").strip()
    if not name:
        raise VoiceBuddyError("card_invalid", f"The character card {source} has no name.")
    ours = _our_extension(data)
    rate = ours.get("rate", 0)
    return Character(
        name=name,
        description=_text(data, "description"),
        personality=_text(data, "personality"),
        scenario=_text(data, "scenario"),
        greeting=_text(data, "first_mes"),
        example_dialogue=_text(data, "mes_example"),
        system_prompt=_text(data, "system_prompt"),
        post_history_instructions=_text(data, "post_history_instructions"),
        voice=Voice(
            voice=_text(ours, "voice"),
            rate=rate if isinstance(rate, int) else 0,
            language=_text(ours, "language"),
        ),
    )


def _find_avatar(card_path: Path, named: str) -> Path | None:
    """`extensions.voicebuddy.avatar` (relative to the card or to assets/), else an image
    with the card's name beside it or in assets/avatars/."""
    candidates = [card_path.parent / named, ASSETS_DIR / named] if named else []
    for folder in (card_path.parent, ASSETS_DIR / "avatars"):
        candidates += [folder / f"{card_path.stem}{suffix}" for suffix in _IMAGE_SUFFIXES]
    return next((c.resolve() for c in candidates if c.is_file()), None)


def load_character_file(path: Path) -> Character:
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VoiceBuddyError("card_not_found", f"No character card at {path}.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VoiceBuddyError(
            "card_unreadable", f"The character card {path} is not valid JSON ({exc})."
        ) from None
    if not isinstance(card, dict):
        raise VoiceBuddyError("card_invalid", f"The character card {path} is not a JSON object.")
    character = character_from_card(card, str(path))
    avatar = _find_avatar(path, _text(_our_extension(_card_data(card)), "avatar"))
    return dataclasses.replace(character, avatar=avatar, source=path.resolve())


def list_characters(folders: list[Path]) -> list[Character]:
    """Every readable card in `folders`, first folder first; a later same-named card is
    shadowed (the user's own folder comes before the bundled one). Broken cards are skipped."""
    found: dict[str, Character] = {}
    for folder in folders:
        for file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                character = load_character_file(file)
            except VoiceBuddyError:
                continue  # a broken card must not hide the others
            found.setdefault(character.name.casefold(), character)
    return list(found.values())


def find_character(name_or_path: str, folders: list[Path]) -> Character:
    """A character by card path, or by name or file stem (case-insensitive) in `folders`."""
    path = Path(name_or_path).expanduser()
    if path.suffix == ".json" and path.exists():
        return load_character_file(path)
    wanted = name_or_path.strip().casefold()
    characters = list_characters(folders)
    for character in characters:
        stem = character.source.stem.casefold() if character.source else ""
        if wanted in (character.name.casefold(), stem):
            return character
    listing = ", ".join(c.name for c in characters) or "none"
    raise VoiceBuddyError(
        "character_not_found", f"No character named {name_or_path!r} (available: {listing})."
    )
