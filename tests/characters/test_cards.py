"""Character cards: V1/V2/V3 JSON, PNG, CHARX and text-generation-webui YAML, read with every
field checked and written back without loss. Fixtures are built here, shaped like real cards
(SillyTavern's V2 export with its top-level mirrors, a RisuAI-style V3 with assets)."""

from __future__ import annotations

import base64
import copy
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from voicebuddy.characters.card import Asset, CharacterCard, Lorebook, LoreEntry
from voicebuddy.characters.card_files import (
    ImportedCard,
    read_card,
    write_card_charx,
    write_card_json,
    write_card_png,
)
from voicebuddy.characters.card_json import card_from_json, card_to_v2, card_to_v3
from voicebuddy.errors import VoiceBuddyError

# --- building PNG, ZIP and card fixtures ---------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def split_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, whole chunk bytes) for each chunk, without any checks."""
    out, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        out.append((png[pos + 4 : pos + 8], png[pos : pos + 12 + length]))
        pos += 12 + length
    return out


def avatar_png() -> bytes:
    """A real 4x3 RGB picture with the chunks a drawing program leaves: two IDATs, pHYs, tEXt."""
    width, height = 4, 3
    raw = b"".join(
        b"\x00" + b"".join(bytes([x * 60, y * 100, 200]) for x in range(width))
        for y in range(height)
    )
    pixels = zlib.compress(raw)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1))
        + chunk(b"tEXt", b"Software\x00Krita")
        + chunk(b"IDAT", pixels[:10])
        + chunk(b"IDAT", pixels[10:])
        + chunk(b"IEND", b"")
    )


def b64json(obj: object) -> bytes:
    return base64.b64encode(json.dumps(obj, ensure_ascii=False).encode("utf-8"))


def with_text_chunks(png: bytes, *chunks: bytes) -> bytes:
    """`png` with `chunks` inserted just before IEND."""
    assert png.endswith(chunk(b"IEND", b""))
    return png[:-12] + b"".join(chunks) + png[-12:]


def text_chunk(keyword: str, text: bytes) -> bytes:
    return chunk(b"tEXt", keyword.encode("latin-1") + b"\x00" + text)


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def v2_json() -> dict[str, Any]:
    """A card as SillyTavern exports V2: `data`, plus V1 mirrors and its own fields on top."""
    data: dict[str, Any] = {
        "name": "Seraphina",
        "description": "{{char}} guards the Eldoria forest. Ünïcödé and 中文 too.",
        "personality": "Kind, protective, a little stern.",
        "scenario": "{{user}} wakes up in a glade after an ambush.",
        "first_mes": "*Seraphina smiles.* You're awake!",
        "mes_example": "<START>\n{{user}}: Where am I?\n{{char}}: Safe, in my glade.",
        "creator_notes": "Works best with long replies.",
        "system_prompt": "{{original}} Stay in character.",
        "post_history_instructions": "Reply in one paragraph.",
        "alternate_greetings": ["Oh! A visitor.", "Back so soon?"],
        "tags": ["fantasy", "female", "guardian"],
        "creator": "Tavern Artisan",
        "character_version": "1.2",
        "extensions": {
            "talkativeness": "0.5",
            "fav": False,
            "world": "Eldoria",
            "depth_prompt": {"prompt": "Mind the forest.", "depth": 4, "role": "system"},
            "voicebuddy": {"voice": "en-us", "rate": 170},
        },
        "character_book": {
            "name": "Eldoria",
            "description": "The forest and its people.",
            "scan_depth": 4,
            "token_budget": 512,
            "recursive_scanning": True,
            "extensions": {"st_book": {"version": 2}},
            "entries": [
                {
                    "id": 0,
                    "keys": ["forest", "glade"],
                    "secondary_keys": ["night"],
                    "comment": "The forest at night",
                    "content": "At night the forest glows blue.",
                    "constant": False,
                    "selective": True,
                    "insertion_order": 100,
                    "enabled": True,
                    "position": "before_char",
                    "case_sensitive": False,
                    "name": "Forest",
                    "priority": 10,
                    "extensions": {"position": 0, "depth": 4, "probability": 100},
                },
                {
                    "id": 1,
                    "keys": ["Eldoria"],
                    "secondary_keys": [],
                    "comment": "",
                    "content": "Eldoria is a kingdom of elves.",
                    "constant": True,
                    "selective": False,
                    "insertion_order": 50,
                    "enabled": False,
                    "position": "after_char",
                    "case_sensitive": True,
                    "name": "Kingdom",
                    "priority": 5,
                    "extensions": {},
                    "probability_custom": 3,
                },
                {
                    "id": 2,
                    "keys": ["dragon"],
                    "secondary_keys": ["fire", "cave"],
                    "comment": "at depth",
                    "content": "Dragons sleep under the mountain.",
                    "constant": False,
                    "selective": True,
                    "insertion_order": 7,
                    "enabled": True,
                    "position": "depth",
                    "case_sensitive": False,
                    "name": "Dragon",
                    "priority": 1,
                    "extensions": {"position": 4, "depth": 2},
                },
            ],
            "book_field_from_the_future": "kept",
        },
        "data_field_from_the_future": {"nested": [1, 2.5, None, True]},
    }
    mirrors = {key: data[key] for key in ("name", "description", "personality", "scenario")}
    mirrors.update(first_mes=data["first_mes"], mes_example=data["mes_example"])
    return {
        **mirrors,
        "creatorcomment": data["creator_notes"],
        "avatar": "none",
        "chat": "Seraphina - 2024-5-1 @12h 00m 00s 000ms",
        "talkativeness": "0.5",
        "fav": False,
        "tags": data["tags"],
        "create_date": "2024-5-1 @12h 00m 00s 000ms",
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": data,
    }


def v2_card() -> CharacterCard:
    """Exactly what v2_json() must read as."""
    return CharacterCard(
        name="Seraphina",
        description="{{char}} guards the Eldoria forest. Ünïcödé and 中文 too.",
        personality="Kind, protective, a little stern.",
        scenario="{{user}} wakes up in a glade after an ambush.",
        first_mes="*Seraphina smiles.* You're awake!",
        mes_example="<START>\n{{user}}: Where am I?\n{{char}}: Safe, in my glade.",
        creator_notes="Works best with long replies.",
        system_prompt="{{original}} Stay in character.",
        post_history_instructions="Reply in one paragraph.",
        alternate_greetings=["Oh! A visitor.", "Back so soon?"],
        tags=["fantasy", "female", "guardian"],
        creator="Tavern Artisan",
        character_version="1.2",
        extensions={
            "talkativeness": "0.5",
            "fav": False,
            "world": "Eldoria",
            "depth_prompt": {"prompt": "Mind the forest.", "depth": 4, "role": "system"},
            "voicebuddy": {"voice": "en-us", "rate": 170},
        },
        character_book=Lorebook(
            name="Eldoria",
            description="The forest and its people.",
            scan_depth=4,
            token_budget=512,
            recursive_scanning=True,
            extensions={"st_book": {"version": 2}},
            extra={"book_field_from_the_future": "kept"},
            entries=[
                LoreEntry(
                    id=0,
                    keys=["forest", "glade"],
                    secondary_keys=["night"],
                    comment="The forest at night",
                    content="At night the forest glows blue.",
                    constant=False,
                    selective=True,
                    insertion_order=100,
                    enabled=True,
                    position="before_char",
                    case_sensitive=False,
                    name="Forest",
                    priority=10,
                    use_regex=False,
                    extensions={"position": 0, "depth": 4, "probability": 100},
                ),
                LoreEntry(
                    id=1,
                    keys=["Eldoria"],
                    secondary_keys=[],
                    comment="",
                    content="Eldoria is a kingdom of elves.",
                    constant=True,
                    selective=False,
                    insertion_order=50,
                    enabled=False,
                    position="after_char",
                    case_sensitive=True,
                    name="Kingdom",
                    priority=5,
                    extensions={},
                    extra={"probability_custom": 3},
                ),
                LoreEntry(
                    id=2,
                    keys=["dragon"],
                    secondary_keys=["fire", "cave"],
                    comment="at depth",
                    content="Dragons sleep under the mountain.",
                    constant=False,
                    selective=True,
                    insertion_order=7,
                    enabled=True,
                    position=None,
                    case_sensitive=False,
                    name="Dragon",
                    priority=1,
                    extensions={"position": 4, "depth": 2},
                    extra={"position": "depth"},  # not a V2 position: kept as it was
                ),
            ],
        ),
        extra={"data_field_from_the_future": {"nested": [1, 2.5, None, True]}},
        outer_extra={
            "creatorcomment": "Works best with long replies.",
            "avatar": "none",
            "chat": "Seraphina - 2024-5-1 @12h 00m 00s 000ms",
            "talkativeness": "0.5",
            "fav": False,
            "tags": ["fantasy", "female", "guardian"],
            "create_date": "2024-5-1 @12h 00m 00s 000ms",
        },
    )


def v3_json() -> dict[str, Any]:
    """A V3 card with every V3 field and assets of each kind of URI."""
    data = copy.deepcopy(v2_json()["data"])
    data["name"] = "Seraphina V3"
    for entry in data["character_book"]["entries"]:
        entry["use_regex"] = entry["id"] == 0
    data["character_book"]["entries"][1]["id"] = "entry-b"
    data.update(
        nickname="Sera",
        creator_notes_multilingual={"en": "Long replies.", "ja": "長い返事が好き。"},
        source=["https://example.org/cards/seraphina", "chub:seraphina-1"],
        group_only_greetings=["Hello, everyone."],
        creation_date=1700000000,
        modification_date=1714560000,
        assets=[
            {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"},
            {
                "type": "background",
                "uri": "embeded://assets/background/images/forest.webp",
                "name": "forest",
                "ext": "webp",
            },
            {
                "type": "emotion",
                "uri": "data:image/png;base64,iVBORw0KGgo=",
                "name": "happy",
                "ext": "png",
                "x_frames": 2,
            },
        ],
    )
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data, "x_exporter": "RisuAI"}


def v3_card() -> CharacterCard:
    card = v2_card()
    card.name = "Seraphina V3"
    card.outer_extra = {"x_exporter": "RisuAI"}
    assert card.character_book is not None
    card.character_book.entries[0].use_regex = True
    card.character_book.entries[1].id = "entry-b"
    card.nickname = "Sera"
    card.creator_notes_multilingual = {"en": "Long replies.", "ja": "長い返事が好き。"}
    card.source = ["https://example.org/cards/seraphina", "chub:seraphina-1"]
    card.group_only_greetings = ["Hello, everyone."]
    card.creation_date = 1700000000
    card.modification_date = 1714560000
    card.assets = [
        Asset(type="icon", uri="ccdefault:", name="main", ext="png"),
        Asset(
            type="background",
            uri="embeded://assets/background/images/forest.webp",
            name="forest",
            ext="webp",
        ),
        Asset(
            type="emotion",
            uri="data:image/png;base64,iVBORw0KGgo=",
            name="happy",
            ext="png",
            extra={"x_frames": 2},
        ),
    ]
    return card


ICON = avatar_png()
BACKGROUND = b"RIFF\x10\x00\x00\x00WEBPVP8 fake-webp-bytes"


def charx_files() -> dict[str, bytes]:
    card = v3_json()
    card["data"]["assets"][0] = {
        "type": "icon",
        "uri": "embeded://assets/icon/images/main.png",
        "name": "main",
        "ext": "png",
    }
    return {
        "card.json": json.dumps(card).encode("utf-8"),
        "assets/icon/images/main.png": ICON,
        "assets/background/images/forest.webp": BACKGROUND,
        "x_risu/module.json": b'{"lorebook": []}',
    }


def assert_round_trips(imported: ImportedCard, tmp_path: Path) -> None:
    """Exported as PNG, JSON and CHARX, and as V2 / V3 objects, the card reads back the same."""
    card = imported.card
    assert card_from_json(card_to_v3(card), "v3") == card
    assert card_from_json(card_to_v2(card), "v2") == card
    png_avatar = imported.avatar if imported.avatar and imported.avatar[:4] == b"\x89PNG" else None
    write_card_png(card, png_avatar, tmp_path / "out.png")
    assert read_card(tmp_path / "out.png").card == card
    write_card_json(card, tmp_path / "out.json")
    assert read_card(tmp_path / "out.json").card == card
    write_card_charx(card, None, imported.asset_files, tmp_path / "out.charx")
    again = read_card(tmp_path / "out.charx")
    assert again.card == card
    assert again.asset_files == imported.asset_files


# --- V2 PNG with a lorebook ----------------------------------------------------------------------


def test_v2_png_reads_every_field(tmp_path: Path) -> None:
    path = tmp_path / "Seraphina.png"
    png = with_text_chunks(avatar_png(), text_chunk("chara", b64json(v2_json())))
    path.write_bytes(png)
    imported = read_card(path)
    assert (imported.format, imported.spec) == ("png", "v2")
    assert imported.card == v2_card()
    assert imported.avatar == png
    assert imported.asset_files == {}
    # the V2 export is the very object SillyTavern wrote: no V2 field lost, nothing added
    assert card_to_v2(imported.card) == v2_json()
    assert_round_trips(imported, tmp_path)


def test_png_export_keeps_the_picture_byte_for_byte(tmp_path: Path) -> None:
    original = with_text_chunks(
        avatar_png(),
        text_chunk("chara", b64json(v2_json())),
        text_chunk("ccv3", b64json(v3_json())),
    )
    (tmp_path / "in.png").write_bytes(original)
    imported = read_card(tmp_path / "in.png")
    imported.card.description = "Edited."
    write_card_png(imported.card, imported.avatar, tmp_path / "out.png")
    written = (tmp_path / "out.png").read_bytes()

    def without_cards(png: bytes) -> list[bytes]:
        return [
            raw
            for kind, raw in split_chunks(png)
            if not raw[8:].startswith((b"chara\x00", b"ccv3\x00"))
        ]

    assert without_cards(written) == without_cards(original)  # IHDR, pHYs, tEXt, IDAT, IEND
    kinds = [kind for kind, _ in split_chunks(written)]
    assert kinds == [b"IHDR", b"pHYs", b"tEXt", b"IDAT", b"IDAT", b"tEXt", b"tEXt", b"IEND"]
    texts = [raw[8:-4] for kind, raw in split_chunks(written) if kind == b"tEXt"]
    assert texts[1].startswith(b"chara\x00") and texts[2].startswith(b"ccv3\x00")
    v2 = json.loads(base64.b64decode(texts[1][6:]))
    v3 = json.loads(base64.b64decode(texts[2][5:]))
    assert (v2["spec"], v2["spec_version"], v2["data"]["description"]) == (
        "chara_card_v2",
        "2.0",
        "Edited.",
    )
    assert (v3["spec"], v3["spec_version"], v3["data"]["description"]) == (
        "chara_card_v3",
        "3.0",
        "Edited.",
    )
    assert v2["description"] == "Edited."  # the V1 mirror is refreshed, never stale
    again = read_card(tmp_path / "out.png")
    assert again.card == imported.card
    assert again.spec == "v3"


def test_png_without_avatar_gets_a_valid_placeholder(tmp_path: Path) -> None:
    write_card_png(v2_card(), None, tmp_path / "new.png")
    png = (tmp_path / "new.png").read_bytes()
    kinds = [kind for kind, _ in split_chunks(png)]
    assert kinds == [b"IHDR", b"IDAT", b"tEXt", b"tEXt", b"IEND"]
    ihdr = split_chunks(png)[0][1][8:-4]
    assert struct.unpack(">IIBB", ihdr[:10]) == (256, 256, 8, 2)
    pixels = zlib.decompress(split_chunks(png)[1][1][8:-4])
    assert len(pixels) == 256 * (1 + 256 * 3)
    assert read_card(tmp_path / "new.png").card == v2_card()


# --- V3 PNG: ccv3 wins, keywords in any case, zTXt and iTXt --------------------------------------


def test_v3_png_reads_every_field_and_ccv3_wins(tmp_path: Path) -> None:
    other = v2_json()
    other["data"]["name"] = "The V2 backfill"
    png = with_text_chunks(
        avatar_png(),
        text_chunk("Chara", b64json(other)),  # chara first: order must not matter
        text_chunk("CCV3", b64json(v3_json())),
    )
    (tmp_path / "card.png").write_bytes(png)
    imported = read_card(tmp_path / "card.png")
    assert (imported.format, imported.spec) == ("png", "v3")
    assert imported.card == v3_card()
    assert card_to_v3(imported.card) == v3_json()
    assert_round_trips(imported, tmp_path)


@pytest.mark.parametrize("keyword", ["chara", "CHARA", "cHaRa"])
def test_chara_keyword_is_case_insensitive(tmp_path: Path, keyword: str) -> None:
    png = with_text_chunks(avatar_png(), text_chunk(keyword, b64json(v2_json())))
    (tmp_path / "card.png").write_bytes(png)
    assert read_card(tmp_path / "card.png").card == v2_card()


def test_card_in_ztxt_and_itxt_chunks(tmp_path: Path) -> None:
    text = b64json(v3_json())
    chunks = {
        "zTXt": chunk(b"zTXt", b"ccv3\x00\x00" + zlib.compress(text)),
        "iTXt plain": chunk(b"iTXt", b"ccv3\x00\x00\x00en\x00ccv3\x00" + text),
        "iTXt zlib": chunk(b"iTXt", b"Ccv3\x00\x01\x00\x00\x00" + zlib.compress(text)),
    }
    for name, card_chunk in chunks.items():
        (tmp_path / "card.png").write_bytes(with_text_chunks(avatar_png(), card_chunk))
        assert read_card(tmp_path / "card.png").card == v3_card(), name


def test_png_unpadded_and_wrapped_base64_and_raw_json(tmp_path: Path) -> None:
    encoded = b64json(v2_json()).rstrip(b"=")
    wrapped = b"\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    raw_json = json.dumps(v2_json()).encode("utf-8")
    for text in (encoded, wrapped, raw_json):
        (tmp_path / "card.png").write_bytes(
            with_text_chunks(avatar_png(), text_chunk("chara", text))
        )
        assert read_card(tmp_path / "card.png").card == v2_card()


# --- CHARX ---------------------------------------------------------------------------------------


def test_charx_reads_card_assets_and_icon(tmp_path: Path) -> None:
    (tmp_path / "card.charx").write_bytes(make_zip(charx_files()))
    imported = read_card(tmp_path / "card.charx")
    expected = v3_card()
    expected.assets[0] = Asset("icon", "embeded://assets/icon/images/main.png", "main", "png")
    assert (imported.format, imported.spec) == ("charx", "v3")
    assert imported.card == expected
    assert imported.avatar == ICON
    assert imported.asset_files == {
        "assets/icon/images/main.png": ICON,
        "assets/background/images/forest.webp": BACKGROUND,
        "x_risu/module.json": b'{"lorebook": []}',
    }
    assert_round_trips(imported, tmp_path)
    # and written as CHARX with its picture, the icon stays where the card points
    write_card_charx(imported.card, imported.avatar, imported.asset_files, tmp_path / "again.charx")
    again = read_card(tmp_path / "again.charx")
    assert (again.card, again.avatar, again.asset_files) == (expected, ICON, imported.asset_files)


def test_charx_avatar_for_a_card_without_icon_asset(tmp_path: Path) -> None:
    card = v2_card()
    write_card_charx(card, ICON, {}, tmp_path / "new.charx")
    imported = read_card(tmp_path / "new.charx")
    assert imported.avatar == ICON
    assert imported.card.assets == [
        Asset("icon", "embeded://assets/icon/images/main.png", "main", "png")
    ]
    imported.card.assets = []
    assert imported.card == card
    # a "ccdefault:" main icon is pointed at the embedded picture instead of duplicated
    write_card_charx(v3_card(), ICON, {}, tmp_path / "v3.charx")
    assets = read_card(tmp_path / "v3.charx").card.assets
    assert [a.uri for a in assets if a.type == "icon"] == ["embeded://assets/icon/images/main.png"]


# --- JSON files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "spec", "expected"),
    [
        (v2_json(), "v2", v2_card()),
        (v3_json(), "v3", v3_card()),
    ],
)
def test_json_cards(
    tmp_path: Path, obj: dict[str, Any], spec: str, expected: CharacterCard
) -> None:
    path = tmp_path / "card.json"
    path.write_text(json.dumps(obj, indent=1), encoding="utf-8")
    imported = read_card(path)
    assert (imported.format, imported.spec, imported.card, imported.avatar) == (
        "json",
        spec,
        expected,
        None,
    )
    assert_round_trips(imported, tmp_path)


def test_v1_json_card_with_bom(tmp_path: Path) -> None:
    v1 = {
        key: f"{key} text"
        for key in ("description", "personality", "scenario", "first_mes", "mes_example")
    }
    v1.update(name="Old Timer", metadata={"version": 1})
    (tmp_path / "old.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(v1).encode("utf-8"))
    imported = read_card(tmp_path / "old.json")
    assert imported.spec == "v1"
    assert imported.card == CharacterCard(
        name="Old Timer",
        description="description text",
        personality="personality text",
        scenario="scenario text",
        first_mes="first_mes text",
        mes_example="mes_example text",
        extra={"metadata": {"version": 1}},
    )
    assert_round_trips(imported, tmp_path)


def test_nulls_count_as_absent_and_whole_floats_as_ints() -> None:
    card = card_from_json(
        {
            "spec": "chara_card_v2",
            "data": {
                "name": "N",
                "description": None,
                "tags": None,
                "extensions": None,
                "character_book": {
                    "entries": [
                        {"keys": ["k"], "content": "c", "insertion_order": 3.0, "priority": None}
                    ]
                },
            },
        },
        "n.json",
    )
    assert card == CharacterCard(
        name="N",
        character_book=Lorebook(entries=[LoreEntry(keys=["k"], content="c", insertion_order=3)]),
    )


# --- text-generation-webui -----------------------------------------------------------------------

NEW_YAML = """\
name: Chiharu Yamada
greeting: |-
  *Chiharu strides into the room with a smile.*
  Hey! I'm so excited to finally meet you.
context: |-
  Chiharu Yamada's Persona: Chiharu Yamada is a young, computer engineer-nerd.
example_dialogue: |-
  {{user}}: So how did you get into computer engineering?
  {{char}}: I've always loved tinkering with technology.
your_name: You
"""

OLD_YAML = """\
char_name: Kuro
char_persona: A quiet black cat who can talk.
char_greeting: Mrrp. You again.
world_scenario: A rainy evening in a small bookshop.
example_dialogue: "You: Hi\\nKuro: ...hi."
"""


def test_tgw_yaml_new_keys_with_png_beside_it(tmp_path: Path) -> None:
    (tmp_path / "Chiharu.yaml").write_text(NEW_YAML, encoding="utf-8")
    (tmp_path / "Chiharu.png").write_bytes(ICON)
    imported = read_card(tmp_path / "Chiharu.yaml")
    assert (imported.format, imported.spec, imported.avatar) == ("yaml", "tgw", ICON)
    assert imported.card == CharacterCard(
        name="Chiharu Yamada",
        description="Chiharu Yamada's Persona: Chiharu Yamada is a young, computer engineer-nerd.",
        first_mes="*Chiharu strides into the room with a smile.*\n"
        "Hey! I'm so excited to finally meet you.",
        mes_example="{{user}}: So how did you get into computer engineering?\n"
        "{{char}}: I've always loved tinkering with technology.",
        extra={"your_name": "You"},
    )
    assert_round_trips(imported, tmp_path)


def test_tgw_yaml_old_keys_with_jpeg_beside_it(tmp_path: Path) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake-jpeg"
    (tmp_path / "Kuro.yml").write_text(OLD_YAML, encoding="utf-8")
    (tmp_path / "Kuro.jpg").write_bytes(jpeg)
    imported = read_card(tmp_path / "Kuro.yml")
    assert (imported.format, imported.spec, imported.avatar) == ("yaml", "tgw", jpeg)
    assert imported.card == CharacterCard(
        name="Kuro",
        personality="A quiet black cat who can talk.",
        first_mes="Mrrp. You again.",
        scenario="A rainy evening in a small bookshop.",
        mes_example="You: Hi\nKuro: ...hi.",
    )
    assert_round_trips(imported, tmp_path)
    with pytest.raises(VoiceBuddyError) as caught:
        write_card_png(imported.card, imported.avatar, tmp_path / "Kuro.png")
    assert caught.value.code == "card_unsupported"
    assert not (tmp_path / "Kuro.png").exists()


def test_pygmalion_json_and_numbers_as_yaml_text(tmp_path: Path) -> None:
    pyg = {
        "char_name": "Pyg",
        "char_persona": "p",
        "char_greeting": "g",
        "world_scenario": "w",
        "example_dialogue": "e",
    }
    (tmp_path / "Pyg.json").write_text(json.dumps(pyg), encoding="utf-8")
    (tmp_path / "Pyg.webp").write_bytes(BACKGROUND)
    imported = read_card(tmp_path / "Pyg.json")
    assert (imported.spec, imported.avatar) == ("tgw", BACKGROUND)
    assert imported.card == CharacterCard(
        name="Pyg", personality="p", first_mes="g", scenario="w", mes_example="e"
    )
    (tmp_path / "n.yaml").write_text("name: 1984\ngreeting: 42\ncontext: ok\nborn: 2001-02-03\n")
    card = read_card(tmp_path / "n.yaml").card
    assert (card.name, card.first_mes, card.extra) == ("1984", "42", {"born": "2001-02-03"})


def test_tgw_conflicting_keys_are_refused(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("name: A\ncontext: one\ndescription: two\n")
    with pytest.raises(VoiceBuddyError, match="has both context and description") as caught:
        read_card(tmp_path / "c.yaml")
    assert caught.value.code == "card_invalid"


# --- strict types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("name",), True, "data.name must be text"),
        (("description",), ["a"], "data.description must be text"),
        (("tags",), {"a": 1}, "data.tags must be a list of text"),
        (("tags",), [["fantasy"]], "data.tags must be a list of text"),
        (("alternate_greetings",), [None], "data.alternate_greetings must be a list of text"),
        (("extensions",), [], "data.extensions must be an object"),
        (("character_version",), {"major": 1}, "data.character_version must be text"),
        (("creation_date",), "2024", "data.creation_date must be a number"),
        (
            ("creator_notes_multilingual",),
            {"en": [1]},
            "creator_notes_multilingual must be an object of text",
        ),
        (("character_book",), [], "data.character_book must be an object"),
        (("character_book", "entries"), {}, "data.character_book.entries must be a list"),
        (
            ("character_book", "entries", 1),
            "text",
            "data.character_book.entries[1] must be an object",
        ),
        (
            ("character_book", "entries", 0, "keys"),
            [False],
            "entries[0].keys must be a list of text",
        ),
        (
            ("character_book", "entries", 0, "enabled"),
            "true",
            "entries[0].enabled must be true or false",
        ),
        (
            ("character_book", "entries", 0, "insertion_order"),
            1.5,
            "insertion_order must be a whole number",
        ),
        (
            ("character_book", "entries", 0, "insertion_order"),
            True,
            "insertion_order must be a whole number",
        ),
        (("character_book", "entries", 0, "position"), 0, "entries[0].position must be text"),
        (("character_book", "entries", 0, "id"), [0], "entries[0].id must be a number or text"),
        (("character_book", "scan_depth"), "4", "character_book.scan_depth must be a whole number"),
        (("assets",), {}, "data.assets must be a list"),
        (("assets", 0), "icon", "data.assets[0] must be an object"),
        (("assets", 0, "uri"), [5], "data.assets[0].uri must be text"),
    ],
)
def test_wrong_types_are_card_invalid(
    path: tuple[str | int, ...], value: object, field: str
) -> None:
    obj = v3_json()
    target: Any = obj["data"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(VoiceBuddyError) as caught:
        card_from_json(obj, "bad.json")
    assert caught.value.code == "card_invalid"
    assert field in caught.value.message
    assert caught.value.message.startswith("The character card bad.json ")


def test_what_sillytavern_accepts_is_read_and_each_change_noted() -> None:
    obj = v3_json()
    data = obj["data"]
    data.update(name=2049, character_version=1.2, tags="a, b,,c ", alternate_greetings="Hi!")
    data["character_book"]["entries"][0]["keys"] = "moon, tide"
    coerced: list[str] = []
    card = card_from_json(obj, "lenient.json", coerced)
    assert (card.name, card.character_version) == ("2049", "1.2")
    assert card.tags == ["a", "b", "c"] and card.alternate_greetings == ["Hi!"]
    assert card.character_book is not None
    assert card.character_book.entries[0].keys == ["moon", "tide"]
    assert len(coerced) == 5
    assert any(note.startswith("data.character_version: the number 1.2") for note in coerced)
    assert any(note.startswith("data.tags: the text 'a, b,,c '") for note in coerced)
    strict: list[str] = []
    card_from_json(v3_json(), "strict.json", strict)
    assert strict == []


@pytest.mark.parametrize(
    ("obj", "code", "words"),
    [
        ([], "card_invalid", "is not a JSON object"),
        ({"description": "x"}, "card_invalid", "has no name"),
        ({"name": "  "}, "card_invalid", "has no name"),
        ({"spec": "chara_card_v2", "data": []}, "card_invalid", "field data must be an object"),
        ({"spec": 2, "data": {}}, "card_invalid", "field spec must be text"),
        ({"spec": "lorebook_v3", "data": {}}, "card_unsupported", "is a lorebook"),
        ({"spec": "chara_card_v9", "data": {}}, "card_unsupported", "does not read"),
        ({"name": "a", "x": float("nan")}, "card_invalid", "not finite"),
        ({"name": "a", "x": {1: 2}}, "card_invalid", "not text"),
        ({"name": "a", "x": {1, 2}}, "card_invalid", "set value"),
        ({"name": "a\ud800"}, "card_invalid", "not valid Unicode"),
    ],
)
def test_not_cards(obj: object, code: str, words: str) -> None:
    with pytest.raises(VoiceBuddyError, match=words) as caught:
        card_from_json(obj, "x.json")
    assert caught.value.code == code


# --- damaged files -------------------------------------------------------------------------------


def card_png_bytes() -> bytes:
    return with_text_chunks(avatar_png(), text_chunk("chara", b64json(v2_json())))


def damaged_pngs() -> dict[str, tuple[bytes, str]]:
    good = card_png_bytes()
    iend = good.rindex(b"IEND") - 4
    flipped = bytearray(good)
    flipped[45] ^= 0xFF  # inside the pHYs data
    long_chunk = bytearray(good)
    struct.pack_into(">I", long_chunk, iend, 1000)
    return {
        "bad CRC": (bytes(flipped), "fails its CRC check"),
        "missing IEND": (good[:iend], "cut short before its IEND"),
        "cut in a chunk": (good[: len(good) // 2], "runs past the end"),
        "length past end": (bytes(long_chunk), "runs past the end"),
        "no IHDR": (PNG_SIGNATURE + chunk(b"IEND", b""), "does not start with an IHDR"),
        "signature only": (PNG_SIGNATURE, "cut short"),
    }


@pytest.mark.parametrize("case", list(damaged_pngs()))
def test_damaged_png_is_unreadable(tmp_path: Path, case: str) -> None:
    data, words = damaged_pngs()[case]
    (tmp_path / "d.png").write_bytes(data)
    with pytest.raises(VoiceBuddyError, match=words) as caught:
        read_card(tmp_path / "d.png")
    assert caught.value.code == "card_unreadable"
    assert str(tmp_path / "d.png") in caught.value.message


def test_plain_png_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "plain.png").write_bytes(avatar_png())
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    (tmp_path / "empty.zip").write_bytes(make_zip({"readme.txt": b"hi"}))
    cases = {
        "plain.png": ("card_unsupported", "image without a character card"),
        "photo.jpg": ("card_unsupported", "not a PNG, CHARX, JSON or YAML"),
        "empty.zip": ("card_invalid", "without the card.json"),
        "missing.json": ("card_not_found", "No character card at"),
        ".": ("card_unreadable", "not a regular file"),
    }
    for name, (code, words) in cases.items():
        with pytest.raises(VoiceBuddyError, match=words) as caught:
            read_card(tmp_path / name)
        assert caught.value.code == code, name


# --- writing never leaves a broken file ----------------------------------------------------------


def test_failed_writes_write_nothing(tmp_path: Path) -> None:
    target = tmp_path / "keep.json"
    target.write_text("old", encoding="utf-8")
    nameless = CharacterCard(name="")
    with pytest.raises(VoiceBuddyError) as caught:
        write_card_json(nameless, target)
    assert caught.value.code == "card_invalid"
    with pytest.raises(VoiceBuddyError):
        write_card_png(v2_card(), b"\xff\xd8\xff not a png", tmp_path / "keep.json")
    with pytest.raises(VoiceBuddyError) as caught:
        write_card_png(v2_card(), PNG_SIGNATURE + b"junk", target)
    assert caught.value.code == "card_unreadable"
    assert "avatar image for" in caught.value.message
    unjsonable = v2_card()
    unjsonable.extensions["when"] = object()
    with pytest.raises(VoiceBuddyError):
        write_card_charx(unjsonable, None, {}, target)
    with pytest.raises(VoiceBuddyError, match="unsafe path"):
        write_card_charx(v2_card(), None, {"../evil": b"x"}, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.json"]
    with pytest.raises(VoiceBuddyError) as caught:
        write_card_json(v2_card(), tmp_path / "no" / "such" / "dir.json")
    assert caught.value.code == "card_unwritable"


def test_stale_v1_mirrors_lose_to_data() -> None:
    obj = v2_json()
    obj["name"] = "An old name"
    obj["description"] = "An old description"
    card = card_from_json(obj, "stale.json")
    assert (card.name, card.description) == ("Seraphina", v2_card().description)
    assert "name" not in card.outer_extra and "description" not in card.outer_extra
    assert card_to_v2(card)["name"] == "Seraphina"
