"""The window with the real voices (fake chat and speech models): replies in the neural voice,
and a bad voice file chosen in Settings gives a message while the voice in use keeps speaking."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from voice_files import bad_voice
from windows import fake_loaders, open_window

from voicebuddy.config import Paths
from voicebuddy.gui.main_window import MainWindow
from voicebuddy.gui.settings_dialog import SettingsDialog
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.runtime.engines import load_text_to_speech

pytestmark = pytest.mark.real


def send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    bubbles = len(window.view.bubbles)
    qtbot.keyClicks(window.talk.entry, text)
    qtbot.keyClick(window.talk.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: len(window.view.bubbles) == bubbles + 2 and window.talk.state is TalkState.READY,
        timeout=30_000,
    )


@pytest.mark.parametrize("damage", ["truncated", "no config", "sample rate"])
def test_a_bad_voice_file_gives_a_message_and_the_voice_keeps_speaking(
    qtbot: QtBot, paths: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    loaders = dataclasses.replace(fake_loaders(), tts=load_text_to_speech)
    window, devices = open_window(qtbot, paths, loaders=loaders)
    assert "piper en_US-joe-medium" in window.figures.models.text()
    send(qtbot, window, "Hello!")
    assert {clip.sample_rate for clip in devices.sink.clips} == {22_050}

    bad = bad_voice(tmp_path / "downloads", damage)
    chosen = dataclasses.replace(
        window.settings, tts=dataclasses.replace(window.settings.tts, voice=str(bad))
    )
    monkeypatch.setattr(SettingsDialog, "exec", lambda self: 1)
    monkeypatch.setattr(SettingsDialog, "result_settings", lambda self: chosen)
    warnings: list[str] = []

    def warn(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        warnings.append(str(args[2]))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warn)
    window.show_settings()
    qtbot.waitUntil(lambda: bool(warnings), timeout=30_000)
    assert bad.name in warnings[0] and "previous models stay in use" in warnings[0]
    assert window.settings.tts.voice == ""
    assert not paths.config_file.exists() or str(bad) not in paths.config_file.read_text()

    devices.sink.clips.clear()
    send(qtbot, window, "Are you still there?")
    assert devices.sink.clips and {clip.sample_rate for clip in devices.sink.clips} == {22_050}
