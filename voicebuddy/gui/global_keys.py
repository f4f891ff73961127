"""The window's end of the global keys (voicebuddy/hotkeys.py): the key thread's presses,
relayed to the GUI thread, become the same runtime commands as the window's own key."""

from __future__ import annotations

import contextlib
import os

from PySide6.QtCore import QObject, Signal

from voicebuddy.config import KeySettings
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.gui.dictate_anywhere import DictateAnywhere
from voicebuddy.hotkeys import (
    KeyCombo,
    X11Keys,
    desktop_session,
    global_keys_supported,
    parse_combo,
)
from voicebuddy.hotkeys_pynput import ListenedKeys
from voicebuddy.insert_text import PynputInserter
from voicebuddy.portal_keys import PortalKeys
from voicebuddy.runtime import Runtime, State


class GlobalKeys(QObject):
    _key = Signal(str, bool)  # from the key thread
    _problem_later = Signal(str)  # from the portal's thread: the desktop said no
    problem = Signal(str)  # one sentence: why the keys do not work
    talk_pressed = Signal()  # the global talk key went down (after the runtime was told)

    def __init__(
        self, runtime: Runtime, dictate: DictateAnywhere, parent: QObject, backend: str = ""
    ) -> None:
        """`backend`: "x11" (a grab), "pynput" (a listener) or "portal" (Wayland's
        GlobalShortcuts); "": this desktop's."""
        super().__init__(parent)
        self._runtime, self._dictate = runtime, dictate
        self._backend = backend
        self._grabber: X11Keys | ListenedKeys | PortalKeys | None = None
        self._settings = KeySettings(talk="")
        self._talk = self._dictation = ""
        self._key.connect(self._on_key)
        self._problem_later.connect(self.problem)

    def apply(self, settings: KeySettings) -> str:
        """Grab `settings`' keys (letting go of the old ones); why not, when they cannot be
        (a key taken or unknown is also told through `problem`)."""
        self.close()
        self.problem.emit("")  # what was wrong before may be right now
        self._settings = settings
        combos: list[KeyCombo] = []
        try:
            keys = (settings.talk, settings.stop, settings.dictate)
            combos = [parse_combo(text) for text in keys if text]
            if not combos:
                return ""
            why = global_keys_supported()
            if why:
                return why
            self._talk = parse_combo(settings.talk).text if settings.talk else ""
            self._dictation = parse_combo(settings.dictate).text if settings.dictate else ""
            self._grabber = self._grab(combos)
        except VoiceBuddyError as error:
            self.problem.emit(error.message)
            return error.message
        return ""

    def _grab(self, combos: list[KeyCombo]) -> X11Keys | ListenedKeys | PortalKeys:
        session = desktop_session(os.environ)
        backend = self._backend or {"x11": "x11", "wayland": "portal"}.get(session, "pynput")
        if backend == "x11":
            return X11Keys(combos, self._key.emit)
        if backend == "portal":
            return PortalKeys(combos, self._key.emit, self._problem_later.emit)
        listened = ListenedKeys(combos, self._key.emit)
        inserter = self._dictate.inserter
        if isinstance(inserter, PynputInserter):  # it waits for the user's modifiers to go up
            inserter.modifiers_held = listened.modifiers_held
        return listened

    def _on_key(self, combo: str, pressed: bool) -> None:
        runtime, settings = self._runtime, self._settings
        if combo == self._talk:
            if settings.talk_mode == "toggle":
                if pressed:
                    if runtime.state is State.LISTENING:
                        runtime.talk_released()
                    else:
                        runtime.talk_pressed()
            elif pressed:
                runtime.talk_pressed()
            else:
                runtime.talk_released()
        elif combo == self._dictation:
            dictate = self._dictate
            if settings.dictate_mode == "toggle":
                if pressed:
                    (dictate.released if dictate.active else dictate.pressed)()
            elif pressed:
                dictate.pressed()
            else:
                dictate.released()
        elif pressed:  # the stop key
            runtime.stop()
        if combo == self._talk and pressed:
            self.talk_pressed.emit()

    def close(self) -> None:
        if self._grabber is not None:
            with contextlib.suppress(Exception):  # the display may be gone already
                self._grabber.close()
            self._grabber = None
