"""The Qt binding must not corrupt Python's reference counts.

PySide6 6.12.0 on Python 3.11 returned None from every void method without a reference of
its own: each call to `QWidget.update()` or `setText()` lowered None's count by one, and a
window that had made a few thousand such calls aborted the interpreter ("none_dealloc" or
"bool_dealloc"). Python 3.12 hides it (None is immortal there); 3.11 does not.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_void_qt_calls_keep_none_alive(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(5_000):
        label.setText("x")
        label.update()
    assert abs(sys.getrefcount(None) - before) < 100
