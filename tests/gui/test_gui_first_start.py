"""A first start follows the system language: the window, started as a user would start it
in a fresh home, greets a Chinese system in Chinese with a multilingual speech model."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from voicebuddy.bench import probe

CJK = re.compile(r"[\u4e00-\u9fff]")


def first_start(tmp_path: Path, lang: str) -> tuple[str, str, str]:
    """(the models line, the character of the first conversation, its first message)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANGUAGE"))}
    env.update(
        LANG=lang,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        VOICEBUDDY_CONFIG=str(tmp_path / "config.toml"),
        PULSE_SERVER="unix:/nonexistent",
        **{probe.ENV: "1"},
    )
    done = subprocess.run(
        [sys.executable, "-m", "voicebuddy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = dict(filter(None, map(probe.parse, done.stdout.splitlines())))
    assert "ready" in lines, (done.stdout, done.stderr)
    store = tmp_path / "data" / "voicebuddy" / "voicebuddy.sqlite3"
    with sqlite3.connect(store) as db:
        character, first = db.execute(
            "SELECT c.character, m.content FROM conversations c JOIN messages m"
            " ON m.conversation_id = c.id ORDER BY m.id LIMIT 1"
        ).fetchone()
    assert not (tmp_path / "config.toml").exists()  # nothing was chosen for the user
    return lines["models"], character, first


@pytest.mark.real
def test_a_chinese_system_is_greeted_in_chinese_and_heard_by_a_multilingual_model(
    tmp_path: Path,
) -> None:
    models, character, greeting = first_start(tmp_path, "zh_CN.UTF-8")
    assert character == "林晓"
    assert len(CJK.findall(greeting)) >= 5, greeting
    assert "whisper base" in models, models


@pytest.mark.real
def test_other_systems_get_buddy_listening_for_their_language(tmp_path: Path) -> None:
    models, character, greeting = first_start(tmp_path / "de", "de_DE.UTF-8")
    assert character == "Buddy" and greeting.startswith("Hi")
    assert "whisper base" in models, models  # whisper detects the language
    models, character, _ = first_start(tmp_path / "en", "en_US.UTF-8")
    assert character == "Buddy" and "whisper tiny.en" in models, models
