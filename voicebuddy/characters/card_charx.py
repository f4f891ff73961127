"""CHARX: a ZIP archive with the V3 card as `card.json` at its root and its assets beside it,
referenced from the card as "embeded://assets/icon/images/main.png".

Archives are untrusted, so before anything is decompressed the member count, the declared
sizes, the compression ratios and every path are checked; members are then read in bounded
pieces with the real byte count checked as well, and only stored or deflated members are read
(zipfile inflates bzip2 and LZMA without an output bound).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.card_checks import (
    MAX_JSON_BYTES,
    MiB,
    check_size,
    fail,
    is_safe_relative_path,
    parse_card_json,
    short,
    size_text,
)
from voicebuddy.characters.card_json import embedded_path

CARD_JSON = "card.json"
MAX_MEMBERS = 1_000
MAX_MEMBER_BYTES = 32 * MiB
MAX_TOTAL_BYTES = 100 * MiB
MAX_RATIO = 100  # uncompressed / compressed, for members over 1 MB
_MAX_DIRECTORY_BYTES = 1 * MiB  # the central directory: ~250 KB for 1,000 members
_PIECE = 64 * 1024
_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
# zipfile has no single error type; these are what it raises on damaged archives
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    struct.error,
    IndexError,
    KeyError,
    OverflowError,
)


def is_zip(raw: bytes) -> bool:
    return raw[:4] in (b"PK\x03\x04", _END_OF_DIRECTORY)


def _check_directory(raw: bytes, source: str) -> None:
    """Bound the central directory before zipfile parses it: zipfile builds one object per
    record up front, so a 64 MB directory of tiny records would cost gigabytes."""
    # find the end-of-directory record where zipfile looks for it
    if raw[-22:-18] == _END_OF_DIRECTORY and raw[-2:] == b"\x00\x00":
        pos = len(raw) - 22
    else:
        pos = raw.rfind(_END_OF_DIRECTORY, max(0, len(raw) - 22 - 65535))
    if pos < 0 or len(raw) - pos < 22:
        fail("card_unreadable", source, "is not a valid CHARX (ZIP) archive")
    if pos >= 20 and raw[pos - 20 : pos - 16] == _ZIP64_LOCATOR:
        fail("card_unsupported", source, "is a ZIP64 archive, which a character card never needs")
    entries, directory_size = struct.unpack_from("<HI", raw, pos + 10)
    if entries > MAX_MEMBERS or directory_size > _MAX_DIRECTORY_BYTES:
        fail("card_too_large", source, f"has more than the {MAX_MEMBERS:,} files VoiceBuddy reads")


def _files_to_read(archive: zipfile.ZipFile, source: str) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        fail("card_too_large", source, f"has more than the {MAX_MEMBERS:,} files VoiceBuddy reads")
    files: list[zipfile.ZipInfo] = []
    names: set[str] = set()
    declared = 0
    for info in infos:
        name = info.filename
        if not is_safe_relative_path(name.removesuffix("/")):
            fail("card_invalid", source, f"contains a file with the unsafe path {short(name)}")
        if info.is_dir():
            continue
        if name in names:
            fail("card_invalid", source, f"contains two files named {short(name)}")
        names.add(name)
        if info.flag_bits & 0x1:
            fail("card_unsupported", source, "is an encrypted archive")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            fail(
                "card_unsupported",
                source,
                f"compresses {short(name)} with a method VoiceBuddy does not read",
            )
        limit = MAX_JSON_BYTES if name == CARD_JSON else MAX_MEMBER_BYTES
        check_size(info.file_size, limit, source, f"has a file {short(name)} of")
        if info.file_size > MiB and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            fail(
                "card_too_large",
                source,
                f"has a file {short(name)} that unpacks to {size_text(info.file_size)} "
                f"from far less, like a zip bomb",
            )
        declared += info.file_size
        if declared > MAX_TOTAL_BYTES:
            fail(
                "card_too_large",
                source,
                f"unpacks to more than the {size_text(MAX_TOTAL_BYTES)} VoiceBuddy reads",
            )
        files.append(info)
    return files


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, source: str) -> bytes:
    """The member's bytes, read in pieces so that a lying size field cannot exhaust memory."""
    data = bytearray()
    with archive.open(info) as member:
        while piece := member.read(_PIECE):
            data += piece
            if len(data) > limit:
                fail(
                    "card_too_large",
                    source,
                    f"has a file {short(info.filename)} larger than it declares",
                )
    return bytes(data)


def read_charx(raw: bytes, source: str) -> tuple[object, dict[str, bytes]]:
    """(the parsed card.json, every other file by its path in the archive)."""
    _check_directory(raw, source)
    files: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            for info in _files_to_read(archive, source):
                files[info.filename] = _read_member(archive, info, info.file_size, source)
    except _ZIP_ERRORS:
        fail("card_unreadable", source, "is a damaged CHARX (ZIP) archive")
    card_json = files.pop(CARD_JSON, None)
    if card_json is None:
        fail("card_invalid", source, f"is a ZIP archive without the {CARD_JSON} of a CHARX card")
    return parse_card_json(card_json, source), files


def main_icon_path(card: CharacterCard) -> str | None:
    """The archive path of the card's main icon: the "icon" asset named "main", else the
    first "icon" asset, if it is embedded in the archive."""
    index = main_icon_index(card)
    return None if index is None else embedded_path(card.assets[index].uri)


def main_icon_index(card: CharacterCard) -> int | None:
    """The index in card.assets of the "icon" named "main", else of the first "icon"."""
    icons = [i for i, asset in enumerate(card.assets) if asset.type == "icon"]
    mains = [i for i in icons if card.assets[i].name == "main"]
    found = mains or icons
    return found[0] if found else None


def charx_bytes(card_json: bytes, files: dict[str, bytes]) -> bytes:
    """A CHARX archive of `card_json` and `files` (path in the archive -> bytes), with fixed
    timestamps so that the same card always gives the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [(CARD_JSON, card_json), *files.items()]:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
