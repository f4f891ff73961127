"""The Dictation window: the panel and its menus, over the conversation runtime (which
transcribes on its engine thread; its events come back through `RuntimeBridge`).

See `voicebuddy.gui.dictation_panel` for what the user sees and does.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QWidget,
)

from voicebuddy.config import Settings, save_settings
from voicebuddy.dictation import (
    DictationOptions,
    FileProgress,
    FinalText,
    PartialText,
    join_finals,
    parse_vocabulary,
    shift,
)
from voicebuddy.engines.transcription import Segment, Transcription
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.events import Event, Failed, Handlers
from voicebuddy.gui.bridge import RuntimeBridge
from voicebuddy.gui.dictation_panel import (
    AUDIO_SUFFIXES,
    COPY_SHORTCUT,
    HOLD_S,
    OPEN_SHORTCUT,
    SAVE_SHORTCUT,
    DictationPanel,
    audio_paths,
)
from voicebuddy.gui.hold_key import HoldKey
from voicebuddy.gui.i18n import arg
from voicebuddy.runtime import Runtime
from voicebuddy.runtime.events import (
    DictationReady,
    DictationStarted,
    DictationStopped,
    FileTranscribed,
)
from voicebuddy.text.subtitles import FORMATS, write_transcript


class DictationWindow(QMainWindow):
    def __init__(self, runtime: Runtime, settings: Settings, parent: QWidget | None = None) -> None:
        """`settings` are the window's: the dictation options chosen here change them."""
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.runtime = runtime
        self.settings = settings
        self.setWindowTitle(self.tr("Dictation — VoiceBuddy"))
        self.resize(720, 560)
        self.setAcceptDrops(True)
        d = self.settings.dictation
        self.panel = DictationPanel(d.language or "auto", d.vocabulary, d.chinese_script, d.cleanup)
        self.setCentralWidget(self.panel)
        self._finals: list[FinalText] = []  # this session's, times from its start
        self._segments: list[Segment] = []  # everything shown, for saving
        self._language = ""
        self._offset = 0.0  # where the next session or file starts on the saved timeline
        self._ready = False
        self._live = False
        self._stopping = False
        self._files_left = 0
        self._settings_changed = False
        self._hold_pressed_at: float | None = None
        self._started_by_hold = False

        self.panel.start_stop.connect(self.toggle)
        self.panel.transcribe_requested.connect(self.choose_files)
        self.panel.cancel_requested.connect(self.cancel_files)
        self.panel.copy_button.clicked.connect(self.copy_text)
        self.panel.save_button.clicked.connect(self.save_as)
        self.panel.clear_button.clicked.connect(self.clear)
        self.panel.language.currentIndexChanged.connect(self._language_changed)
        self._build_menus()

        self.hold_key = HoldKey(
            self,
            self._hold_key_name,
            lambda: isinstance(QApplication.focusWidget(), QLineEdit | QComboBox),
        )
        self.hold_key.pressed.connect(self._hold_pressed)
        self.hold_key.released.connect(self._hold_released)
        self.handlers = (
            Handlers()
            .on(DictationReady, lambda e: self.on_ready(e.model))
            .on(DictationStarted, lambda _e: self.on_live_started())
            .on(DictationStopped, lambda e: self.on_live_stopped(e.transcription))
            .on(PartialText, self.on_event)
            .on(FinalText, self.on_event)
            .on(FileProgress, lambda e: self.on_file_progress(e.path, e.fraction))
            .on(FileTranscribed, lambda e: self.on_file_done(e.path, e.transcription))
            .on(Failed, self._failed)
        )
        self.bridge = RuntimeBridge(runtime, self)
        self.bridge.relayed.connect(self.handlers)
        self._update()
        self._load()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        edit_menu = self.menuBar().addMenu(self.tr("&Edit"))

        def action(
            menu: QMenu, text: str, shortcut: QKeySequence, slot: Callable[[], object]
        ) -> QAction:
            act = QAction(text, self)
            act.setShortcut(shortcut)
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        self.transcribe_action = action(
            file_menu, self.tr("&Transcribe file…"), OPEN_SHORTCUT, self.choose_files
        )
        self.save_action = action(file_menu, self.tr("&Save as…"), SAVE_SHORTCUT, self.save_as)
        file_menu.addSeparator()
        action(file_menu, self.tr("&Close"), QKeySequence("Ctrl+W"), self.close)
        self.copy_action = action(edit_menu, self.tr("&Copy text"), COPY_SHORTCUT, self.copy_text)
        action(edit_menu, self.tr("C&lear"), QKeySequence(), self.clear)

    # ----- options
    def options(self) -> DictationOptions:
        listen = self.settings.listen
        base = DictationOptions.from_settings(self.settings.dictation, listen)
        return replace(
            base,
            language=str(self.panel.language.currentData()),
            vocabulary=parse_vocabulary(self.panel.vocabulary.text()),
            chinese_script=str(self.panel.script.currentData()),
        )

    def _remember_options(self) -> None:
        d = self.settings.dictation
        chosen = (
            str(self.panel.language.currentData()),
            self.panel.vocabulary.text().strip(),
            str(self.panel.script.currentData()),
            self.panel.cleanup.isChecked(),
        )
        if chosen != (d.language, d.vocabulary, d.chinese_script, d.cleanup):
            d.language, d.vocabulary, d.chinese_script, d.cleanup = chosen
            self._settings_changed = True

    def _load(self) -> None:
        self._ready = False
        self._remember_options()
        self.panel.state_label.setText(self.tr("Loading the speech model…"))
        self._update()
        self.runtime.prepare_dictation(self.settings)

    def _language_changed(self) -> None:
        if not self._live:
            self._load()

    def on_ready(self, description: str) -> None:
        self._ready = True
        self.panel.state_label.setText(self.tr("Ready"))
        self.statusBar().showMessage(description)
        self._update()

    def on_load_failed(self, message: str) -> None:
        self._ready = False
        self.panel.state_label.setText(self.tr("No speech model"))
        self.panel.status.setText(message)
        self._update()

    # ----- state
    def _update(self) -> None:
        busy_files = self._files_left > 0
        can_start = self._ready and not busy_files and not self._stopping
        self.panel.start_button.setEnabled(self._live or can_start)
        self.panel.start_button.setText(
            self.tr("Stop") if self._live else arg(self.tr("Start  (%1)"), self._hold_key_name())
        )
        self.panel.start_button.setToolTip(
            arg(
                self.tr("Start or stop dictation; hold %1 to dictate while it is held"),
                self._hold_key_name(),
            )
        )
        idle = not self._live and not busy_files and not self._stopping
        for widget in (self.panel.language, self.panel.script, self.panel.vocabulary):
            widget.setEnabled(idle)
        self.panel.cleanup.setEnabled(idle)
        self.panel.file_button.setEnabled(idle and self._ready)
        self.transcribe_action.setEnabled(idle and self._ready)
        has_text = bool(self._segments) or bool(self.panel.final_text())
        for button in (self.panel.copy_button, self.panel.save_button, self.panel.clear_button):
            button.setEnabled(has_text)
        self.save_action.setEnabled(has_text)
        self.copy_action.setEnabled(has_text)

    def _hold_key_name(self) -> str:
        return self.settings.chat.hold_key or "Space"

    # ----- live dictation
    def toggle(self) -> None:
        if self._live:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        if self._live or not self._ready or self._files_left or self._stopping:
            return
        try:
            options = self.options()
        except VoiceBuddyError as error:
            self.panel.status.setText(error.message)
            return
        self._remember_options()
        self._live = True
        self._finals = []
        self.panel.status.setText("")
        self.panel.state_label.setText(self.tr("Starting the microphone…"))
        self._update()
        self.runtime.start_dictation(options, self.panel.cleanup.isChecked())

    def stop(self) -> None:
        if not self._live:
            return
        self._live = False
        self._stopping = True
        self.panel.state_label.setText(self.tr("Finishing…"))
        self._update()
        self.runtime.stop_dictation()

    def on_live_started(self) -> None:
        if self._live:
            self.panel.state_label.setText(self.tr("Listening… speak now"))
        else:  # stopped before the microphone was open
            self._stopping = True
            self.runtime.stop_dictation()
        self._update()

    def _failed(self, event: Failed) -> None:
        if event.about == "file":
            self.on_file_failed(event.subject, event.message)
        elif event.about == "dictation" and not self._ready:
            self.on_load_failed(event.message)
        elif event.about == "dictation":
            self.panel.status.setText(event.message)
            if self._live:  # the microphone failed, or could not be opened
                self.stop()

    def on_live_stopped(self, _transcription: Transcription) -> None:
        """The session's last final text came before this (signals arrive in order)."""
        self._stopping = False
        self._add(join_finals(self._finals))
        self._finals = []
        self.panel.show_final("")
        self.panel.state_label.setText(self.tr("Ready"))
        self._update()

    def on_event(self, event: Event) -> None:
        if isinstance(event, PartialText):
            self.panel.show_partial(event.text)
        elif isinstance(event, FinalText):
            self.panel.show_final(event.text)
            if event.text:
                self._finals.append(event)
                if event.cleanup_note:
                    self.panel.status.setText(
                        arg(self.tr("Clean-up not used: %1."), event.cleanup_note)
                    )
        self._update()

    def _add(self, transcription: Transcription) -> None:
        """Put a finished session's or file's segments after what is there already."""
        end = max((s.end_s for s in transcription.segments), default=0.0)
        self._segments += shift(transcription.segments, self._offset, self._offset + end)
        self._offset += end
        self._language = self._language or transcription.language

    def transcript(self) -> Transcription:
        """Everything shown, with times: the sessions and files one after another."""
        session = join_finals(self._finals)
        end = max((s.end_s for s in session.segments), default=0.0)
        segments = (*self._segments, *shift(session.segments, self._offset, self._offset + end))
        return Transcription(segments, self._language or session.language)

    # ----- files
    def choose_files(self) -> None:
        patterns = " ".join(f"*{s}" for s in sorted(AUDIO_SUFFIXES))
        chosen, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Transcribe audio files"),
            str(Path.home()),
            arg(self.tr("Audio (%1);;All files (*)"), patterns),
        )
        self.transcribe_files([Path(c) for c in chosen])

    def transcribe_files(self, paths: list[Path]) -> None:
        if not paths or not self._ready or self._live or self._stopping or self._files_left:
            return
        try:
            options = self.options()
        except VoiceBuddyError as error:
            self.panel.status.setText(error.message)
            return
        self._remember_options()
        self._files_left = len(paths)
        self.panel.progress.setValue(0)
        self.panel.show_progress(True)
        self.panel.status.setText("")
        self._update()
        self.runtime.transcribe_files(paths, options, self.panel.cleanup.isChecked())

    def cancel_files(self) -> None:
        self.runtime.cancel_files()

    def on_file_progress(self, path: str, fraction: float) -> None:
        self.panel.file_label.setText(Path(path).name)
        self.panel.progress.setValue(round(fraction * 100))
        self.panel.state_label.setText(arg(self.tr("Transcribing %1…"), Path(path).name))

    def on_file_done(self, path: str, transcription: Transcription) -> None:
        self.panel.progress.setValue(100)
        self.panel.show_final(transcription.text, paragraph=True)
        self._add(transcription)
        self.panel.status.setText(arg(self.tr("Transcribed %1."), Path(path).name))
        self._file_finished()

    def on_file_failed(self, path: str, message: str) -> None:
        self.panel.status.setText(arg(self.tr("%1: %2"), Path(path).name, message))
        self._file_finished(cancelled="cancel" in message.lower())

    def _file_finished(self, cancelled: bool = False) -> None:
        self._files_left = 0 if cancelled else max(0, self._files_left - 1)
        if not self._files_left:
            self.panel.show_progress(False)
            self.panel.state_label.setText(self.tr("Ready"))
        self._update()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._offer(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._offer(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = audio_paths(event.mimeData().urls())
        if not paths or not self._can_take_files():
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        QTimer.singleShot(0, self, lambda: self.transcribe_files(paths))

    def _offer(self, event: QDragMoveEvent) -> None:
        if self._can_take_files() and audio_paths(event.mimeData().urls()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def _can_take_files(self) -> bool:
        return self._ready and not self._live and not self._stopping and not self._files_left

    # ----- the text
    def text_to_copy(self) -> str:
        return self.panel.final_text()

    def copy_text(self) -> None:
        text = self.text_to_copy()
        if not text:
            return
        QApplication.clipboard().setText(text)
        self.statusBar().showMessage(self.tr("Copied to the clipboard."), 3000)

    def save_as(self) -> None:
        if not self.panel.final_text():
            return
        filters = {
            "txt": self.tr("Text (*.txt)"),
            "srt": self.tr("SubRip subtitles (*.srt)"),
            "vtt": self.tr("WebVTT subtitles (*.vtt)"),
            "json": self.tr("JSON with timestamps (*.json)"),
        }
        chosen, chosen_filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the transcript"),
            str(Path.home() / "dictation.txt"),
            ";;".join(filters[f] for f in FORMATS),
        )
        if not chosen:
            return
        path = Path(chosen)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            fmt = next((f for f, label in filters.items() if label == chosen_filter), "txt")
            path = path.with_name(f"{path.name}.{fmt}")
        self.save(path, fmt)

    def save(self, path: Path, fmt: str) -> bool:
        transcript = self.transcript()
        if fmt == "txt" or not transcript.segments:  # the text as shown
            transcript = Transcription(
                (Segment(0.0, 0.0, self.panel.final_text()),), transcript.language
            )
        try:
            write_transcript(path, transcript, fmt)
        except VoiceBuddyError as error:
            QMessageBox.warning(self, self.tr("Save failed"), error.message)
            return False
        self.statusBar().showMessage(arg(self.tr("Saved %1"), path), 4000)
        return True

    def clear(self) -> None:
        if self._live:
            return
        self.panel.clear_text()
        self._segments, self._offset, self._language, self._finals = [], 0.0, "", []
        self._update()

    # ----- the hold key (pressed: start; released after HOLD_S: stop, as push-to-talk)
    def _hold_pressed(self) -> None:
        if self._live:
            self._started_by_hold = False
            self.stop()
            return
        self._hold_pressed_at = time.monotonic()
        self._started_by_hold = True
        self.start()

    def _hold_released(self, _at: float = 0.0) -> None:
        pressed, self._hold_pressed_at = self._hold_pressed_at, None
        if pressed is None or not self._started_by_hold:
            return
        if time.monotonic() - pressed >= HOLD_S:  # held: push to talk
            self.stop()

    # ----- closing
    def closeEvent(self, event: QCloseEvent) -> None:
        if self._live:
            self.stop()
        self.runtime.cancel_files()
        if self._settings_changed:
            with contextlib.suppress(OSError):
                save_settings(self.settings, self.runtime.paths.config_file)
            self._settings_changed = False
        super().closeEvent(event)

    def shutdown(self) -> None:
        """The window is going away for good: no more keys or events."""
        self.hold_key.detach()
        self.bridge.detach()
