"""The "From anywhere" tab of the settings dialog: the global keys (talk, dictate, stop), hold or
toggle, how dictated text goes into the focused application, and the listening overlay.

It says plainly where such keys cannot work (Wayland, systems without a backend) and what to
do there instead: bind `voicebuddy ctl …` to a key in the desktop's own settings.
"""

from __future__ import annotations

import dataclasses
import os

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.config import KeySettings, UiSettings
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.gui.form import combo_data, form_row, select_data
from voicebuddy.gui.i18n import arg
from voicebuddy.hotkeys import desktop_session, global_keys_supported, parse_combo

CTL_COMMANDS = "voicebuddy ctl talk-toggle, dictate-toggle, show"


class GlobalKeysTab(QWidget):
    """Edits `[keys]` and `[ui] overlay`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.talk, self.talk_mode = self._key(), self._mode()
        self.dictate, self.dictate_mode = self._key(), self._mode()
        self.stop = self._key()
        self.dictate_by = QComboBox()
        self.dictate_by.addItem(self.tr("Paste (your clipboard is put back)"), "paste")
        self.dictate_by.addItem(self.tr("Type key by key"), "typing")
        self.overlay = QCheckBox(self.tr("Show a small &panel while a key is in use"))

        keys = QGroupBox(self.tr("Keys that work in every application"))
        form = QFormLayout(keys)
        form_row(
            form,
            self.tr("&Talk to the character:"),
            _row(self.talk, self.talk_mode),
            self.tr("Hold it (or press it twice, in toggle mode) in any application to talk."),
            self.talk,
        )
        form_row(
            form,
            self.tr("&Dictate into the application:"),
            _row(self.dictate, self.dictate_mode),
            self.tr("Speak while it is held: the words are put where the cursor is."),
            self.dictate,
        )
        form_row(form, self.tr("&Stop the reply:"), self.stop, self.tr("Stops speaking at once."))
        form_row(
            form,
            self.tr("&Insert dictated text by:"),
            self.dictate_by,
            self.tr(
                "Pasting is fastest; typing works in applications that block pasting. The "
                "dictation settings (vocabulary, language, Chinese script, clean-up) apply."
            ),
        )
        form_row(
            form,
            "",
            self.overlay,
            self.tr("It shows listening, transcribing or the reply's progress, and the level."),
        )
        for edit, mode in ((self.talk, self.talk_mode), (self.dictate, self.dictate_mode)):
            row = mode.parentWidget()  # it has the row's tip; the key box needs it too
            if row is not None:
                edit.setToolTip(row.toolTip())
        self.platform_note = QLabel(self._platform_note())
        self.platform_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(keys)
        layout.addWidget(self.platform_note)
        layout.addStretch(1)

    def _key(self) -> QKeySequenceEdit:
        edit = QKeySequenceEdit()
        edit.setMaximumSequenceLength(1)
        edit.setClearButtonEnabled(True)
        return edit

    def _mode(self) -> QComboBox:
        mode = QComboBox()
        mode.addItem(self.tr("Hold"), "hold")
        mode.addItem(self.tr("Toggle"), "toggle")
        mode.setToolTip(self.tr("Hold: while the key is down. Toggle: press to start and stop."))
        return mode

    def _platform_note(self) -> str:
        why = global_keys_supported()
        session = desktop_session(os.environ)
        if why:
            return arg(
                self.tr(
                    "Global keys do not work here: %1 Your desktop's keyboard settings can run "
                    "these commands instead: %2."
                ),
                why,
                CTL_COMMANDS,
            )
        if session == "x11":
            return self.tr(
                "These keys are taken from the whole desktop (X11): the application with the "
                "focus does not see them."
            )
        if session == "wayland":
            return arg(
                self.tr(
                    "On Wayland the desktop binds these keys through its GlobalShortcuts portal "
                    "and may ask you to confirm them. Where it has none, its keyboard settings "
                    "can run these commands instead: %1."
                ),
                CTL_COMMANDS,
            )
        return self.tr(
            "VoiceBuddy watches for these keys in every application, which sees them too. "
            "On macOS, allow VoiceBuddy under Privacy & Security > Accessibility and "
            "Input Monitoring."
        )

    def load(self, keys: KeySettings, ui: UiSettings) -> None:
        for edit, text in ((self.talk, keys.talk), (self.dictate, keys.dictate),
                           (self.stop, keys.stop)):  # fmt: skip
            edit.setKeySequence(QKeySequence.fromString(text))
        select_data(self.talk_mode, keys.talk_mode, keys.talk_mode)
        select_data(self.dictate_mode, keys.dictate_mode, keys.dictate_mode)
        select_data(self.dictate_by, keys.dictate_by, keys.dictate_by)
        self.overlay.setChecked(ui.overlay)

    def keys(self, base: KeySettings) -> KeySettings:
        return dataclasses.replace(
            base,
            talk=_text(self.talk),
            talk_mode=combo_data(self.talk_mode),
            dictate=_text(self.dictate),
            dictate_mode=combo_data(self.dictate_mode),
            stop=_text(self.stop),
            dictate_by=combo_data(self.dictate_by),
        )

    def problems(self) -> list[tuple[str, QWidget]]:
        """Keys that cannot be global keys, and a key given two jobs."""
        found: list[tuple[str, QWidget]] = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for edit in (self.talk, self.dictate, self.stop):
            text = _text(edit)
            if not text:
                continue
            try:
                combo = parse_combo(text)
            except VoiceBuddyError as error:
                found.append((error.message, edit))
                continue
            if (combo.keysym, combo.modifiers) in seen:
                found.append((arg(self.tr("%1 is given two jobs."), text), edit))
            seen.add((combo.keysym, combo.modifiers))
        return found


def _text(edit: QKeySequenceEdit) -> str:
    return edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)


def _row(key: QKeySequenceEdit, mode: QComboBox) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(key, 1)
    layout.addWidget(mode)
    return row
