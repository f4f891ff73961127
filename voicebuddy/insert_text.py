"""Putting dictated text where the cursor is, in the application that has the focus: a
simulated paste (the caller has put the text on the clipboard) or typing, key by key.

- X11: XTest (python-xlib). Characters the keyboard map lacks are typed through a spare key
  code, as xdotool does.
- macOS and Windows: pynput, which sends CGEvents and SendInput (untested here).
- Wayland: `wtype`, else `ydotool`, when installed (the compositor must allow them);
  otherwise nothing can be typed, and the text stays on the clipboard.

Every inserter waits until the user's modifiers are up: Ctrl+V with Alt still held (the
dictation key's modifiers) would not paste.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from voicebuddy.hotkeys import desktop_session

_MODIFIER_KEYSYMS = ("Control_L", "Control_R", "Alt_L", "Alt_R", "Shift_L", "Shift_R",
                     "Super_L", "Super_R", "Meta_L", "Meta_R")  # fmt: skip


class Inserter(Protocol):
    name: str

    def paste(self) -> None: ...

    def type_text(self, text: str) -> None: ...


def inserter_for_desktop(
    env: Mapping[str, str], which: Callable[[str], str | None] = shutil.which
) -> Inserter | None:
    """The way to insert text on this desktop; None where there is none (Wayland without
    wtype or ydotool, no display)."""
    session = desktop_session(env)
    if session in ("macos", "windows"):
        return PynputInserter()
    if session == "wayland":
        for tool in (WtypeInserter, YdotoolInserter):
            if which(tool.name):
                return tool()
        return None
    return XTestInserter() if session == "x11" else None


class XTestInserter:
    name = "xtest"

    def paste(self) -> None:
        press_paste()

    def type_text(self, text: str) -> None:
        type_text(text)


class PynputInserter:
    """macOS (Cmd+V) and Windows (Ctrl+V) through pynput."""

    name = "pynput"

    def __init__(self) -> None:
        self.modifiers_held: Callable[[], bool] = lambda: False  # the key listener's, if any

    def _wait(self) -> None:
        deadline = time.monotonic() + 1.0
        while self.modifiers_held() and time.monotonic() < deadline:
            time.sleep(0.02)

    def paste(self) -> None:
        from pynput.keyboard import Controller, Key

        self._wait()
        keyboard = Controller()
        with keyboard.pressed(Key.cmd if sys.platform == "darwin" else Key.ctrl):
            keyboard.tap("v")

    def type_text(self, text: str) -> None:
        from pynput.keyboard import Controller

        self._wait()
        Controller().type(text)


class WtypeInserter:
    """Wayland compositors with the virtual-keyboard protocol (sway, Hyprland, KDE)."""

    name = "wtype"

    def paste(self) -> None:
        _run(["wtype", "-s", "300", "-M", "ctrl", "v", "-m", "ctrl"])

    def type_text(self, text: str) -> None:
        _run(["wtype", "-s", "300", "--", text])


class YdotoolInserter:
    """Any Wayland compositor, through the kernel's uinput (needs ydotoold running)."""

    name = "ydotool"

    def paste(self) -> None:
        time.sleep(0.3)  # the dictation key's modifiers come up
        _run(["ydotool", "key", "29:1", "47:1", "47:0", "29:0"])  # Ctrl, V (evdev codes)

    def type_text(self, text: str) -> None:
        time.sleep(0.3)
        _run(["ydotool", "type", "--", text])


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, timeout=30, capture_output=True)


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
