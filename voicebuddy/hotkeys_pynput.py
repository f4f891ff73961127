"""Global keys on macOS and Windows, through pynput's keyboard listener (a Quartz event tap on
macOS, a low-level keyboard hook on Windows). Unlike the X11 grab, the listener only watches:
the focused application sees the keys too, so the defaults use combinations that applications
rarely take.

macOS lets a program see the keyboard only once the user allows it (System Settings > Privacy
& Security > Accessibility and Input Monitoring); until then this says so in one sentence.
The same code runs over X11 (pynput's RECORD backend), which is how it is tested here.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from voicebuddy.errors import VoiceBuddyError
from voicebuddy.hotkeys import KeyCombo

_MODIFIERS = {"ControlMask": "<ctrl>", "Mod1Mask": "<alt>", "ShiftMask": "<shift>",
              "Mod4Mask": "<cmd>"}  # fmt: skip
_KEY_NAMES = {"Escape": "esc", "Return": "enter"}  # X11 names pynput calls otherwise

MACOS_PERMISSION = (
    "macOS has not allowed VoiceBuddy to watch the keyboard: allow it (or the terminal that "
    "starts it) in System Settings > Privacy & Security > Accessibility and Input Monitoring, "
    "then start VoiceBuddy again."
)


def pynput_keys(combo: KeyCombo) -> str:
    """ "Ctrl+Alt+Space" -> "<ctrl>+<alt>+<space>", as pynput's HotKey.parse reads it."""
    key = combo.keysym
    key = key if len(key) == 1 else f"<{_KEY_NAMES.get(key, key).lower()}>"
    return "+".join([*(_MODIFIERS[m] for m in combo.modifiers), key])


class ListenedKeys:
    """Watches the keyboard for `combos`; `on_key(text, pressed)` runs on pynput's thread for
    each press (all the combination's keys down, nothing else) and for the release of its
    last key. A held key's auto-repeat presses are not new presses."""

    def __init__(self, combos: list[KeyCombo], on_key: Callable[[str, bool], None]) -> None:
        try:
            from pynput import keyboard
        except ImportError as exc:  # no backend: no display, or a platform pynput lacks
            raise VoiceBuddyError(
                "keys_unavailable", f"Global keys cannot be watched here ({exc})."
            ) from None
        self._on_key = on_key
        self._lock = threading.Lock()
        self._combos: list[tuple[frozenset[Any], Any, str]] = []  # modifiers, key, text
        for combo in combos:
            try:
                *modifiers, key = keyboard.HotKey.parse(pynput_keys(combo))
            except ValueError:
                raise VoiceBuddyError("bad_key", f"{combo.text!r} is not a key.") from None
            self._combos.append((frozenset(modifiers), key, combo.text))
        self._modifier_keys = frozenset(keyboard._NORMAL_MODIFIERS.values())
        self._down: set[Any] = set()
        self._held: dict[str, Any] = {}  # combo text -> its key
        self._listener = keyboard.Listener(on_press=self._press, on_release=self._release)
        self._listener.start()
        self._listener.wait()
        if sys.platform == "darwin" and not getattr(self._listener, "IS_TRUSTED", True):
            self.close()
            raise VoiceBuddyError("keys_permission", MACOS_PERMISSION)

    def modifiers_held(self) -> bool:
        """Whether a modifier is down now (text sent meanwhile would be a shortcut)."""
        with self._lock:
            return bool(self._down & self._modifier_keys)

    def _press(self, key: Any) -> None:
        key = self._listener.canonical(key)
        with self._lock:
            if key in self._down:
                return  # auto-repeat
            self._down.add(key)
            pressed = [
                text
                for modifiers, main, text in self._combos
                if main == key and self._down == modifiers | {main} and text not in self._held
            ]
            for text in pressed:
                self._held[text] = key
        for text in pressed:
            self._on_key(text, True)

    def _release(self, key: Any) -> None:
        key = self._listener.canonical(key)
        with self._lock:
            self._down.discard(key)
            released = [text for text, main in self._held.items() if main == key]
            for text in released:
                del self._held[text]
        for text in released:
            self._on_key(text, False)

    def close(self) -> None:
        """Stop listening (pynput's X11 backend ends its thread at the next key event)."""
        self._listener.stop()

    @property
    def thread(self) -> threading.Thread:
        return self._listener  # type: ignore[no-any-return]
