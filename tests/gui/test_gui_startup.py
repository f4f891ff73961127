"""What `voicebuddy` (the window) says at start-up about a broken config or a damaged store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from voicebuddy.cli import main
from voicebuddy.engines.fakes import FakeChat, FakeSTT, FakeTTS
from voicebuddy.gui import launch as gui_app
from voicebuddy.gui.main_window import MainWindow
from voicebuddy.runtime.engines import EngineLoaders

BROKEN_CONFIG = "[llm]\ncontext_size = 4096\n[stt\nmodel = 'base'\n"


@pytest.fixture
def started(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, qtbot: QtBot
) -> Iterator[list[MainWindow]]:
    """Run the real start-up with fake engines, returning from the event loop at once."""
    windows: list[MainWindow] = []
    real_create = gui_app.create_window
    loaders = EngineLoaders(
        chat=lambda s, p: FakeChat(), stt=lambda s, p: FakeSTT(""), tts=lambda v, r: FakeTTS()
    )

    def create(settings, paths, _loaders=None, devices=None):  # type: ignore[no-untyped-def]
        windows.append(real_create(settings, paths, loaders, devices))
        return windows[-1]

    monkeypatch.setattr(gui_app, "create_window", create)
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield windows
    for window in windows:
        window.close()


def test_a_broken_config_is_named_in_the_window_and_left_unchanged(
    started: list[MainWindow], tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BROKEN_CONFIG)
    assert main(["--config", str(config)]) == 0
    notice = started[0].talk.notice.text()
    assert str(config) in notice and "line 3" in notice and "default settings" in notice
    assert config.read_text() == BROKEN_CONFIG


def test_a_damaged_store_gives_a_message_box_and_is_left_alone(
    started: list[MainWindow], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "data" / "voicebuddy" / "voicebuddy.sqlite3"
    store.parent.mkdir(parents=True)
    store.write_bytes(b"SQLite format 3\x00" + b"\x00\x01garbage" * 1000)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert main(["--config", str(tmp_path / "config.toml")]) == 2
    assert started == [] and len(shown) == 1 and str(store) in shown[0]
    assert store.read_bytes().startswith(b"SQLite format 3\x00\x00\x01garbage")
