"""The character a conversation is held with, and where characters are found.

This is the subset of Character Card V2 that a voice turn needs; the card issue extends it to
the full V3 model. Bundled characters live in the repository's `characters/` folder, the user's
own in the platform data dir.
"""

from __future__ import annotations

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


BUNDLED_DIR = Path(__file__).resolve().parents[2] / "characters"


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    return value if isinstance(value, str) else ""


def character_from_card(card: dict[str, Any], source: str) -> Character:
    """Read a V1 or V2 card (a JSON object) into a Character."""
    data = card.get("data") if isinstance(card.get("data"), dict) else card
    assert isinstance(data, dict)
    name = _text(data, "name").strip()
    if not name:
        raise VoiceBuddyError("card_invalid", f"The character card {source} has no name.")
    extensions = data.get("extensions") if isinstance(data.get("extensions"), dict) else {}
    assert isinstance(extensions, dict)
    ours = extensions.get("voicebuddy") if isinstance(extensions.get("voicebuddy"), dict) else {}
    assert isinstance(ours, dict)
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
        voice=Voice(voice=str(ours.get("voice", "")), rate=rate if isinstance(rate, int) else 0),
    )


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
    return character_from_card(card, str(path))


def find_character(name_or_path: str, folders: list[Path]) -> Character:
    """A character by file path, or by name (case-insensitive) among the cards in `folders`."""
    path = Path(name_or_path).expanduser()
    if path.suffix == ".json" and path.exists():
        return load_character_file(path)
    wanted = name_or_path.strip().casefold()
    available: list[str] = []
    for folder in folders:
        for file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                character = load_character_file(file)
            except VoiceBuddyError:
                continue  # a broken card elsewhere in the folder must not hide this one
            available.append(character.name)
            if wanted in (character.name.casefold(), file.stem.casefold()):
                return character
    listing = ", ".join(available) or "none"
    raise VoiceBuddyError(
        "character_not_found", f"No character named {name_or_path!r} (available: {listing})."
    )
