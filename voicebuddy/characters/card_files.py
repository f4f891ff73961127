"""Character card files: reading PNG, CHARX, JSON and YAML cards, and writing PNG, JSON and
CHARX ones.

Files are untrusted: every way a file can be broken or hostile ends in VoiceBuddyError with a
stable code (see card_checks), and writing checks that the result reads back before anything
touches the disk, then replaces the target in one step.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from voicebuddy.characters.card import Asset, CharacterCard
from voicebuddy.characters.card_charx import (
    charx_bytes,
    is_zip,
    main_icon_index,
    main_icon_path,
    read_charx,
)
from voicebuddy.characters.card_checks import (
    MAX_CONTAINER_BYTES,
    MAX_JSON_BYTES,
    check_size,
    fail,
    parse_card_json,
)
from voicebuddy.characters.card_json import card_from_json, card_spec, card_to_v2, card_to_v3
from voicebuddy.characters.card_png import (
    PNG_SIGNATURE,
    card_json_from_png,
    placeholder_png,
    png_with_card,
)
from voicebuddy.characters.card_tgw import card_from_tgw, is_tgw_json, load_yaml
from voicebuddy.errors import VoiceBuddyError

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


@dataclass
class ImportedCard:
    card: CharacterCard
    avatar: bytes | None = None  # the picture's bytes as found (PNG, JPEG or WebP)
    asset_files: dict[str, bytes] = field(default_factory=dict)  # CHARX files by archive path
    format: str = "json"  # the file: "png", "charx", "json" or "yaml"
    spec: str = "v3"  # its card: "v1", "v2", "v3", or "tgw" (text-generation-webui)
    coerced: list[str] = field(default_factory=list)  # fields read leniently (FieldReader)


def image_type(data: bytes) -> str | None:
    """The format of image bytes: "png", "jpeg" or "webp", else None."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _read_file(path: Path, limit: int, subject: str = "character card") -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            fail("card_unreadable", str(path), "is not a regular file", subject)
        check_size(info.st_size, limit, str(path), subject=subject)
        with path.open("rb") as file:
            # read(n) allocates n bytes up front, so ask for what stat() saw, not for the limit
            data = file.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew since stat(): read on, up to the limit
                data += file.read(limit + 1 - len(data))
    except FileNotFoundError:
        raise VoiceBuddyError("card_not_found", f"No character card at {path}.") from None
    except OSError as exc:
        fail("card_unreadable", str(path), f"could not be read ({exc.strerror or exc})", subject)
    check_size(len(data), limit, str(path), subject=subject)
    return data


def _image_beside(path: Path) -> bytes | None:
    """text-generation-webui's picture: an image with the card's name in the same folder."""
    for suffix in _IMAGE_SUFFIXES:
        for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
            if candidate.is_file():
                data = _read_file(candidate, MAX_CONTAINER_BYTES, "avatar image")
                if image_type(data):
                    return data
    return None


def read_card(path: Path) -> ImportedCard:
    """The card in a PNG, CHARX, JSON (V1, V2, V3, Pygmalion) or YAML file, by its content
    first and its suffix second."""
    source = str(path)
    raw = _read_file(path, MAX_CONTAINER_BYTES)
    coerced: list[str] = []
    if raw.startswith(PNG_SIGNATURE):
        obj = card_json_from_png(raw, source)
        card = card_from_json(obj, source, coerced)
        return ImportedCard(card, raw, {}, "png", card_spec(obj, source), coerced)
    if is_zip(raw):
        obj, files = read_charx(raw, source)
        card = card_from_json(obj, source, coerced)
        icon = main_icon_path(card)
        avatar = files.get(icon) if icon else None
        return ImportedCard(card, avatar, files, "charx", card_spec(obj, source), coerced)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        card = card_from_tgw(load_yaml(raw, source), source)
        return ImportedCard(card, _image_beside(path), {}, "yaml", "tgw")
    if suffix == ".json" or raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        check_size(len(raw), MAX_JSON_BYTES, source)
        obj = parse_card_json(raw, source)
        if is_tgw_json(obj):
            return ImportedCard(card_from_tgw(obj, source), _image_beside(path), {}, "json", "tgw")
        card = card_from_json(obj, source, coerced)
        return ImportedCard(card, None, {}, "json", card_spec(obj, source), coerced)
    fail("card_unsupported", source, "is not a PNG, CHARX, JSON or YAML character card")


def _json_bytes(obj: object, source: str, indent: int | None = None) -> bytes:
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=indent)
    except (TypeError, ValueError):
        fail("card_invalid", source, "holds a value that JSON cannot store")
    data = text.encode("utf-8")
    check_size(len(data), MAX_JSON_BYTES, source, "would hold card JSON of")
    return data


def _export(card: CharacterCard, source: str, indent: int | None = None) -> tuple[bytes, bytes]:
    """(V2 JSON, V3 JSON) of the card, checked to read back."""
    v2, v3 = card_to_v2(card), card_to_v3(card)
    card_from_json(v3, source)  # a card VoiceBuddy could not read back is never written
    return _json_bytes(v2, source, indent), _json_bytes(v3, source, indent)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise VoiceBuddyError(
            "card_unwritable",
            f"The character card {path} could not be written ({exc.strerror or exc}).",
        ) from None


def _placeholder(name: str) -> bytes:
    hue = zlib.crc32(name.encode("utf-8", "replace"))
    return placeholder_png((64 + (hue & 0x7F), 64 + (hue >> 8 & 0x7F), 64 + (hue >> 16 & 0x7F)))


def write_card_png(card: CharacterCard, avatar: bytes | None, path: Path) -> None:
    """`avatar` (a PNG; a plain coloured square if None) with the card in `chara` (V2) and
    `ccv3` (V3) chunks. All other chunks of the avatar are kept byte for byte."""
    write_atomic(path, card_png_bytes(card, avatar, path))


def card_png_bytes(card: CharacterCard, avatar: bytes | None, path: Path) -> bytes:
    """What `write_card_png` writes to `path`."""
    source = str(path)
    v2, v3 = _export(card, source)
    image = _placeholder(card.name) if avatar is None else avatar
    if image_type(image) != "png":
        raise VoiceBuddyError(
            "card_unsupported",
            f"The avatar image for {path} is not a PNG, so it cannot carry a PNG character card.",
        )
    png = png_with_card(image, v2, v3, source)
    check_size(len(png), MAX_CONTAINER_BYTES, source, "would be")
    return png


def write_card_json(card: CharacterCard, path: Path) -> None:
    """The card as a Character Card V3 JSON file."""
    write_atomic(path, _export(card, str(path), indent=2)[1])


def _with_icon(card: CharacterCard, kind: str) -> tuple[CharacterCard, str]:
    """The card with a main icon embedded in the archive, and that icon's path."""
    index = main_icon_index(card)
    path = main_icon_path(card)
    if path is not None:
        return card, path
    path = f"assets/icon/images/main.{kind}"
    icon = Asset(type="icon", uri=f"embeded://{path}", name="main", ext=kind)
    assets = list(card.assets)
    if index is None:
        assets.insert(0, icon)
    else:  # e.g. "ccdefault:", which means the picture itself
        assets[index] = dataclasses.replace(assets[index], uri=icon.uri, ext=kind)
    return dataclasses.replace(card, assets=assets), path


def write_card_charx(
    card: CharacterCard, avatar: bytes | None, asset_files: dict[str, bytes], path: Path
) -> None:
    """A CHARX archive of the card (as card.json), `asset_files` and `avatar` as its main icon."""
    write_atomic(path, card_charx_bytes(card, avatar, asset_files, path))


def card_charx_bytes(
    card: CharacterCard, avatar: bytes | None, asset_files: dict[str, bytes], path: Path
) -> bytes:
    """What `write_card_charx` writes to `path`."""
    source = str(path)
    files = dict(asset_files)
    if avatar is not None:
        card, icon = _with_icon(card, image_type(avatar) or "png")
        files[icon] = avatar
    archive = charx_bytes(_export(card, source, indent=2)[1], files)
    check_size(len(archive), MAX_CONTAINER_BYTES, source, "would be")
    read_charx(archive, source)  # limits and paths: never write what read_card would refuse
    return archive
