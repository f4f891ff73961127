"""The hold key as X11 delivers a held key: its auto-repeat is a release and a press, which Qt
does not always mark as auto-repeat (issue 12)."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from voicebuddy.gui.hold_key import REPEAT_GRACE_MS, HoldKey


def _key(widget: QWidget, kind: QEvent.Type, repeat: bool = False) -> None:
    event = QKeyEvent(kind, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, " ", repeat)
    QApplication.sendEvent(widget, event)


def _window(qtbot: QtBot) -> tuple[QWidget, HoldKey, list[str]]:
    window = QWidget()
    window.resize(200, 100)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    key = HoldKey(window, lambda: "Space", lambda: False)
    seen: list[str] = []
    key.pressed.connect(lambda: seen.append("pressed"))
    key.released.connect(lambda at: seen.append(f"released {at:.3f}"))
    return window, key, seen


def test_a_held_key_whose_repeats_are_not_marked_is_one_press(qtbot: QtBot) -> None:
    window, key, seen = _window(qtbot)
    _key(window, QEvent.Type.KeyPress)
    for _ in range(10):  # auto-repeat pairs, some marked, most not (a busy GUI thread)
        _key(window, QEvent.Type.KeyRelease)
        _key(window, QEvent.Type.KeyPress)
        _key(window, QEvent.Type.KeyRelease, repeat=True)
        _key(window, QEvent.Type.KeyPress, repeat=True)
    assert seen == ["pressed"] and key.held
    up = time.monotonic()
    _key(window, QEvent.Type.KeyRelease)
    assert seen == ["pressed"]  # not before the grace time
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=2_000)
    released_at = float(seen[1].split()[1])
    assert up - 0.01 <= released_at <= up + REPEAT_GRACE_MS / 1000  # when it really went up
    assert not key.held
    key.detach()


def test_the_window_losing_focus_lets_go_of_the_key(qtbot: QtBot) -> None:
    window, key, seen = _window(qtbot)
    _key(window, QEvent.Type.KeyPress)
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowDeactivate))
    assert seen[0] == "pressed" and seen[1].startswith("released") and not key.held
    key.detach()
