"""Dictation into the application that has the focus: hold the dictation key anywhere, speak,
let go, and the words are put where the cursor is.

By default they go through the clipboard and a simulated paste, and the clipboard's previous
content is put back afterwards (Qt keeps serving it, as it served the dictated text).
`[keys] dictate_by = "typing"` types the text key by key instead, for applications that block
pasting. How keys are sent on each desktop is voicebuddy/insert_text.py's business; where no
way exists (Wayland without wtype or ydotool), the words stay on the clipboard, with a notice.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from PySide6.QtCore import QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from voicebuddy.config import Settings
from voicebuddy.dictation import DictationOptions
from voicebuddy.engines.transcription import Transcription
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.insert_text import Inserter, inserter_for_desktop
from voicebuddy.runtime import Runtime

log = logging.getLogger(__name__)

RESTORE_AFTER_MS = 800  # the target application asks for the pasted text within this time


class DictateAnywhere(QObject):
    _pasted = Signal()  # from the key-sending thread: Ctrl+V went out
    progress = Signal(object)  # TalkState: DICTATING, TRANSCRIBING, then READY (the overlay)
    notice = Signal(str)  # one sentence: the words could not be typed, they are on the clipboard

    def __init__(
        self,
        runtime: Runtime,
        settings: Settings,
        parent: QObject,
        inserter: Inserter | str | None = "this desktop's",
    ) -> None:
        super().__init__(parent)
        self.inserter = inserter_for_desktop(os.environ) if isinstance(inserter, str) else inserter
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
        self.progress.emit(TalkState.DICTATING)

    def released(self) -> None:
        if self._active:
            self._runtime.stop_dictation()
            self.progress.emit(TalkState.TRANSCRIBING)

    def stopped(self, transcription: Transcription) -> None:
        """The runtime's DictationStopped: put the words where the cursor is."""
        if not self._active:
            return  # the Dictation window's own session
        self._active = False
        self.progress.emit(TalkState.READY)
        text = transcription.text.strip()
        if not text:
            return
        self.inserted.append(text)
        inserter = self.inserter
        if inserter is None:
            QGuiApplication.clipboard().setText(text)
            self.notice.emit(
                self.tr(
                    "This desktop lets no application type into another: the words are on "
                    "the clipboard, paste them yourself (installing wtype or ydotool helps)."
                )
            )
        elif self.settings.keys.dictate_by == "typing":
            _in_the_background(lambda: inserter.type_text(text))
        else:
            self._paste(text, inserter)

    def _paste(self, text: str, inserter: Inserter) -> None:
        clipboard = QGuiApplication.clipboard()
        saved = QMimeData()
        previous = clipboard.mimeData()
        if previous is not None:
            for kind in previous.formats():
                saved.setData(kind, previous.data(kind))
        self._saved = saved
        clipboard.setText(text)

        def paste() -> None:
            inserter.paste()
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
