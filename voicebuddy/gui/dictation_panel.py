"""The dictation panel, what the Dictation window shows: speak and the text appears.

Live text is shown greyed while an utterance is spoken and replaced by its final text when it
ends. Start/Stop (the button, or the chat's hold-to-talk key: hold it to dictate while held,
tap it to start and tap again to stop), Copy (Ctrl+Shift+C), Save as… (txt, srt, vtt, json),
File → Transcribe file… (Ctrl+O) or audio files dropped on the window, with a progress bar.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import (
    QColor,
    QKeySequence,
    QPalette,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.gui.i18n import arg

AUDIO_SUFFIXES = frozenset(
    {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".aifc", ".au", ".caf"}
)
LANGUAGES = ("auto", "en", "zh", "de", "es", "fr", "it", "ja", "ko", "nl", "pt", "ru", "yue")
SCRIPTS = ("simplified", "traditional", "as_is")
COPY_SHORTCUT = QKeySequence("Ctrl+Shift+C")
SAVE_SHORTCUT = QKeySequence("Ctrl+S")
OPEN_SHORTCUT = QKeySequence("Ctrl+O")
HOLD_S = 0.5  # the hold key held this long dictates while held; a shorter tap toggles


def audio_paths(urls: Iterable[object]) -> list[Path]:
    """The local audio files (by suffix) among dropped URLs."""
    paths = []
    for url in urls:
        local = getattr(url, "toLocalFile", lambda: "")()
        if local and Path(local).suffix.lower() in AUDIO_SUFFIXES:
            paths.append(Path(local))
    return paths


class DictationPanel(QWidget):
    """The controls and the text; the window around it has the menus and the worker."""

    start_stop = Signal()
    transcribe_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, language: str, vocabulary: str, script: str, cleanup: bool) -> None:
        super().__init__()
        self.start_button = QPushButton()
        self.start_button.setMinimumHeight(48)
        self.start_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.start_button.clicked.connect(self.start_stop)
        self.state_label = QLabel()
        self.language = QComboBox()
        for code in LANGUAGES:
            self.language.addItem(self.tr("Detect") if code == "auto" else code, code)
        self.language.setToolTip(self.tr("The language you speak; Detect finds it"))
        self._select(self.language, language)
        self.script = QComboBox()
        for code, label in zip(
            SCRIPTS,
            (self.tr("Simplified"), self.tr("Traditional"), self.tr("As heard")),
            strict=True,
        ):
            self.script.addItem(label, code)
        self.script.setToolTip(self.tr("How Chinese is written"))
        self._select(self.script, script)
        self.vocabulary = QLineEdit(vocabulary)
        self.vocabulary.setPlaceholderText(self.tr("Words to spell right, comma separated"))
        self.vocabulary.setToolTip(
            self.tr("Names and terms whisper should know, e.g. Kubernetes, VoiceBuddy, 林晓")
        )
        self.cleanup = QCheckBox(self.tr("Clean up with the chat model"))
        self.cleanup.setToolTip(
            self.tr("Fix punctuation and drop filler words; your words are never replaced")
        )
        self.cleanup.setChecked(cleanup)

        self.text = QTextEdit()
        self.text.setReadOnly(True)
        self.text.setAcceptDrops(False)  # dropped files go to the window
        self.text.setPlaceholderText(
            self.tr("Press Start and speak, or drop audio files here to transcribe them.")
        )
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.setToolTip(arg(self.tr("Copy the text (%1)"), COPY_SHORTCUT.toString()))
        self.save_button = QPushButton(self.tr("Save as…"))
        self.save_button.setToolTip(
            arg(self.tr("Save as text, SRT, WebVTT or JSON (%1)"), SAVE_SHORTCUT.toString())
        )
        self.clear_button = QPushButton(self.tr("Clear"))
        self.file_button = QPushButton(self.tr("Transcribe file…"))
        self.file_button.clicked.connect(self.transcribe_requested)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.file_label = QLabel()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.status = QLabel()
        self.status.setWordWrap(True)

        options = QHBoxLayout()
        options.addWidget(QLabel(self.tr("Language:")))
        options.addWidget(self.language)
        options.addWidget(QLabel(self.tr("Chinese:")))
        options.addWidget(self.script)
        options.addWidget(self.cleanup)
        options.addStretch(1)
        vocabulary_row = QHBoxLayout()
        vocabulary_row.addWidget(QLabel(self.tr("Vocabulary:")))
        vocabulary_row.addWidget(self.vocabulary, 1)
        start_row = QHBoxLayout()
        start_row.addWidget(self.start_button, 3)
        start_row.addWidget(self.state_label, 2)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.file_label)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self._progress_widgets = (self.file_label, self.progress, self.cancel_button)
        buttons = QHBoxLayout()
        for button in (self.copy_button, self.save_button, self.clear_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.file_button)
        layout = QVBoxLayout(self)
        layout.addLayout(start_row)
        layout.addLayout(options)
        layout.addLayout(vocabulary_row)
        layout.addWidget(self.text, 1)
        layout.addLayout(progress_row)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.show_progress(False)

        self._partial_at: int | None = None  # where the grey live text starts in the document
        self._final = QTextCharFormat()
        self._partial = QTextCharFormat()
        grey = self.palette().color(QPalette.ColorRole.PlaceholderText)
        self._partial.setForeground(grey if grey.isValid() else QColor("grey"))
        self._partial.setFontItalic(True)

    @staticmethod
    def _select(box: QComboBox, value: str) -> None:
        index = box.findData(value)
        box.setCurrentIndex(max(0, index))

    def show_progress(self, shown: bool) -> None:
        for widget in self._progress_widgets:
            widget.setVisible(shown)

    # ----- the text
    def _cursor_at_end(self) -> QTextCursor:
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor

    def _drop_partial(self) -> QTextCursor:
        cursor = self._cursor_at_end()
        if self._partial_at is not None:
            cursor.setPosition(self._partial_at)
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            self._partial_at = None
        return cursor

    def _separator(self) -> str:
        existing = self.text.toPlainText()
        return "" if not existing or existing.endswith(("\n", " ")) else " "

    def show_partial(self, text: str) -> None:
        cursor = self._drop_partial()
        self._partial_at = cursor.position()
        cursor.insertText(self._separator() + text, self._partial)
        self.text.ensureCursorVisible()

    def show_final(self, text: str, paragraph: bool = False) -> None:
        cursor = self._drop_partial()
        if text:
            gap = "\n\n" if paragraph and self.text.toPlainText().strip() else ""
            cursor.insertText((gap or self._separator()) + text, self._final)
        self.text.ensureCursorVisible()

    def final_text(self) -> str:
        """The text without the live (grey) part."""
        plain = self.text.toPlainText()
        return (plain if self._partial_at is None else plain[: self._partial_at]).strip()

    def clear_text(self) -> None:
        self.text.clear()
        self._partial_at = None
