"""The listening overlay: while a global key is in use, a small panel above every window says
what VoiceBuddy is doing (listening, dictating, transcribing, thinking, speaking) and shows
the microphone's level. It never takes the focus, since the dictated words go to the
application that has it, and clicks go through it. The window shows it unless
`[ui] overlay = false`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QVBoxLayout, QWidget

from voicebuddy.gui.talk_panel import TalkState

_MARGIN = 48  # pixels above the bottom of the screen


def level_percent(rms: float) -> int:
    """A microphone level as the meters show it: -60 dBFS is empty, 0 dBFS full."""
    return int(min(100.0, max(0.0, 20 * np.log10(rms + 1e-9) + 60) * 100 / 60))


class ListeningOverlay(QWidget):
    """Shown by a global key's press, hidden when VoiceBuddy is ready again."""

    def __init__(self, level: Callable[[], float]) -> None:
        super().__init__(
            None,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus
            | Qt.WindowType.WindowTransparentForInput,
        )
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setObjectName("listeningOverlay")
        self._level = level
        self._following = False
        frame = QFrame(self)
        frame.setStyleSheet(
            "QFrame { background: rgba(32, 33, 36, 230); border-radius: 10px; }"
            "QLabel { color: white; font-weight: bold; }"
        )
        self.label = QLabel(frame)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.level = QProgressBar(frame)
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setMaximumHeight(6)
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(16, 10, 16, 10)
        inner.addWidget(self.label)
        inner.addWidget(self.level)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        self.setFixedWidth(260)
        self._timer = QTimer(self, interval=50)
        self._timer.timeout.connect(self._show_level)

    def talk_key_pressed(self) -> None:
        """The global talk key: follow the turn until VoiceBuddy is ready again."""
        self._following = True
        self._say(TalkState.LISTENING)

    def dictation(self, state: TalkState) -> None:
        """Dictation into another application: DICTATING, TRANSCRIBING, then READY."""
        if state is TalkState.READY:
            self._close()
        else:
            self._say(state)

    def set_state(self, state: TalkState) -> None:
        """The runtime's state, followed after a talk key press."""
        if not self._following:
            return
        if state in (TalkState.READY, TalkState.LOADING):
            self._close()
        else:
            self._say(state)

    def _close(self) -> None:
        self._following = False
        self._timer.stop()
        self.hide()

    def _say(self, state: TalkState) -> None:
        self.label.setText(state.text)
        recording = state in (TalkState.LISTENING, TalkState.DICTATING)
        self.level.setVisible(recording)
        if recording:
            self._timer.start()
        else:
            self._timer.stop()
        if not self.isVisible():
            self.adjustSize()
            self._place()
            self.show()

    def _place(self) -> None:
        """Bottom centre of the screen the pointer is on."""
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        self.move(
            area.x() + (area.width() - self.width()) // 2,
            area.y() + area.height() - self.height() - _MARGIN,
        )

    def _show_level(self) -> None:
        self.level.setValue(level_percent(self._level()))
