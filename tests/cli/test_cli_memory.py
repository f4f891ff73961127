"""Long-term memory from the command line, as the issue's user does it: tell a character
something in `chat`, find it in `memory list` and in the prompt of a new conversation,
forget it, and find it nowhere in the database file. English with Rowan, Chinese with 林晓;
the real default model (135M), so the patterns must catch the facts."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tomllib
from contextlib import closing
from pathlib import Path

import pytest
from commandline import Run, runner

from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.card_files import read_card, write_card_json
from voicebuddy.characters.character import BUNDLED_DIR, find_character


@pytest.fixture
def run(user_dirs: dict[str, str], tmp_path: Path) -> Run:
    """A home of its own (the memories of other tests stay out), the shared model cache."""
    return runner({**user_dirs, "XDG_DATA_HOME": str(tmp_path / "data"),
                   "VOICEBUDDY_CONFIG": str(tmp_path / "config.toml")})  # fmt: skip


def ok(result: object) -> str:
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    return str(result.stdout)  # type: ignore[attr-defined]


def fails(result: subprocess.CompletedProcess[str]) -> str:
    """A user error: exit code 2, one sentence on stderr, no traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def rows(data: Path) -> list[tuple[str, str, int]]:
    """The memories in the database file under the data folder `data`, oldest first."""
    with closing(sqlite3.connect(data / "voicebuddy" / "voicebuddy.sqlite3")) as db:
        return db.execute("SELECT character, fact, pinned FROM memories ORDER BY id").fetchall()


def ids(run: Run, character: str) -> dict[str, int]:
    listed = json.loads(ok(run("memory", "list", "--character", character, "--json")))
    return {m["fact"]: m["id"] for m in listed}


@pytest.mark.real
def test_a_fact_told_in_chat_is_remembered_recalled_and_forgotten(run: Run, tmp_path: Path) -> None:
    ok(run("chat", "--no-speak", "--character", "Rowan",
           stdin="My dog is called Biscuit and I live in Leeds.\n"))  # fmt: skip
    listed = json.loads(ok(run("memory", "list", "--character", "Rowan", "--json")))
    assert any("Biscuit" in m["fact"] for m in listed), listed
    prompt = ok(run("characters", "show", "Rowan", "--prompt", "--message",
                    "What's my dog's name?"))  # fmt: skip
    assert "Biscuit" in prompt

    ok(run("chat", "--no-speak", "--character", "林晓", stdin="我的猫叫小白\n"))
    listed_zh = json.loads(ok(run("memory", "list", "--character", "林晓", "--json")))
    assert any("小白" in m["fact"] for m in listed_zh), listed_zh
    prompt_zh = ok(run("characters", "show", "林晓", "--prompt", "--message", "我的猫叫什么？"))
    assert "小白" in prompt_zh
    assert "Biscuit" not in prompt_zh and "小白" not in prompt  # each keeps its own

    forgot = ok(run("memory", "forget", "--character", "Rowan", "dog"))
    assert "Biscuit" in forgot
    assert "Biscuit" not in ok(run("memory", "list", "--character", "Rowan"))
    prompt = ok(run("characters", "show", "Rowan", "--prompt", "--message",
                    "What's my dog's name?"))  # fmt: skip
    assert "Biscuit" not in prompt
    files = list((tmp_path / "data" / "voicebuddy").glob("voicebuddy.sqlite3*"))
    assert files and not any(b"Biscuit" in f.read_bytes() for f in files)

    nothing = run("memory", "forget", "--character", "Rowan", "unicorn")
    assert nothing.returncode == 2 and "Traceback" not in nothing.stderr
    assert nothing.stderr.strip().count("\n") == 0


def test_pin_unpin_and_forget_everything(run: Run, tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok(run("memory", "add", "--character", "Rowan", "the spare key is blue"))
    ok(run("memory", "add", "--character", "Rowan", "Ann likes tea"))
    ok(run("memory", "add", "--character", "Buddy", "Ann has a cat"))
    spare = ids(run, "Rowan")["the spare key is blue"]
    assert ok(run("memory", "pin", str(spare))) == "Pinned: the spare key is blue\n"
    assert ("Rowan", "the spare key is blue", 1) in rows(data)
    listed = ok(run("memory", "list", "--character", "Rowan"))
    assert f"{spare:>5}  * the spare key is blue" in listed
    unpinned = json.loads(ok(run("memory", "unpin", str(spare), "--character", "Rowan", "--json")))
    assert unpinned["id"] == spare and unpinned["pinned"] is False
    assert ("Rowan", "the spare key is blue", 0) in rows(data)

    assert "no memory 999" in fails(run("memory", "pin", "999"))
    elsewhere = run("memory", "pin", str(spare), "--character", "Buddy")
    assert "is Rowan's, not Buddy's" in fails(elsewhere)
    assert "whole number" in fails(run("memory", "unpin", "key"))
    assert ("Rowan", "the spare key is blue", 0) in rows(data)
    fails(run("memory", "forget", "--character", "Rowan"))
    fails(run("memory", "forget", "tea", "--all", "--character", "Rowan"))
    fails(run("memory", "forget", "--all", "--character", "Nobody"))
    assert len(rows(data)) == 3

    forgot = ok(run("memory", "forget", "--all", "--character", "Rowan"))
    assert forgot == "Forgot all 2 memories of Rowan.\n"
    assert rows(data) == [("Buddy", "Ann has a cat", 0)]  # another character's are kept
    again = ok(run("memory", "forget", "--all", "--character", "Rowan", "--json"))
    assert json.loads(again) == {"character": "Rowan", "forgotten": 0}


def test_memory_off_and_on_per_character_and_for_all_in_the_settings_file(
    run: Run, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[chat]\nuser_name = "Ann"\n', encoding="utf-8")

    def memory() -> dict[str, object]:
        saved = tomllib.loads(config.read_text(encoding="utf-8"))
        assert saved["chat"]["user_name"] == "Ann"  # the rest of the file is kept
        assert saved["chat"]["character"] == ""  # the default character is not written
        assert saved["llm"]["threads"] != 3  # nor is a flag of this run
        return dict(saved["memory"])

    assert ok(run("--threads", "3", "memory", "off", "--character", "rowan")).startswith(
        "Memory is off for Rowan"
    )
    assert memory()["off_for"] == ["Rowan"]
    listed = run("memory", "list", "--character", "Rowan")
    assert listed.returncode == 0 and listed.stdout == ""
    assert "memory is off for Rowan" in listed.stderr
    assert "memory is off" not in run("memory", "list", "--character", "Buddy").stderr
    ok(run("memory", "off", "--character", "Rowan"))
    assert memory()["off_for"] == ["Rowan"]  # once

    assert ok(run("memory", "off", "--all")).startswith("Memory is off for every character")
    assert memory()["enabled"] is False and memory()["off_for"] == ["Rowan"]
    assert "for every character" in run("memory", "list", "--character", "Buddy").stderr
    on = ok(run("memory", "on", "--character", "Rowan"))
    assert "Memory is on for Rowan." in on and "memory on --all" in on
    assert memory()["off_for"] == [] and memory()["enabled"] is False
    switched = json.loads(ok(run("memory", "off", "--character", "Rowan", "--json")))
    assert switched == {"enabled": False, "off_for": ["Rowan"], "character": "Rowan",
                        "remembers": False}  # fmt: skip
    assert ok(run("memory", "on", "--all")) == "Memory is on. It stays off for Rowan.\n"
    assert memory()["enabled"] is True and memory()["off_for"] == ["Rowan"]

    before = config.read_bytes()
    assert "No character named 'Nobody'" in fails(run("memory", "off", "--character", "Nobody"))
    fails(run("memory", "on", "--all", "--character", "Rowan"))
    assert config.read_bytes() == before
    config.write_text("[memory\nenabled = true\n", encoding="utf-8")  # hand-edited, broken
    broken = run("memory", "off", "--all")
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert "Memory is unchanged" in broken.stderr.strip().splitlines()[-1]
    assert config.read_text(encoding="utf-8") == "[memory\nenabled = true\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("config")] == ["config.toml"]


def test_cards_carry_memories_only_when_asked(
    run: Run, user_dirs: dict[str, str], tmp_path: Path
) -> None:
    ok(run("memory", "add", "--character", "Rowan", "Ann's dog is called Biscuit"))
    ok(run("memory", "add", "--character", "Rowan", "the spare key is blue"))
    ok(run("memory", "pin", str(ids(run, "Rowan")["the spare key is blue"])))
    bundled = find_character("Rowan", [BUNDLED_DIR]).card.voicebuddy
    assert bundled and "memories" not in bundled

    plain, shared = tmp_path / "plain.json", tmp_path / "shared.png"
    assert ok(run("characters", "export", "Rowan", "--json", str(plain))) == f"Wrote {plain}\n"
    assert read_card(plain).card.voicebuddy == bundled
    assert b"Biscuit" not in plain.read_bytes()
    out = ok(run("characters", "export", "Rowan", "--png", str(shared), "--with-memories"))
    assert out == f"Wrote {shared}, with 2 memories\n"
    card = read_card(shared).card
    assert card.voicebuddy == {**bundled, "memories": [
        {"fact": "the spare key is blue", "pinned": True},
        {"fact": "Ann's dog is called Biscuit", "pinned": False},
    ]}  # fmt: skip

    # Someone else, with a home of their own, is given the card.
    other = runner({**user_dirs, "XDG_DATA_HOME": str(tmp_path / "other"),
                    "VOICEBUDDY_CONFIG": str(tmp_path / "other.toml")})  # fmt: skip
    imported = json.loads(ok(other("characters", "import", str(shared), "--json")))
    assert (imported["memories_in_card"], imported["memories_added"]) == (2, 0)
    assert imported["card"]["data"]["extensions"]["voicebuddy"]["memories"]  # kept as it came
    assert ids(other, "Rowan") == {}  # but nothing was remembered
    told = ok(other("characters", "import", str(shared)))
    assert "The card carries 2 memories, not added to what Rowan remembers" in told
    again = tmp_path / "again.json"
    ok(other("characters", "export", imported["file"], "--json", str(again)))
    assert read_card(again).card.voicebuddy == bundled  # and nothing leaks back out
    assert b"Biscuit" not in again.read_bytes()

    out = ok(other("characters", "import", str(shared), "--with-memories"))
    assert "Added the card's 2 memories to what Rowan remembers." in out
    assert rows(tmp_path / "other") == [
        ("Rowan", "Ann's dog is called Biscuit", 0), ("Rowan", "the spare key is blue", 1)
    ]  # fmt: skip
    out = ok(other("characters", "import", str(shared), "--with-memories"))
    assert "Added 0 of the card's 2 memories (the others it remembered already)" in out
    assert len(rows(tmp_path / "other")) == 2


def test_a_cards_malformed_memories_are_left_out_with_a_note(run: Run, tmp_path: Path) -> None:
    odd = tmp_path / "odd.json"
    memories = [5, {"fact": "Odd likes rain"}, {"fact": "Odd has a kite", "pinned": "yes"}]
    write_card_json(CharacterCard(name="Odd", extensions={"voicebuddy": {"memories": memories}}),
                    odd)  # fmt: skip
    printed = json.loads(ok(run("characters", "import", str(odd), "--with-memories", "--json")))
    assert (printed["memories_in_card"], printed["memories_added"]) == (2, 2)
    assert printed["memory_notes"] == [
        "memory 1 is a number, not an object; left out.",
        "memory 3's pinned is a text; read as not pinned.",
    ]
    assert rows(tmp_path / "data") == [("Odd", "Odd has a kite", 0), ("Odd", "Odd likes rain", 0)]

    texts = tmp_path / "texts.json"
    write_card_json(CharacterCard(name="Texts", extensions={"voicebuddy": {"memories": "x"}}),
                    texts)  # fmt: skip
    out = ok(run("characters", "import", str(texts), "--with-memories"))
    assert "card memories: extensions.voicebuddy.memories is a text, not a list." in out
    assert "The card carries no memories to add." in out

    strange = tmp_path / "strange.json"
    write_card_json(CharacterCard(name="Strange", extensions={"voicebuddy": "ours?"}), strange)
    ok(run("characters", "import", str(strange), "--with-memories"))
    out_file = tmp_path / "strange-out.json"
    ok(run("characters", "export", "Strange", "--json", str(out_file)))
    out_file.unlink()
    message = fails(run("characters", "export", "Strange", "--json", str(out_file),
                        "--with-memories"))  # fmt: skip
    assert "cannot carry memories" in message and not out_file.exists()
