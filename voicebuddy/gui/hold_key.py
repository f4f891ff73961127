"""The hold-to-talk key of a window: pressed and released, without the keyboard's
auto-repeat, while that window is active."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget


def _qapp() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication), "create the QApplication first"
    return app


class HoldKey(QObject):
    """Watches the whole application's keys for `window`'s hold key (an event filter).

    `key_name` gives the key as QKeySequence text ("Space", "F9"); while `typing()` is true
    the key goes to the focused widget instead."""

    pressed = Signal()
    released = Signal()

    def __init__(
        self, window: QWidget, key_name: Callable[[], str], typing: Callable[[], bool]
    ) -> None:
        super().__init__(window)
        self._window = window
        self._key_name = key_name
        self._typing = typing
        _qapp().installEventFilter(self)

    def detach(self) -> None:
        _qapp().removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if (
            kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
            and self._window.isActiveWindow()
            and isinstance(event, QKeyEvent)
            and self._is_hold_key(event)
            and not self._typing()
        ):
            if not event.isAutoRepeat():
                (self.pressed if kind == QEvent.Type.KeyPress else self.released).emit()
            return True
        return super().eventFilter(watched, event)

    def _is_hold_key(self, event: QKeyEvent) -> bool:
        wanted = QKeySequence(self._key_name() or "Space").toString()
        return bool(wanted) and QKeySequence(event.key()).toString() == wanted
