"""The tray icon: its badge and tooltip follow the conversation as the window's state line
does (ready, listening, transcribing, thinking, speaking, dictating), and its menu reaches the
window, hands-free, dictation, the character picker and Quit. Where the desktop has no tray,
the icon is made but never shown."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from voicebuddy.characters.character import ASSETS_DIR
from voicebuddy.gui.i18n import arg
from voicebuddy.gui.talk_panel import TalkState

# the badge each state puts on the app's icon (none when ready or loading)
_BADGES = {
    TalkState.LISTENING: "#d93025",
    TalkState.TRANSCRIBING: "#f29900",
    TalkState.THINKING: "#f29900",
    TalkState.SPEAKING: "#188038",
    TalkState.DICTATING: "#1a73e8",
}
_SIZE = 64


def available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


def _icon(badge: str | None) -> QIcon:
    pixmap = QIcon(str(ASSETS_DIR / "icon.png")).pixmap(_SIZE, _SIZE)
    if badge is not None:
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor("white"))
        painter.setBrush(QColor(badge))
        painter.drawEllipse(_SIZE * 9 // 16, _SIZE * 9 // 16, _SIZE * 7 // 16, _SIZE * 7 // 16)
        painter.end()
    return QIcon(pixmap)


class Tray(QObject):
    show_window = Signal()
    hands_free_toggled = Signal(bool)
    dictation = Signal()
    choose_character = Signal()
    quit = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._icons = {state: _icon(_BADGES.get(state)) for state in TalkState}
        self.icon = QSystemTrayIcon(self._icons[TalkState.READY], parent)
        menu = QMenu(parent)
        menu.addAction(self.tr("Show VoiceBuddy"), self.show_window.emit)
        self.hands_free = QAction(self.tr("Hands-free"), menu, checkable=True)
        self.hands_free.toggled.connect(self.hands_free_toggled.emit)
        menu.addAction(self.hands_free)
        menu.addAction(self.tr("Dictation…"), self.dictation.emit)
        menu.addAction(self.tr("Choose character…"), self.choose_character.emit)
        menu.addSeparator()
        menu.addAction(self.tr("Quit"), self.quit.emit)
        self.menu = menu
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._activated)
        self.state = TalkState.READY
        self.set_state(TalkState.READY)
        if available():
            self.icon.show()

    def set_state(self, state: TalkState) -> None:
        """The window's state line, as the icon's badge and tooltip."""
        self.state = state
        self.icon.setIcon(self._icons[state])
        self.icon.setToolTip(arg(self.tr("VoiceBuddy — %1"), state.text))

    def set_hands_free(self, on: bool) -> None:
        self.hands_free.blockSignals(True)
        self.hands_free.setChecked(on)
        self.hands_free.blockSignals(False)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_window.emit()

    def hide(self) -> None:
        self.icon.hide()
