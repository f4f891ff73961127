"""The tray icon follows a turn, and closing the window can keep VoiceBuddy in the tray."""

from __future__ import annotations

import numpy as np
import pytest
from fake_devices import pause, tone
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from windows import open_window, settled

from voicebuddy.config import Paths, Settings
from voicebuddy.gui import main_window
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.runtime import State


def test_the_tray_icon_and_tooltip_follow_a_turn(qtbot: QtBot, paths: Paths) -> None:
    window, devices = open_window(qtbot, paths)
    tray = window.tray
    assert tray.icon.toolTip() == "VoiceBuddy — Ready"
    idle_icon = tray.icon.icon().cacheKey()
    seen: list[tuple[TalkState, str, int]] = []
    set_state = tray.set_state

    def spy(state: TalkState) -> None:
        set_state(state)
        seen.append((state, tray.icon.toolTip(), tray.icon.icon().cacheKey()))

    tray.set_state = spy  # type: ignore[method-assign]
    window.activateWindow()
    qtbot.waitActive(window)
    window.view.setFocus()
    qtbot.keyPress(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.LISTENING)
    (microphone,) = devices.live
    microphone.say(np.concatenate([tone(1.0), pause(0.3)]))
    qtbot.wait(200)
    qtbot.keyRelease(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: settled(window, 3), timeout=10_000)
    states = [state for state, _, _ in seen]
    assert states[0] is TalkState.LISTENING and states[-1] is TalkState.READY
    assert TalkState.THINKING in states and TalkState.SPEAKING in states
    tips = {state: tip for state, tip, _ in seen}
    assert tips[TalkState.LISTENING] == "VoiceBuddy — Listening…"
    assert tips[TalkState.SPEAKING] == "VoiceBuddy — Speaking…"
    icons = {state: key for state, _, key in seen}
    assert (
        len({icons[s] for s in (TalkState.LISTENING, TalkState.THINKING, TalkState.SPEAKING)}) == 3
    )
    assert tray.icon.icon().cacheKey() != icons[TalkState.SPEAKING]  # idle again
    assert idle_icon != icons[TalkState.LISTENING]


def test_closing_keeps_voicebuddy_in_the_tray_when_asked(
    qtbot: QtBot, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_window, "tray_available", lambda: True)  # offscreen has no tray
    settings = Settings()
    settings.ui.close_to_tray = True
    window, _ = open_window(qtbot, paths, settings=settings)
    window.close()
    assert not window.isVisible() and window.runtime.state is not State.CLOSED  # still running
    window.tray.show_window.emit()
    qtbot.waitUntil(window.isVisible)
    window.tray.hands_free.trigger()
    qtbot.waitUntil(lambda: window.runtime.hands_free, timeout=5_000)
    window.tray.quit.emit()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.runtime.state is State.CLOSED
