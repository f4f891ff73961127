"""Dictation into the application that has the focus (X11): hold the dictation key anywhere,
speak, let go, and the words are put where the cursor is.

By default they go through the clipboard and a simulated Ctrl+V (XTest), and the clipboard's
previous content is put back afterwards (Qt keeps serving it, as it served the dictated text).
`[keys] dictate_by = "typing"` types the text key by key instead, for applications that block
pasting; characters the keyboard map lacks are typed through a spare key code, as xdotool does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from voicebuddy.config import Settings
from voicebuddy.dictation import DictationOptions
from voicebuddy.engines.transcription import Transcription
from voicebuddy.runtime import Runtime

log = logging.getLogger(__name__)

RESTORE_AFTER_MS = 800  # the target application asks for the pasted text within this time
_MODIFIER_KEYSYMS = ("Control_L", "Control_R", "Alt_L", "Alt_R", "Shift_L", "Shift_R",
                     "Super_L", "Super_R", "Meta_L", "Meta_R")  # fmt: skip


class DictateAnywhere(QObject):
    _pasted = Signal()  # from the key-sending thread: Ctrl+V went out

    def __init__(self, runtime: Runtime, settings: Settings, parent: QObject) -> None:
        super().__init__(parent)
        self._pasted.connect(lambda: QTimer.singleShot(RESTORE_AFTER_MS, self._restore))
        self._runtime, self.settings = runtime, settings
        self._active = False
        self._saved: QMimeData | None = None
        self.inserted: list[str] = []  # what was put into other applications (tests)

    @property
    def active(self) -> bool:
        return self._active

    def pressed(self) -> None:
        if self._active:
            return
        self._active = True
        options = DictationOptions.from_settings(self.settings.dictation, self.settings.listen)
        self._runtime.start_dictation(options, self.settings.dictation.cleanup)

    def released(self) -> None:
        if self._active:
            self._runtime.stop_dictation()

    def stopped(self, transcription: Transcription) -> None:
        """The runtime's DictationStopped: put the words where the cursor is."""
        if not self._active:
            return  # the Dictation window's own session
        self._active = False
        text = transcription.text.strip()
        if not text:
            return
        self.inserted.append(text)
        if self.settings.keys.dictate_by == "typing":
            _in_the_background(lambda: type_text(text))
        else:
            self._paste(text)

    def _paste(self, text: str) -> None:
        clipboard = QGuiApplication.clipboard()
        saved = QMimeData()
        previous = clipboard.mimeData()
        if previous is not None:
            for kind in previous.formats():
                saved.setData(kind, previous.data(kind))
        self._saved = saved
        clipboard.setText(text)

        def paste() -> None:
            press_paste()
            self._pasted.emit()

        _in_the_background(paste)

    def _restore(self) -> None:
        if self._saved is not None:
            QGuiApplication.clipboard().setMimeData(self._saved)
            self._saved = None


def _in_the_background(send_keys: Callable[[], None]) -> None:
    """Keys go out on a thread of their own: it waits for the user's modifiers to come up and
    types at a human pace, and the window must not wait with it."""

    def run() -> None:
        try:
            send_keys()
        except Exception:  # the X connection failed: nothing was typed; say why in the log
            log.exception("could not send the dictated text to the focused application")

    threading.Thread(target=run, name="send-keys", daemon=True).start()


def _display() -> Any:
    from Xlib import display

    return display.Display()


def _wait_for_modifiers_up(xdisplay: Any, timeout_s: float = 1.0) -> None:
    """Ctrl+V with Alt still held (the dictation key's modifiers) would not paste."""
    codes = [xdisplay.keysym_to_keycode(_keysym(name)) for name in _MODIFIER_KEYSYMS]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        keymap = xdisplay.query_keymap()
        if not any(code and keymap[code // 8] & (1 << (code % 8)) for code in codes):
            return
        time.sleep(0.02)


def _keysym(name: str) -> int:
    from Xlib import XK

    return int(XK.string_to_keysym(name))


def press_paste() -> None:
    from Xlib import X
    from Xlib.ext import xtest

    xdisplay = _display()
    try:
        _wait_for_modifiers_up(xdisplay)
        control = xdisplay.keysym_to_keycode(_keysym("Control_L"))
        v = xdisplay.keysym_to_keycode(_keysym("v"))
        for kind, code in ((X.KeyPress, control), (X.KeyPress, v), (X.KeyRelease, v),
                           (X.KeyRelease, control)):  # fmt: skip
            xtest.fake_input(xdisplay, kind, code)
        xdisplay.sync()
    finally:
        xdisplay.close()


def type_text(text: str) -> None:
    """Type `text` with XTest, one key at a time."""
    from Xlib import X
    from Xlib.ext import xtest

    xdisplay = _display()
    try:
        _wait_for_modifiers_up(xdisplay)
        first = xdisplay.display.info.min_keycode
        mapping = xdisplay.get_keyboard_mapping(
            first, xdisplay.display.info.max_keycode - first + 1
        )
        spare = next(
            (first + i for i, syms in enumerate(mapping) if not any(syms)), None
        )  # a key code with no key on it
        shift = xdisplay.keysym_to_keycode(_keysym("Shift_L"))
        for char in text:
            keysym = _char_keysym(char)
            code = xdisplay.keysym_to_keycode(keysym)
            shifted = False
            if code:
                syms = mapping[code - first]
                shifted = syms[0] != keysym and len(syms) > 1 and syms[1] == keysym
            elif spare is not None:
                xdisplay.change_keyboard_mapping(spare, [(keysym,) * 2])
                xdisplay.sync()
                code = spare
            else:
                continue
            if shifted:
                xtest.fake_input(xdisplay, X.KeyPress, shift)
            xtest.fake_input(xdisplay, X.KeyPress, code)
            xtest.fake_input(xdisplay, X.KeyRelease, code)
            if shifted:
                xtest.fake_input(xdisplay, X.KeyRelease, shift)
            xdisplay.sync()
            time.sleep(0.005)
        if spare is not None:
            xdisplay.change_keyboard_mapping(spare, [(0, 0)])
            xdisplay.sync()
    finally:
        xdisplay.close()


def _char_keysym(char: str) -> int:
    from Xlib import XK

    named = {" ": "space", "\n": "Return", "\t": "Tab"}.get(char)
    if named:
        return _keysym(named)
    keysym = XK.string_to_keysym(char)
    if keysym:
        return int(keysym)
    code = ord(char)
    return code if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF else 0x01000000 | code
