"""Hostile and damaged character cards. Whatever the bytes, read_card returns a card (which then
round-trips) or raises VoiceBuddyError with a known code and one sentence, and does so quickly:
property tests mutate real PNG, CHARX, JSON and YAML cards, and targeted tests cover 50 MB
fields, zip bombs, path traversal, YAML code tags, huge lorebooks, bad base64 and bad UTF-8."""

from __future__ import annotations

import base64
import json
import signal
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cards import (
    ICON,
    avatar_png,
    b64json,
    chunk,
    make_zip,
    split_chunks,
    text_chunk,
    v2_json,
    v3_json,
    with_text_chunks,
)

from voicebuddy.characters import card_charx
from voicebuddy.characters.card_checks import CODES, MiB
from voicebuddy.characters.card_files import ImportedCard, read_card
from voicebuddy.characters.card_json import card_from_json, card_to_v2, card_to_v3
from voicebuddy.errors import VoiceBuddyError


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=timedelta(seconds=5),  # generous for a loaded 2-core machine; a slow path fails
        database=None,  # no .hypothesis folder in the repository
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(autouse=True)
def no_hangs() -> Iterator[None]:
    """Fail a test that runs for two minutes instead of hanging the suite."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("the test ran for more than 120 s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def check_outcome(read: Callable[[], ImportedCard]) -> ImportedCard | None:
    """The import's result, asserting the contract: a card that round-trips, or a
    VoiceBuddyError with a known code and one sentence."""
    try:
        imported = read()
    except VoiceBuddyError as exc:
        assert exc.code in CODES, exc.code
        assert "\n" not in exc.message and exc.message.endswith("."), exc.message
        return None
    card = imported.card
    assert card_from_json(card_to_v3(card), "v3") == card
    assert card_from_json(card_to_v2(card), "v2") == card
    return imported


def read_bytes_as(work: Path, name: str, data: bytes) -> ImportedCard | None:
    path = work / name
    path.write_bytes(data)
    return check_outcome(lambda: read_card(path))


def expect_error(path: Path, code: str, words: str, seconds: float = 2.0) -> VoiceBuddyError:
    started = time.perf_counter()
    with pytest.raises(VoiceBuddyError, match=words) as caught:
        read_card(path)
    assert time.perf_counter() - started < seconds
    assert caught.value.code == code, caught.value.message
    assert str(path) in caught.value.message
    return caught.value


# --- mutations -----------------------------------------------------------------------------------

Mutation = tuple[str, int, bytes]
mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "truncate", "insert", "delete", "set"]),
        st.integers(min_value=0, max_value=2**32),
        st.binary(min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=4,
)


def mutate(data: bytes, steps: list[Mutation], start: int = 0) -> bytes:
    """`data` with each step applied at an offset (taken modulo the length) from `start` on."""
    out = bytearray(data)
    for kind, where, value in steps:
        span = max(1, len(out) - start)
        at = start + where % span
        if kind == "flip" and at < len(out):
            out[at] ^= value[0] or 1
        elif kind == "truncate":
            del out[at:]
        elif kind == "insert":
            out[at:at] = value
        elif kind == "delete":
            del out[at : at + len(value)]
        elif kind == "set":
            out[at : at + len(value)] = value
    return bytes(out)


BOOK_CARD = v2_json()
V2_PNG = with_text_chunks(avatar_png(), text_chunk("chara", b64json(BOOK_CARD)))
V3_PNG = with_text_chunks(avatar_png(), text_chunk("ccv3", b64json(v3_json())))
CARD_CHARX = make_zip(
    {"card.json": json.dumps(v3_json()).encode(), "assets/icon/images/main.png": ICON}
)


@fuzz(400)
@given(png=st.sampled_from([V2_PNG, V3_PNG]), steps=mutations)
def test_png_byte_mutations(work: Path, png: bytes, steps: list[Mutation]) -> None:
    read_bytes_as(work, "m.png", mutate(png, steps))


def rebuilt(png: bytes, kind: bytes, data: bytes) -> bytes:
    """`png` with the data of its first `kind` chunk replaced, and a correct CRC, so that the
    mutation reaches the chunk's parser instead of the CRC check."""
    out, done = [png[:8]], False
    for each, raw in split_chunks(png):
        if each == kind and not done:
            out.append(chunk(kind, data))
            done = True
        else:
            out.append(raw)
    return b"".join(out)


@fuzz(500)
@given(steps=mutations, kind=st.sampled_from([b"tEXt", b"IHDR", b"IDAT"]))
def test_png_chunk_mutations_with_valid_crc(work: Path, steps: list[Mutation], kind: bytes) -> None:
    png = with_text_chunks(avatar_png(), text_chunk("ccv3", b64json(v3_json())))
    card_chunk = next(raw for _, raw in split_chunks(png) if raw[8:].startswith(b"ccv3\x00"))
    if kind == b"tEXt":  # the card's chunk, not the picture's
        png = png.replace(card_chunk, b"")
        png = with_text_chunks(png, chunk(b"tEXt", mutate(card_chunk[8:-4], steps)))
    else:
        data = next(raw for each, raw in split_chunks(png) if each == kind)[8:-4]
        png = rebuilt(png, kind, mutate(data, steps))
    read_bytes_as(work, "c.png", png)


@fuzz(400)
@given(steps=mutations, keyword=st.sampled_from(["chara", "ccv3"]))
def test_card_json_byte_mutations(work: Path, steps: list[Mutation], keyword: str) -> None:
    text = json.dumps(v3_json() if keyword == "ccv3" else BOOK_CARD).encode()
    png = with_text_chunks(avatar_png(), text_chunk(keyword, base64.b64encode(mutate(text, steps))))
    read_bytes_as(work, "j.png", png)


@fuzz(400)
@given(steps=mutations, region=st.sampled_from(["any", "local header", "directory"]))
def test_charx_byte_mutations(work: Path, steps: list[Mutation], region: str) -> None:
    if region == "local header":
        data = mutate(CARD_CHARX[:40], steps) + CARD_CHARX[40:]
    else:
        start = CARD_CHARX.find(b"PK\x01\x02") if region == "directory" else 0
        data = mutate(CARD_CHARX, steps, start)
    read_bytes_as(work, "m.charx", data)


member_names = st.one_of(
    st.sampled_from(
        [
            "card.json",
            "assets/icon/images/main.png",
            "../../x",
            "/etc/passwd",
            "a/../../b",
            "C:/x",
            "..\\x",
            "dir/",
            "a\x00b",
            "assets/../card.json",
            "./card.json",
        ]
    ),
    # zipfile cuts a name at NUL and cannot write an empty one
    st.text(min_size=1, max_size=12).filter(lambda name: not name.startswith("\x00")),
)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@fuzz(200)
@given(
    members=st.lists(
        st.tuples(member_names, st.sampled_from(["card", "icon", "bytes"]), st.binary(max_size=64)),
        max_size=5,
    ),
    method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2]),
)
def test_charx_structure(work: Path, members: list[tuple[str, str, bytes]], method: int) -> None:
    contents = {"card": json.dumps(v3_json()).encode(), "icon": ICON}
    buffer_path = work / "s.charx"
    with zipfile.ZipFile(buffer_path, "w", method) as archive:
        for name, kind, data in members:
            archive.writestr(name, contents.get(kind, data))
    check_outcome(lambda: read_card(buffer_path))


def json_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            paths += json_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += json_paths(child, (*path, index))
    return paths


V3_PATHS = json_paths(v3_json())[1:]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(
        ["\ud800", "before_char", "embeded://../x", "embeded://ok.png", "ccdefault:"]
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def swapped(obj: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    target = obj
    for key in path[:-1]:
        target = target[key]
    if action == "replace":
        target[path[-1]] = value
    elif action == "delete":
        del target[path[-1]]
    elif isinstance(target, dict):
        target[f"x_{value!r}"[:20]] = value
    return obj


@fuzz(1200)
@given(
    swaps=st.lists(
        st.tuples(
            st.sampled_from(V3_PATHS), st.sampled_from(["replace", "delete", "add"]), json_values
        ),
        min_size=1,
        max_size=3,
    ),
    spec=st.sampled_from(["v2", "v3"]),
)
def test_random_json_values_in_fields(spec: str, swaps: list[tuple[Any, str, Any]]) -> None:
    obj = v3_json()
    if spec == "v2":
        obj["spec"] = "chara_card_v2"
    for path, action, value in swaps:
        try:
            obj = swapped(obj, path, action, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier swap removed or replaced this path
    check_outcome(lambda: ImportedCard(card_from_json(obj, "swap.json")))


@fuzz(200)
@given(path=st.sampled_from(V3_PATHS), value=json_values)
def test_random_json_values_through_png(work: Path, path: tuple[Any, ...], value: Any) -> None:
    obj = swapped(v3_json(), path, "replace", value)
    text = json.dumps(obj, ensure_ascii=True).encode()  # NaN stays NaN; \ud800 stays escaped
    png = with_text_chunks(avatar_png(), text_chunk("ccv3", base64.b64encode(text)))
    read_bytes_as(work, "v.png", png)


yaml_soup = st.text(alphabet="name:context greting-[]{}!&*|>'\"#\n %@`?,0123.~\\tab", max_size=300)
yaml_inserts = st.sampled_from(
    [
        "!!python/object/apply:os.system ['true']",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!!timestamp 2001-12-14",
        "2024-13-45",
        "&a [1, 2]",
        "*a",
        "<<: *a",
        "!custom x",
        "[[[[[[[[",
        "1" * 5000,
        ".nan",
        "? [1]\n: x",
    ]
)


@fuzz(400)
@given(text=yaml_soup)
def test_random_yaml_text(work: Path, text: str) -> None:
    read_bytes_as(work, "soup.yaml", text.encode("utf-8"))


@fuzz(300)
@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "context",
                "greeting",
                "char_name",
                "char_persona",
                "your_name",
                "example_dialogue",
                "description",
                "tags",
                "world_scenario",
            ]
        ),
        json_values,
        max_size=6,
    ),
    insert=yaml_inserts,
    line=st.integers(min_value=0, max_value=10),
)
def test_structured_yaml(work: Path, fields: dict[str, Any], insert: str, line: int) -> None:
    lines = [f"{key}: {json.dumps(value)}" for key, value in fields.items()]
    key = f"k{line}"
    lines.insert(line % (len(lines) + 1), f"{key}: {insert}")
    read_bytes_as(work, "s.yaml", "\n".join(lines).encode("utf-8"))


# --- targeted hostile inputs ---------------------------------------------------------------------


def big_card(field: str = "description", size: int = 50 * MiB) -> dict[str, Any]:
    card = v3_json()
    card["data"][field] = "x" * size
    return card


def test_a_50_mb_field(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big_card()), encoding="utf-8")
    expect_error(path, "card_too_large", "is 50 MB, more than the 8 MB")

    with pytest.raises(VoiceBuddyError, match="description of 52,428,800 characters") as caught:
        card_from_json(big_card(), "big")
    assert caught.value.code == "card_too_large"

    charx = tmp_path / "big.charx"
    with zipfile.ZipFile(charx, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("card.json", json.dumps(big_card()))
    expect_error(charx, "card_too_large", "card.json' of 50 MB")

    png = tmp_path / "field.png"  # under the JSON limit, over the field limit
    png.write_bytes(
        with_text_chunks(avatar_png(), text_chunk("ccv3", b64json(big_card(size=2 * MiB))))
    )
    expect_error(png, "card_too_large", "data.description of 2,097,152 characters")

    for name in ("huge.png", "huge.yaml"):  # sparse files: the size alone is refused
        with (tmp_path / name).open("wb") as file:
            file.truncate(65 * MiB)
        expect_error(tmp_path / name, "card_too_large", "is 65 MB, more than the 64 MB")
    (tmp_path / "big.yaml").write_text("name: a\ncontext: " + "x" * (2 * MiB))
    expect_error(tmp_path / "big.yaml", "card_too_large", "is 2 MB, more than the 256 KB")


def raw_zip(name: str, method: int, payload: bytes, crc: int, size: int) -> bytes:
    """A one-member ZIP with sizes and CRC as given, true or not."""
    encoded = name.encode()
    local = struct.pack(
        "<4sHHHHHIIIHH",
        b"PK\x03\x04",
        20,
        0,
        method,
        0,
        0x21,
        crc,
        len(payload),
        size,
        len(encoded),
        0,
    )
    central = struct.pack(
        "<4sHHHHHHIIIHHHHHII",
        b"PK\x01\x02",
        20,
        20,
        0,
        method,
        0,
        0x21,
        crc,
        len(payload),
        size,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    directory_at = len(local) + len(encoded) + len(payload)
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(encoded), directory_at, 0
    )
    return local + encoded + payload + central + encoded + end


def deflated_zeros(mib: int) -> tuple[bytes, int]:
    """A raw deflate stream of `mib` MiB of zeros, made in milliseconds: a fully flushed block
    resets the compressor, so the same bytes can simply be repeated. Also the data's CRC."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    zeros = bytes(MiB)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return block * mib + compressor.flush(), crc


def test_zip_bombs(tmp_path: Path) -> None:
    stream, crc = deflated_zeros(1024)
    assert len(stream) < 2 * MiB
    tracemalloc.start()
    try:
        for name in ("assets/other/bomb.bin", "card.json"):
            (tmp_path / "bomb.charx").write_bytes(raw_zip(name, 8, stream, crc, 1024 * MiB))
            expect_error(tmp_path / "bomb.charx", "card_too_large", "of 1024 MB, more than")
        # the same stream declared as 1,000 bytes: reading stops there and the CRC fails
        (tmp_path / "liar.charx").write_bytes(raw_zip("card.json", 8, stream, crc, 1000))
        expect_error(tmp_path / "liar.charx", "card_unreadable", "damaged CHARX")
        # under the size limit, but 2 MB from 2 KB
        small, small_crc = deflated_zeros(2)
        (tmp_path / "ratio.charx").write_bytes(raw_zip("a.bin", 8, small, small_crc, 2 * MiB))
        expect_error(tmp_path / "ratio.charx", "card_too_large", "like a zip bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * MiB


def test_zip_limits_on_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many = {f"assets/other/f{i}.txt": b"x" for i in range(1001)}
    (tmp_path / "many.charx").write_bytes(
        make_zip({"card.json": json.dumps(v3_json()).encode(), **many})
    )
    expect_error(tmp_path / "many.charx", "card_too_large", "more than the 1,000 files")
    monkeypatch.setattr(card_charx, "MAX_TOTAL_BYTES", 1000)
    files = {"card.json": json.dumps(v2_json()).encode()[:1], "a": b"y" * 600, "b": b"z" * 600}
    (tmp_path / "total.charx").write_bytes(make_zip(files))
    expect_error(tmp_path / "total.charx", "card_too_large", "unpacks to more than")
    with zipfile.ZipFile(tmp_path / "bz.charx", "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("card.json", json.dumps(v3_json()))
    expect_error(tmp_path / "bz.charx", "card_unsupported", "method VoiceBuddy does not read")
    zip64 = make_zip({"card.json": b"{}"})
    end = zip64.rindex(b"PK\x05\x06")
    (tmp_path / "z64.charx").write_bytes(zip64[:end] + b"PK\x06\x07" + bytes(16) + zip64[end:])
    expect_error(tmp_path / "z64.charx", "card_unsupported", "ZIP64")


@pytest.mark.parametrize(
    "name", ["../../x", "/etc/passwd", "assets/../../x", "C:/x", "..\\x", "a\\..\\b"]
)
def test_unsafe_paths_in_charx(tmp_path: Path, name: str) -> None:
    files = {"card.json": json.dumps(v3_json()).encode(), name: b"evil"}
    (tmp_path / "evil.charx").write_bytes(make_zip(files))
    expect_error(tmp_path / "evil.charx", "card_invalid", "unsafe path")
    assert not (tmp_path.parent / "x").exists()


def test_unsafe_asset_uri(tmp_path: Path) -> None:
    card = v3_json()
    card["data"]["assets"][1]["uri"] = "embeded://../../x"
    (tmp_path / "uri.charx").write_bytes(make_zip({"card.json": json.dumps(card).encode()}))
    expect_error(tmp_path / "uri.charx", "card_invalid", "asset path '../../x' that points outside")
    (tmp_path / "uri.json").write_text(json.dumps(card))
    expect_error(tmp_path / "uri.json", "card_invalid", "points outside")


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/object:os.PathLike {{}}",
    ],
)
def test_yaml_python_tags_are_refused(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    text = f"name: Mallory\ncontext: |\n  hi\ngreeting: {tag.format(marker=marker)}\n"
    (tmp_path / "evil.yaml").write_text(text)
    expect_error(tmp_path / "evil.yaml", "card_unsupported", "!!python tag")
    assert not marker.exists()


def test_yaml_bombs_and_deep_nesting(tmp_path: Path) -> None:
    laughs = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    (tmp_path / "laughs.yaml").write_text("name: x\n" + "\n".join(laughs) + "\n")
    expect_error(tmp_path / "laughs.yaml", "card_too_large", "more than 1,000,000 values")
    for depth in (100, 5000, 100_000):  # libyaml's C parser crashes the process at 100,000
        (tmp_path / "deep.yaml").write_text("name: x\nk: " + "[" * depth + "]" * depth + "\n")
        expect_error(tmp_path / "deep.yaml", "card_invalid", "nests YAML deeper")
    (tmp_path / "deep.json").write_text('{"name": "x", "k": ' + "[" * 100_000 + "]" * 100_000 + "}")
    expect_error(tmp_path / "deep.json", "card_invalid", "nests JSON deeper than 64")
    (tmp_path / "digits.json").write_text('{"name": "x", "k": ' + "9" * 5000 + "}")
    expect_error(tmp_path / "digits.json", "card_unreadable", "not valid JSON")
    (tmp_path / "plain.yaml").write_text("name: x\n")
    assert read_card(tmp_path / "plain.yaml").card.name == "x"
    (tmp_path / "scalar.yaml").write_text("just text\n")
    expect_error(tmp_path / "scalar.yaml", "card_invalid", "not a mapping")


def lorebook_card(entries: int) -> dict[str, Any]:
    card = v3_json()
    card["data"]["character_book"]["entries"] = [
        {
            "keys": [f"k{i}"],
            "content": f"entry {i}",
            "extensions": {},
            "enabled": True,
            "insertion_order": i,
            "use_regex": False,
        }
        for i in range(entries)
    ]
    return card


def test_10000_lorebook_entries(tmp_path: Path) -> None:
    huge = lorebook_card(10_000)
    (tmp_path / "lore.json").write_text(json.dumps(huge))
    expect_error(
        tmp_path / "lore.json", "card_too_large", "has 10,000 lorebook entries, more than the 5,000"
    )
    (tmp_path / "lore.png").write_bytes(
        with_text_chunks(avatar_png(), text_chunk("ccv3", b64json(huge)))
    )
    expect_error(tmp_path / "lore.png", "card_too_large", "10,000 lorebook entries")
    (tmp_path / "lore.charx").write_bytes(make_zip({"card.json": json.dumps(huge).encode()}))
    expect_error(tmp_path / "lore.charx", "card_too_large", "10,000 lorebook entries")
    (tmp_path / "ok.json").write_text(json.dumps(lorebook_card(5_000)))
    started = time.perf_counter()
    book = read_card(tmp_path / "ok.json").card.character_book
    assert book is not None and len(book.entries) == 5_000
    assert time.perf_counter() - started < 2


def test_invalid_base64(tmp_path: Path) -> None:
    for keyword, text in [
        ("chara", b"@@not base64!!"),
        ("ccv3", b"QUJD" + b"Q"),
        ("chara", b"QU=JD"),
    ]:
        path = tmp_path / f"{keyword}.png"
        path.write_bytes(with_text_chunks(avatar_png(), text_chunk(keyword, text)))
        expect_error(path, "card_unreadable", f"has a {keyword} chunk that is not valid base64")


def test_invalid_utf8(tmp_path: Path) -> None:
    bad = b'{"spec": "chara_card_v2", "data": {"name": "Bad \xff\xfe"}}'
    (tmp_path / "bad.json").write_bytes(bad)
    expect_error(tmp_path / "bad.json", "card_unreadable", "is not valid UTF-8 text")
    (tmp_path / "bad.png").write_bytes(
        with_text_chunks(avatar_png(), text_chunk("chara", base64.b64encode(bad)))
    )
    expect_error(tmp_path / "bad.png", "card_unreadable", "is not valid UTF-8 text")
    (tmp_path / "bad.charx").write_bytes(make_zip({"card.json": bad}))
    expect_error(tmp_path / "bad.charx", "card_unreadable", "is not valid UTF-8 text")
    (tmp_path / "bad.yaml").write_bytes(b"name: \xc3\x28\n")
    expect_error(tmp_path / "bad.yaml", "card_unreadable", "is not valid UTF-8 text")
    (tmp_path / "escaped.json").write_text('{"name": "lone \\udc80 surrogate"}')
    expect_error(tmp_path / "escaped.json", "card_invalid", "not valid Unicode")
