"""The user's own characters: importing a card into their folder, exporting one out of it.

An import never destroys a card: the same card again is "already imported" and writes
nothing; a different card with a name that is already there is kept beside it (`Lena-2.png`,
known by that file name, see `Character.key`); only `replace` puts a new card in the place of
the old one, whose file goes to the `replaced/` folder first. Conversations are kept by the
character's key, so they stay with the card they were held with (and a replacing card takes
over the conversations of the card it replaces).

An export carries no memories unless it is given some (see voicebuddy/memory/cards.py): a
card that came with `extensions.voicebuddy.memories` from someone else is exported without.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.card_files import (
    card_charx_bytes,
    card_png_bytes,
    image_type,
    read_card,
    write_atomic,
    write_card_json,
    write_card_png,
)
from voicebuddy.characters.character import (
    CARD_SUFFIXES,
    Character,
    file_stem,
    load_character_file,
)
from voicebuddy.errors import VoiceBuddyError

ImportStatus = Literal["imported", "already_imported", "replaced"]
MEMORIES = "memories"  # extensions.voicebuddy.memories: what a character remembers, exported


@dataclass(frozen=True)
class Imported:
    character: Character  # as stored in the user's folder
    status: ImportStatus
    coerced: tuple[str, ...] = ()  # fields read leniently (see FieldReader)
    replaced_kept_at: Path | None = None  # where the card it replaced was moved

    def message(self) -> str:
        """One sentence for the user."""
        character = self.character
        if self.status == "already_imported":
            return f"{character.name} is already imported ({character.source}); nothing changed."
        if self.status == "replaced":
            return (
                f"Replaced {character.name} in {character.source}; the old card is kept in "
                f"{self.replaced_kept_at}."
            )
        if character.key != character.name:
            return (
                f"Imported {character.name} into {character.source}, as {character.key}: "
                f"another card named {character.name} is already there."
            )
        return f"Imported {character.name} into {character.source}"


def _cards_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in CARD_SUFFIXES and p.is_file())


def _named(files: list[Path], name: str) -> list[Character]:
    """The readable cards among `files` named `name` (case-insensitive)."""
    found = []
    for path in files:
        try:
            character = load_character_file(path)
        except VoiceBuddyError:
            continue  # a broken card is not this one, and stays as it is
        if character.name.casefold() == name.casefold():
            found.append(character)
    return found


def _free_stem(files: list[Path], stem: str) -> str:
    taken = {path.stem.casefold() for path in files}
    for number in range(1, 1000):
        candidate = stem if number == 1 else f"{stem}-{number}"
        if candidate.casefold() not in taken:
            return candidate
    raise VoiceBuddyError("card_unwritable", f"Too many cards named {stem!r}.")


def _keep_replaced(path: Path, replaced_folder: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        replaced_folder.mkdir(parents=True, exist_ok=True)
        for number in range(1, 1000):
            extra = "" if number == 1 else f"-{number}"
            kept = replaced_folder / f"{path.stem}-{stamp}{extra}{path.suffix}"
            if not kept.exists():
                shutil.move(path, kept)
                return kept
    except OSError as exc:
        raise VoiceBuddyError(
            "card_unwritable", f"Cannot keep the replaced card {path}: {exc.strerror or exc}."
        ) from None
    raise VoiceBuddyError("card_unwritable", f"Too many replaced cards in {replaced_folder}.")


def import_card(
    source: Path, folder: Path, *, replace: bool = False, replaced_folder: Path | None = None
) -> Imported:
    """Copy a card (any supported kind) into the user's characters `folder`.

    A card is stored as a PNG card, which carries a PNG avatar unchanged; CHARX stays CHARX
    (it carries assets), and so does a card whose avatar is a JPEG or WebP. Nothing is
    written when the card cannot be read. `replaced_folder` (default: `replaced/` beside
    `folder`) keeps a card that `replace` puts a new one in the place of.
    """
    imported = read_card(source)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VoiceBuddyError(
            "card_unwritable", f"Cannot create the characters folder {folder}: {exc.strerror}."
        ) from None
    card, avatar = imported.card, imported.avatar
    stem = file_stem(card.name)
    png_avatar = avatar is None or image_type(avatar) == "png"
    suffix = ".charx" if imported.format == "charx" or not png_avatar else ".png"
    where = folder / f"{stem}{suffix}"  # names the file in error messages
    if suffix == ".png":
        data = card_png_bytes(card, avatar, where)
    else:
        data = card_charx_bytes(card, avatar, imported.asset_files, where)
    coerced = tuple(imported.coerced)

    files = _cards_in(folder)
    same_named = _named(files, card.name)
    for existing in same_named:
        if existing.source is not None and existing.source.read_bytes() == data:
            return Imported(existing, "already_imported", coerced)
    kept_at = None
    first = next((c for c in same_named if c.key == c.name), None)
    if replace and first is not None and first.source is not None:
        kept_at = _keep_replaced(first.source, replaced_folder or folder.parent / "replaced")
        target = first.source.with_suffix(suffix)
    else:
        target = folder / f"{_free_stem(files, stem)}{suffix}"
    write_atomic(target, data)
    status: ImportStatus = "replaced" if kept_at is not None else "imported"
    return Imported(load_character_file(target), status, coerced, kept_at)


def card_with_memories(
    card: CharacterCard, memories: Sequence[Mapping[str, Any]] | None
) -> CharacterCard:
    """`card` with `memories` as its extensions.voicebuddy.memories, or with none there when
    `memories` is None; everything else in it as it was. `card` itself is not changed."""
    ours = card.extensions.get("voicebuddy")
    if memories is None:
        if not isinstance(ours, dict) or MEMORIES not in ours:
            return card
        kept = {key: value for key, value in ours.items() if key != MEMORIES}
        extensions = {
            key: kept if key == "voicebuddy" else value
            for key, value in card.extensions.items()
            if key != "voicebuddy" or kept  # it only held memories: it goes with them
        }
        return dataclasses.replace(card, extensions=extensions)
    if ours is not None and not isinstance(ours, dict):
        raise VoiceBuddyError(
            "card_invalid",
            f"The card of {card.name} has an extensions.voicebuddy that is not an object, so "
            "it cannot carry memories.",
        )
    voicebuddy = {**(ours or {}), MEMORIES: [dict(memory) for memory in memories]}
    return dataclasses.replace(card, extensions={**card.extensions, "voicebuddy": voicebuddy})


def export_card(
    character: Character, out: Path, memories: Sequence[Mapping[str, Any]] | None = None
) -> None:
    """Write `character` as a PNG card (V2 `chara` and V3 `ccv3`) or as V3 JSON, by suffix,
    with `memories` in it, or with no memories at all when None (see `card_with_memories`)."""
    card = card_with_memories(character.card, memories)
    suffix = out.suffix.lower()
    if suffix == ".json":
        write_card_json(card, out)
        return
    if suffix != ".png":
        raise VoiceBuddyError("card_unsupported", f"Export to .png or .json, not {out.name}.")
    avatar = None
    if character.avatar is not None and character.avatar.suffix.lower() == ".png":
        try:
            avatar = character.avatar.read_bytes()
        except OSError:
            avatar = None
    write_card_png(card, avatar if avatar and image_type(avatar) == "png" else None, out)
