"""Character cards inside PNG images: reading and writing `chara` / `ccv3` text chunks.

A card PNG is an ordinary image with the card as base64 JSON in a tEXt chunk: `chara` holds
V2 (or V1), `ccv3` holds V3 and wins when both are there. Keywords match case-insensitively,
and zTXt / iTXt chunks with those keywords are read too. Writing keeps every other chunk of
the image byte for byte and puts fresh `chara` and `ccv3` tEXt chunks just before IEND.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from dataclasses import dataclass
from typing import NoReturn

from voicebuddy.characters.card_checks import MAX_JSON_BYTES, fail, parse_card_json

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CARD_KEYWORDS = ("chara", "ccv3")
_TEXT_TYPES = (b"tEXt", b"zTXt", b"iTXt")
_MAX_CHUNK = 2**31 - 1  # the PNG spec's limit
# base64 of the largest card JSON we read, plus room for line breaks some writers add
_MAX_CARD_TEXT = MAX_JSON_BYTES * 4 // 3 + 64 * 1024


@dataclass(frozen=True)
class Chunk:
    type: bytes
    start: int  # offset of the chunk's length field in the file
    end: int  # offset just past its CRC

    def data(self, png: bytes) -> bytes:
        return png[self.start + 8 : self.end - 4]


def read_chunks(png: bytes, source: str, subject: str = "character card") -> list[Chunk]:
    """Every chunk up to and including IEND, with lengths and CRCs checked."""

    def damaged(why: str) -> NoReturn:
        fail("card_unreadable", source, f"is a damaged PNG image ({why})", subject)

    if not png.startswith(PNG_SIGNATURE):
        fail("card_unreadable", source, "is not a PNG image", subject)
    chunks: list[Chunk] = []
    pos = len(PNG_SIGNATURE)
    while True:  # each pass consumes at least 12 bytes, so this ends
        if pos + 12 > len(png):
            damaged("it is cut short before its IEND chunk")
        length, kind = struct.unpack_from(">I4s", png, pos)
        end = pos + 12 + length
        if length > _MAX_CHUNK or end > len(png):
            damaged(f"chunk {_name(kind)} runs past the end of the file")
        if not kind.isalpha():
            damaged(f"bad chunk type at offset {pos}")
        (crc,) = struct.unpack_from(">I", png, end - 4)
        if zlib.crc32(png[pos + 4 : end - 4]) != crc:
            damaged(f"chunk {_name(kind)} fails its CRC check")
        if not chunks and kind != b"IHDR":
            damaged("it does not start with an IHDR chunk")
        chunks.append(Chunk(kind, pos, end))
        pos = end
        if kind == b"IEND":
            return chunks


def _name(kind: bytes) -> str:
    return kind.decode("latin-1") if kind.isalpha() else repr(kind)


def _keyword(png: bytes, chunk: Chunk) -> str | None:
    """The lower-cased keyword of a text chunk, else None."""
    if chunk.type not in _TEXT_TYPES:
        return None
    head = png[chunk.start + 8 : min(chunk.end - 4, chunk.start + 8 + 80)]
    nul = head.find(b"\x00")
    return head[:nul].decode("latin-1").lower() if nul > 0 else None


def _inflate(data: bytes, source: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, _MAX_CARD_TEXT + 1)
    except zlib.error:
        fail("card_unreadable", source, "has a damaged compressed card chunk")
    if len(text) > _MAX_CARD_TEXT:
        fail("card_too_large", source, "has a card chunk larger than VoiceBuddy reads")
    return text


def _chunk_text(png: bytes, chunk: Chunk, source: str) -> bytes:
    """The text of a tEXt, zTXt or iTXt chunk (as bytes; card text is base64, so ASCII)."""
    data = chunk.data(png)
    rest = data[data.index(b"\x00") + 1 :]
    if chunk.type == b"tEXt":
        return rest
    if chunk.type == b"zTXt":
        if rest[:1] != b"\x00":
            fail("card_unreadable", source, "has a card chunk with an unknown compression")
        return _inflate(rest[1:], source)
    # iTXt: compression flag, method, language tag NUL, translated keyword NUL, text
    flag, method = rest[:1], rest[1:2]
    parts = rest[2:].split(b"\x00", 2)
    if len(parts) != 3 or flag not in (b"\x00", b"\x01") or (flag == b"\x01" and method != b"\x00"):
        fail("card_unreadable", source, "has a damaged iTXt card chunk")
    return _inflate(parts[2], source) if flag == b"\x01" else parts[2]


def _decode_base64(text: bytes, source: str, keyword: str) -> bytes:
    if len(text) > _MAX_CARD_TEXT:
        fail("card_too_large", source, f"has a {keyword} chunk larger than VoiceBuddy reads")
    compact = b"".join(text.split())  # some writers wrap base64 lines
    if len(compact) % 4 in (2, 3):  # Node's decoder accepts missing padding, so writers omit it
        compact += b"=" * (4 - len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        fail("card_unreadable", source, f"has a {keyword} chunk that is not valid base64")


def card_json_from_png(png: bytes, source: str) -> object:
    """The card JSON in a PNG: from its first `ccv3` chunk, else its first `chara` chunk."""
    found: dict[str, Chunk] = {}
    for chunk in read_chunks(png, source):
        keyword = _keyword(png, chunk)
        if keyword in CARD_KEYWORDS:
            found.setdefault(keyword, chunk)
    for keyword in ("ccv3", "chara"):
        if keyword in found:
            text = _chunk_text(png, found[keyword], source)
            stripped = text.strip()
            # a few old tools stored the JSON itself rather than base64
            raw = stripped if stripped[:1] == b"{" else _decode_base64(text, source, keyword)
            return parse_card_json(raw, source)
    fail("card_unsupported", source, "is an image without a character card in it")


def make_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_card(avatar: bytes, v2_json: bytes, v3_json: bytes, source: str) -> bytes:
    """`avatar` with its card chunks replaced by `chara` (V2) and `ccv3` (V3) tEXt chunks."""
    chunks = read_chunks(avatar, source, "avatar image for")
    out = bytearray(PNG_SIGNATURE)
    for chunk in chunks[:-1]:
        if _keyword(avatar, chunk) not in CARD_KEYWORDS:
            out += avatar[chunk.start : chunk.end]
    out += make_chunk(b"tEXt", b"chara\x00" + base64.b64encode(v2_json))
    out += make_chunk(b"tEXt", b"ccv3\x00" + base64.b64encode(v3_json))
    out += avatar[chunks[-1].start : chunks[-1].end]
    return bytes(out)


def placeholder_png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    """A size x size PNG of one colour, for a card that has no picture."""
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    row = b"\x00" + bytes(rgb) * size  # filter type 0, then the pixels
    pixels = zlib.compress(row * size, 9)
    return (
        PNG_SIGNATURE
        + make_chunk(b"IHDR", header)
        + make_chunk(b"IDAT", pixels)
        + make_chunk(b"IEND", b"")
    )
