"""`voicebuddy characters ...` as a user runs it, on real card files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voicebuddy.characters.card import CharacterCard, Lorebook, LoreEntry
from voicebuddy.characters.card_files import read_card, write_card_png
from voicebuddy.characters.character import ASSETS_DIR, BUNDLED_DIR, load_character_file


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "VOICEBUDDY_CONFIG": str(tmp_path / "config.toml"),
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicebuddy", "characters", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def user_folder(env: dict[str, str]) -> Path:
    return Path(env["XDG_DATA_HOME"]) / "voicebuddy" / "characters"


def test_list_shows_the_bundled_characters(home: dict[str, str]) -> None:
    result = run(home, "list")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert {row[0] for row in rows} >= {"Buddy", "Rowan", "林晓"}
    lin = next(row for row in rows if row[0] == "林晓")
    assert lin[1:5] == ["小林", "zh", "cmn", "bundled"]


def test_import_a_png_card_then_find_and_export_it(home: dict[str, str], tmp_path: Path) -> None:
    avatar = (ASSETS_DIR / "avatars" / "companion.png").read_bytes()
    book = Lorebook(entries=[LoreEntry(keys=["moon"], content="The moon base is called Tycho.")])
    card = CharacterCard(
        name="Captain Vega",
        description="{{char}} commands a lunar shuttle.",
        first_mes="*salutes* Welcome aboard, {{user}}.",
        tags=["space"],
        character_book=book,
        extensions={"voicebuddy": {"voice": "en-gb", "rate": 170, "language": "en"}},
    )
    source = tmp_path / "vega.png"
    write_card_png(card, avatar, source)
    result = run(home, "import", str(source), "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["status"] == "imported" and printed["coerced"] == []
    assert printed["card"]["spec"] == "chara_card_v3"
    assert printed["card"]["data"]["name"] == "Captain Vega"
    assert printed["card"]["data"]["character_book"]["entries"][0]["keys"] == ["moon"]
    (stored,) = user_folder(home).iterdir()
    assert read_card(stored).card == card
    listed = run(home, "list").stdout
    assert "Captain Vega\t-\ten\ten-gb\tyours" in listed

    out_png, out_json = tmp_path / "out.png", tmp_path / "out.json"
    assert run(home, "export", "Captain Vega", "--png", str(out_png)).returncode == 0
    assert run(home, "export", "captain vega", "--json", str(out_json)).returncode == 0
    exported = read_card(out_png)
    assert exported.card == card and exported.avatar is not None
    assert read_card(out_json).card == card


def test_a_yaml_card_keeps_its_jpeg_avatar(home: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "Ava.yaml").write_text("name: Ava\ngreeting: Hello!\ncontext: Ava is kind.\n")
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
    (tmp_path / "Ava.jpg").write_bytes(jpeg)
    result = run(home, "import", str(tmp_path / "Ava.yaml"))
    assert result.returncode == 0, result.stderr
    (stored,) = user_folder(home).iterdir()
    assert stored.suffix == ".charx"
    imported = read_card(stored)
    assert imported.card.first_mes == "Hello!" and imported.avatar == jpeg


def test_show_prompt_prints_the_assembled_prompt(home: dict[str, str]) -> None:
    result = run(home, "show", "Rowan", "--prompt")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--- system ---\nYou are Rowan, User's friend.")
    assert "Rowan's personality: warm, witty" in result.stdout
    assert "--- assistant ---\n*looks up from a stack of paperbacks and smiles*" in result.stdout
    bundled = load_character_file(BUNDLED_DIR / "companion.json")
    shown = json.loads(run(home, "show", "Rowan").stdout)
    assert shown["data"]["description"] == bundled.card.description


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n garbage",
        b'{"spec": "chara_card_v2", "data": {"name": true}}',
        b"\xff\xfe",
    ],
)
def test_a_bad_card_is_one_line_and_nothing_is_written(
    home: dict[str, str], tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    result = run(home, "import", str(bad))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not user_folder(home).exists() or not any(user_folder(home).iterdir())


def _lena(folder: Path, file: str, description: str) -> Path:
    path = folder / file
    write_card_png(CharacterCard(name="Lena", description=description), None, path)
    return path


def test_two_cards_named_lena_both_stay_and_the_same_one_again_writes_nothing(
    home: dict[str, str], tmp_path: Path
) -> None:
    painter = _lena(tmp_path, "a.png", "{{char}} paints harbours.")
    pilot = _lena(tmp_path, "b.png", "{{char}} flies seaplanes.")
    assert run(home, "import", str(painter)).returncode == 0
    second = run(home, "import", str(pilot))
    assert second.returncode == 0, second.stderr
    assert "as Lena-2: another card named Lena is already there" in second.stdout
    folder = user_folder(home)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(before) == ["Lena-2.png", "Lena.png"]

    again = run(home, "import", str(painter), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "already_imported"
    assert "already imported" in run(home, "import", str(pilot)).stdout
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before

    rows = dict(line.split("\t")[:2] for line in run(home, "list").stdout.splitlines())
    assert {"Lena", "Lena-2"} <= set(rows)
    shown = json.loads(run(home, "show", "Lena-2").stdout)
    assert shown["data"]["description"] == "{{char}} flies seaplanes."
    assert "harbours" in json.loads(run(home, "show", "Lena").stdout)["data"]["description"]

    sculptor = _lena(tmp_path, "c.png", "{{char}} carves driftwood.")
    replaced = run(home, "import", str(sculptor), "--replace", "--json")
    assert replaced.returncode == 0, replaced.stderr
    outcome = json.loads(replaced.stdout)
    assert outcome["status"] == "replaced" and outcome["key"] == "Lena"
    kept = Path(outcome["replaced_kept_at"])
    assert kept.parent == Path(home["XDG_DATA_HOME"]) / "voicebuddy" / "replaced"
    assert kept.read_bytes() == before["Lena.png"]
    assert "driftwood" in json.loads(run(home, "show", "Lena").stdout)["data"]["description"]
    assert (folder / "Lena-2.png").read_bytes() == before["Lena-2.png"]


def test_what_sillytavern_accepts_imports_and_the_coercions_are_reported(
    home: dict[str, str], tmp_path: Path
) -> None:
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {"name": "Mira", "character_version": 1.2, "tags": "a, b", "first_mes": "Hi."},
    }
    (tmp_path / "mira.json").write_text(json.dumps(card))
    result = run(home, "import", str(tmp_path / "mira.json"), "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert len(printed["coerced"]) == 2
    assert printed["card"]["data"]["character_version"] == "1.2"
    assert printed["card"]["data"]["tags"] == ["a", "b"]
    plain = run(home, "import", str(tmp_path / "mira.json"))
    assert "already imported" in plain.stdout and "read leniently" in plain.stdout
