"""The window's end of the global keys (voicebuddy/hotkeys.py): the key thread's presses,
relayed to the GUI thread, become the same runtime commands as the window's own key."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QObject, Signal

from voicebuddy.config import KeySettings
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.gui.dictate_anywhere import DictateAnywhere
from voicebuddy.hotkeys import KeyCombo, X11Keys, global_keys_supported, parse_combo
from voicebuddy.runtime import Runtime, State


class GlobalKeys(QObject):
    _key = Signal(str, bool)  # from the key thread
    problem = Signal(str)  # one sentence: why the keys do not work

    def __init__(self, runtime: Runtime, dictate: DictateAnywhere, parent: QObject) -> None:
        super().__init__(parent)
        self._runtime, self._dictate = runtime, dictate
        self._grabber: X11Keys | None = None
        self._settings = KeySettings(talk="")
        self._talk = self._dictation = ""
        self._key.connect(self._on_key)

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
            self._grabber = X11Keys(combos, self._key.emit)
        except VoiceBuddyError as error:
            self.problem.emit(error.message)
            return error.message
        return ""

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

    def close(self) -> None:
        if self._grabber is not None:
            with contextlib.suppress(Exception):  # the display may be gone already
                self._grabber.close()
            self._grabber = None
