"""The user's own characters: importing a card into their folder, exporting one out of it."""

from __future__ import annotations

import re
from pathlib import Path

from voicebuddy.characters.card_files import (
    image_type,
    read_card,
    write_card_charx,
    write_card_json,
    write_card_png,
)
from voicebuddy.characters.character import Character, load_character_file
from voicebuddy.errors import VoiceBuddyError

_UNSAFE = re.compile(r"[^\w\-. ]+", re.UNICODE)


def _file_stem(name: str) -> str:
    stem = _UNSAFE.sub("_", name).strip(" ._") or "character"
    return stem[:80]


def _free_path(folder: Path, name: str, suffix: str) -> Path:
    """`folder/<name><suffix>`; an existing file is replaced only if it holds the same
    character (re-importing updates it), otherwise a number is added."""
    stem = _file_stem(name)
    for number in range(1, 1000):
        path = folder / f"{stem}{'' if number == 1 else f'-{number}'}{suffix}"
        if not path.exists():
            return path
        try:
            if load_character_file(path).name == name:
                return path
        except VoiceBuddyError:
            continue  # a broken file of the same name stays as it is
    raise VoiceBuddyError("card_unwritable", f"Too many cards named {name!r} in {folder}.")


def import_card(source: Path, folder: Path) -> Character:
    """Copy a card (any supported kind) into the user's characters folder.

    A card is stored as a PNG card, which carries a PNG avatar unchanged; CHARX stays CHARX
    (it carries assets), and so does a card whose avatar is a JPEG or WebP. Nothing is
    written when the card cannot be read.
    """
    imported = read_card(source)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VoiceBuddyError(
            "card_unwritable", f"Cannot create the characters folder {folder}: {exc.strerror}."
        ) from None
    card, avatar = imported.card, imported.avatar
    png_avatar = avatar is None or image_type(avatar) == "png"
    if imported.format == "charx" or not png_avatar:
        target = _free_path(folder, card.name, ".charx")
        write_card_charx(card, avatar, imported.asset_files, target)
    else:
        target = _free_path(folder, card.name, ".png")
        write_card_png(card, avatar, target)
    return load_character_file(target)


def export_card(character: Character, out: Path) -> None:
    """Write `character` as a PNG card (V2 `chara` and V3 `ccv3`) or as V3 JSON, by suffix."""
    suffix = out.suffix.lower()
    if suffix == ".json":
        write_card_json(character.card, out)
        return
    if suffix != ".png":
        raise VoiceBuddyError("card_unsupported", f"Export to .png or .json, not {out.name}.")
    avatar = None
    if character.avatar is not None and character.avatar.suffix.lower() == ".png":
        try:
            avatar = character.avatar.read_bytes()
        except OSError:
            avatar = None
    write_card_png(character.card, avatar if avatar and image_type(avatar) == "png" else None, out)
