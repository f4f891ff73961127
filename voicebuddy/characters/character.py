"""The character a conversation is held with, and where characters are found.

A Character is a card (the full Character Card V3 model) plus where it came from and its
avatar image. Bundled characters live in the repository's `characters/` folder with avatars in
`assets/avatars/`; the user's own are in the `characters` folder of the platform data dir.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.card_files import read_card
from voicebuddy.errors import VoiceBuddyError

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "characters"
ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
CARD_SUFFIXES = (".json", ".png", ".charx", ".yaml", ".yml")
_IMAGE_SUFFIXES = (".png", ".webp", ".jpg", ".jpeg", ".svg")
_UNSAFE = re.compile(r"[^\w\-. ]+", re.UNICODE)


def file_stem(name: str) -> str:
    """A file name (without suffix) for a card named `name`."""
    stem = _UNSAFE.sub("_", name).strip(" ._") or "character"
    return stem[:80]


@dataclass(frozen=True)
class Voice:
    """How a character sounds and what it hears, from the card's extensions.voicebuddy."""

    voice: str = ""  # a voice id or name, a Piper .onnx file, or a language tag
    rate: int = 0  # words per minute (system voices); 0 keeps the voice's own
    language: str = ""  # what the character speaks and hears: "en", "zh", ... ("" unknown)
    speaker: str = ""  # a multi-speaker Piper voice's speaker, by name or number
    length_scale: float = 0.0  # a Piper voice's pace (> 1 slower); 0 keeps the voice's own


@dataclass(frozen=True)
class Character:
    card: CharacterCard
    avatar: Path | None = None  # an image file
    source: Path | None = None  # the card file it was read from

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def key(self) -> str:
        """What conversations and settings know the character by: its name, unless this is
        another card of the same name kept beside the first (`Lena-2.png`, see
        `library.import_card`): that one goes by its file name."""
        stem = self.source.stem if self.source is not None else ""
        numbered = re.fullmatch(re.escape(file_stem(self.name)) + r"-([0-9]+)", stem)
        return stem if numbered and int(numbered.group(1)) >= 2 else self.name

    @property
    def display_name(self) -> str:
        """What {{char}} becomes: the V3 nickname when there is one."""
        return self.card.nickname or self.card.name

    @property
    def description(self) -> str:
        return self.card.description

    @property
    def preferred_model(self) -> str:
        """`extensions.voicebuddy.model`: the chat model the character talks with, by a found
        model's short name (`voicebuddy models --discover`) or a file (relative to the card)."""
        model = self.card.voicebuddy.get("model")
        model = model.strip() if isinstance(model, str) else ""
        if model.lower().endswith(".gguf") and self.source is not None:
            model = str(self.source.parent / Path(model).expanduser())
        return model

    @property
    def voice(self) -> Voice:
        ours = self.card.voicebuddy
        voice, rate, language = ours.get("voice"), ours.get("rate"), ours.get("language")
        speaker, scale = ours.get("speaker"), ours.get("length_scale")
        voice = voice.strip() if isinstance(voice, str) else ""
        if voice.endswith(".onnx") and self.source is not None:  # relative to the card
            voice = str(self.source.parent / Path(voice).expanduser())
        return Voice(
            voice=voice,
            rate=rate if isinstance(rate, int) and not isinstance(rate, bool) else 0,
            language=language if isinstance(language, str) else "",
            speaker=str(speaker) if isinstance(speaker, (str, int)) else "",
            length_scale=float(scale) if isinstance(scale, (int, float)) else 0.0,
        )


def _find_avatar(card_path: Path, named: str) -> Path | None:
    """`extensions.voicebuddy.avatar` (relative to the card or to assets/), else an image with
    the card's name beside it or in assets/avatars/. A PNG card is its own avatar."""
    if card_path.suffix.lower() == ".png":
        return card_path.resolve()
    candidates = [card_path.parent / named, ASSETS_DIR / named] if named else []
    for folder in (card_path.parent, ASSETS_DIR / "avatars"):
        candidates += [folder / f"{card_path.stem}{suffix}" for suffix in _IMAGE_SUFFIXES]
    folders = (card_path.parent.resolve(), ASSETS_DIR.resolve())
    for candidate in candidates:
        resolved = candidate.resolve()
        # a card's avatar path is untrusted: it may only point beside the card or into assets/
        if resolved.is_file() and any(resolved.is_relative_to(f) for f in folders):
            return resolved
    return None


def load_character_file(path: Path) -> Character:
    """A card file of any supported kind (JSON, PNG, CHARX, text-generation-webui YAML)."""
    card = read_card(path).card
    named = card.voicebuddy.get("avatar")
    avatar = _find_avatar(path, named if isinstance(named, str) else "")
    return Character(card, avatar=avatar, source=path.resolve())


def list_characters(folders: list[Path]) -> list[Character]:
    """Every readable card in `folders`, first folder first; a later card with the same `key`
    is shadowed (the user's own folder comes before the bundled one). Broken cards are
    skipped."""
    found: dict[str, Character] = {}
    for folder in folders:
        files = sorted(folder.iterdir()) if folder.is_dir() else []
        for file in files:
            if file.suffix.lower() not in CARD_SUFFIXES or not file.is_file():
                continue
            try:
                character = load_character_file(file)
            except VoiceBuddyError:
                continue  # a broken card must not hide the others
            found.setdefault(character.key.casefold(), character)
    return list(found.values())


def find_character(name_or_path: str, folders: list[Path]) -> Character:
    """A character by card path, or by key, name or file stem (case-insensitive) in
    `folders`."""
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() in CARD_SUFFIXES and path.is_file():
        return load_character_file(path)
    wanted = name_or_path.strip().casefold()
    characters = list_characters(folders)
    for character in characters:
        if character.key.casefold() == wanted:
            return character
    for character in characters:
        stem = character.source.stem.casefold() if character.source else ""
        if wanted in (character.name.casefold(), character.card.nickname.casefold(), stem):
            return character
    listing = ", ".join(c.name for c in characters) or "none"
    raise VoiceBuddyError(
        "character_not_found", f"No character named {name_or_path!r} (available: {listing})."
    )
