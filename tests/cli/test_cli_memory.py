"""Long-term memory from the command line, as the issue's user does it: tell a character
something in `chat`, find it in `memory list` and in the prompt of a new conversation,
forget it, and find it nowhere in the database file. English with Rowan, Chinese with 林晓;
the real default model (135M), so the patterns must catch the facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from commandline import Run, runner


@pytest.fixture
def run(user_dirs: dict[str, str], tmp_path: Path) -> Run:
    """A home of its own (the memories of other tests stay out), the shared model cache."""
    return runner({**user_dirs, "XDG_DATA_HOME": str(tmp_path / "data"),
                   "VOICEBUDDY_CONFIG": str(tmp_path / "config.toml")})  # fmt: skip


def ok(result: object) -> str:
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    return str(result.stdout)  # type: ignore[attr-defined]


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
