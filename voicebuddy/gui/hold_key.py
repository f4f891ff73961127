"""The hold-to-talk key of a window: pressed and released, without the keyboard's
auto-repeat, while that window is active."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget


def _qapp() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication), "create the QApplication first"
    return app


# On X11 the keyboard's auto-repeat is a release and a press of the held key, sent together.
# Qt marks the pair as auto-repeat only when both are already read; when the GUI thread is
# busy they arrive apart, and a held key looked like many short presses (issue 12: the
# recording was cut into pieces and the pieces transcribed as one garbled turn). So a release
# counts only when no press of the key follows within this time.
REPEAT_GRACE_MS = 60


class HoldKey(QObject):
    """Watches the whole application's keys for `window`'s hold key (an event filter).

    `key_name` gives the key as QKeySequence text ("Space", "F9"); while `typing()` is true
    the key goes to the focused widget instead. `released` carries the `time.monotonic()` at
    which the key really went up (it is emitted `REPEAT_GRACE_MS` later). The window losing
    focus while the key is held releases it."""

    pressed = Signal()
    released = Signal(float)

    def __init__(
        self, window: QWidget, key_name: Callable[[], str], typing: Callable[[], bool]
    ) -> None:
        super().__init__(window)
        self._window = window
        self._key_name = key_name
        self._typing = typing
        self._held = False
        self._released_at = 0.0
        self._release = QTimer(self)
        self._release.setSingleShot(True)
        self._release.setInterval(REPEAT_GRACE_MS)
        self._release.timeout.connect(self._let_go)
        _qapp().installEventFilter(self)

    @property
    def held(self) -> bool:
        return self._held

    def detach(self) -> None:
        _qapp().removeEventFilter(self)
        self._release.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.WindowDeactivate and watched is self._window and self._held:
            self._up()
            self._let_go()
        if (
            kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
            and self._window.isActiveWindow()
            and isinstance(event, QKeyEvent)
            and self._is_hold_key(event)
            and not self._typing()
        ):
            if event.isAutoRepeat():
                return True
            if kind == QEvent.Type.KeyPress:
                if self._release.isActive():
                    self._release.stop()  # the release was the auto-repeat's: still held
                elif not self._held:
                    self._held = True
                    self.pressed.emit()
            elif self._held and not self._release.isActive():
                self._up()
                self._release.start()
            return True
        return super().eventFilter(watched, event)

    def _up(self) -> None:
        self._released_at = time.monotonic()

    def _let_go(self) -> None:
        self._release.stop()
        if self._held:
            self._held = False
            self.released.emit(self._released_at)

    def _is_hold_key(self, event: QKeyEvent) -> bool:
        wanted = QKeySequence(self._key_name() or "Space").toString()
        return bool(wanted) and QKeySequence(event.key()).toString() == wanted
