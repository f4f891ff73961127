"""Keys that work while another application has focus: the global talk and dictation keys.

On X11 the key is grabbed on the root window (XGrabKey, with python-xlib), so the focused
application never sees it; with NumLock or CapsLock on it still works. A held key's
auto-repeat (release and press again at the same instant) is not a release. macOS and Windows
watch the keyboard through pynput (voicebuddy/hotkeys_pynput.py). Wayland gives applications
global keys only through the desktop's GlobalShortcuts portal (voicebuddy/portal_keys.py);
without one, `voicebuddy ctl talk-toggle` is bound to a key in the desktop's settings.
"""

from __future__ import annotations

import os
import select
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from voicebuddy.errors import VoiceBuddyError

_MODIFIERS = {"ctrl": "ControlMask", "control": "ControlMask", "alt": "Mod1Mask",
              "shift": "ShiftMask", "super": "Mod4Mask", "meta": "Mod4Mask"}  # fmt: skip
_NAMES = {"space": "space", "esc": "Escape", "escape": "Escape", "enter": "Return",
          "return": "Return", "tab": "Tab", "pause": "Pause", "menu": "Menu"}  # fmt: skip
_REPEAT_WAIT_S = 0.03  # a release followed this soon by a press of the same instant: repeat


@dataclass(frozen=True)
class KeyCombo:
    keysym: str  # X11's name of the key: "space", "F9", "d"
    modifiers: tuple[str, ...]  # X11 masks: "ControlMask", "Mod1Mask", ...
    text: str  # as the user wrote it


def parse_combo(text: str) -> KeyCombo:
    """ "Ctrl+Alt+Space", "F9", "Super+D" -> the key and its modifiers."""
    parts = [p.strip() for p in text.split("+") if p.strip()]
    if not parts:
        raise VoiceBuddyError("bad_key", "No key was given.")
    *mods, key = parts
    masks = []
    for mod in mods:
        mask = _MODIFIERS.get(mod.lower())
        if mask is None:
            raise VoiceBuddyError(
                "bad_key", f"{mod!r} in {text!r} is not a modifier (use Ctrl, Alt, Shift, Super)."
            )
        masks.append(mask)
    name = _NAMES.get(key.lower(), key if len(key) > 1 else key.lower())
    return KeyCombo(name, tuple(sorted(set(masks))), text)


def desktop_session(env: Mapping[str, str], platform: str = sys.platform) -> str:
    """ "x11", "wayland", "macos", "windows", or "none" (no display at all)."""
    if platform == "darwin":
        return "macos"
    if platform == "win32":
        return "windows"
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"  # X11 grabs there see keys only while an XWayland window has focus
    return "x11" if env.get("DISPLAY") else "none"


def global_keys_supported() -> str:
    """ "" when global keys can be had here (on Wayland: if the desktop's portal gives
    them), else why not (one sentence)."""
    if desktop_session(os.environ) == "none":
        return "There is no display to take keys from."
    return ""


class X11Keys:
    """Grabs `combos` on the X display; `on_key(text, pressed)` runs on this object's thread
    for each press and each real release."""

    def __init__(
        self,
        combos: list[KeyCombo],
        on_key: Callable[[str, bool], None],
        display: str | None = None,
    ) -> None:
        from Xlib import XK, X, error
        from Xlib import display as xdisplay

        try:
            self._display = xdisplay.Display(display)
        except (error.DisplayError, OSError) as exc:
            message = f"Cannot open the X display: {exc}."
            raise VoiceBuddyError("keys_unavailable", message) from None
        self._X = X
        self._on_key = on_key
        self._root = self._display.screen().root
        self._grabbed: dict[tuple[int, int], str] = {}  # (keycode, modifier mask) -> combo text
        handler = error.CatchError(error.BadAccess)
        for combo in combos:
            keysym = XK.string_to_keysym(combo.keysym)
            keycode = self._display.keysym_to_keycode(keysym) if keysym else 0
            if not keycode:
                raise VoiceBuddyError("bad_key", f"{combo.text!r} is not a key on this keyboard.")
            mask = 0
            for name in combo.modifiers:
                mask |= getattr(X, name)
            for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):  # Caps, NumLock
                self._root.grab_key(keycode, mask | extra, True, X.GrabModeAsync,
                                    X.GrabModeAsync, onerror=handler)  # fmt: skip
            self._grabbed[(keycode, mask)] = combo.text
        self._display.sync()
        if handler.get_error() is not None:
            self.close()
            taken = " or ".join(combo.text for combo in combos)
            raise VoiceBuddyError(
                "key_taken",
                f"Another application already uses {taken}: choose another key "
                "([keys] in config.toml).",
            )
        self._held: set[str] = set()
        self._put_back: Any = None  # an event read while looking for auto-repeat
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="global-keys", daemon=True)
        self._thread.start()

    def _combo(self, event: Any) -> str | None:
        X = self._X
        if event.type == X.KeyRelease:  # the modifiers may have been let go first
            held = [t for (code, _), t in self._grabbed.items() if code == event.detail]
            return next((t for t in held if t in self._held), None)
        mask = event.state & ~(X.LockMask | X.Mod2Mask) & 0xFF
        return self._grabbed.get((event.detail, mask))

    def _run(self) -> None:
        X, display = self._X, self._display
        fileno = display.fileno()
        while not self._stop.is_set():
            event, self._put_back = self._put_back, None
            if event is None:
                if not display.pending_events():
                    select.select([fileno], [], [], 0.1)
                    continue
                event = display.next_event()
            if event.type not in (X.KeyPress, X.KeyRelease):
                continue
            combo = self._combo(event)
            if combo is None:
                continue
            if event.type == X.KeyRelease and self._repeats(event):
                continue
            pressed = event.type == X.KeyPress
            if pressed == (combo in self._held):
                continue  # a press while held (auto-repeat), or a release of nothing
            (self._held.add if pressed else self._held.discard)(combo)
            self._on_key(combo, pressed)

    def _repeats(self, release: Any) -> bool:
        """Whether the press of the same key at the same instant follows `release`: the
        keyboard's auto-repeat, not the user letting go (that press is taken off the queue)."""
        display, X = self._display, self._X
        deadline = threading.Event()
        for _ in range(3):
            if display.pending_events():
                following = display.next_event()
                repeat = bool(
                    following.type == X.KeyPress
                    and following.detail == release.detail
                    and following.time == release.time
                )
                if not repeat:
                    self._put_back = following
                return repeat
            deadline.wait(_REPEAT_WAIT_S / 3)
        return False

    def close(self) -> None:
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()
            self._thread.join(2)
        for keycode, mask in self._grabbed:
            X = self._X
            for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
                self._root.ungrab_key(keycode, mask | extra)
        self._display.close()
