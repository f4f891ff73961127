"""The main window: the conversation, push-to-talk, menus and the status bar."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeyEvent, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.app import VoiceBuddy
from voicebuddy.characters.character import ASSETS_DIR, Character
from voicebuddy.characters.prompt import Message
from voicebuddy.config import Settings, save_settings
from voicebuddy.errors import AudioError, VoiceBuddyError
from voicebuddy.events import (
    AudioStarted,
    TokenGenerated,
    TranscriptReady,
    TurnEnded,
    TurnEvent,
    TurnFailed,
    TurnStarted,
)
from voicebuddy.gui.conversation_view import ConversationView
from voicebuddy.gui.devices import AudioDevices, Recorder
from voicebuddy.gui.hands_free import HandsFreeController
from voicebuddy.gui.i18n import arg
from voicebuddy.gui.settings_dialog import SettingsChoices
from voicebuddy.gui.talk_panel import TalkPanel, TalkState
from voicebuddy.gui.worker import EngineWorker, ModelsReady
from voicebuddy.handsfree import (
    BargedIn,
    HeardUtterance,
    ListenEvent,
    ListeningFailed,
    ListeningResumed,
)
from voicebuddy.metrics import TurnMeter
from voicebuddy.session import ChatSession
from voicebuddy.storage import Store
from voicebuddy.sysinfo import memory_mb

# The languages people most often pick first; whisper knows about a hundred ("auto" detects).
WHISPER_LANGUAGES = (
    "auto",
    "en",
    "zh",
    "de",
    "es",
    "fr",
    "it",
    "ja",
    "ko",
    "nl",
    "pl",
    "pt",
    "ru",
    "sv",
    "tr",
    "uk",
    "ar",
    "hi",
    "id",
    "vi",
    "yue",
)


def _qapp() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication), "create the QApplication first"
    return app


class MainWindow(QMainWindow):
    request_load = Signal(object, object)  # Settings, Character
    request_turn = Signal(object, object, object)  # session, audio | text | None, ended_at
    request_prepare = Signal(object)  # session
    request_hands_free_turn = Signal(object, object, object)  # session, samples, ended_at

    def __init__(
        self,
        app: VoiceBuddy,
        store: Store,
        session: ChatSession,
        devices: AudioDevices | None = None,
    ) -> None:
        super().__init__()
        self.devices = devices or AudioDevices()
        self.app, self.store, self.session = app, store, session
        self.setWindowTitle("VoiceBuddy")
        self.resize(900, 760)
        self.setMinimumSize(640, 480)
        self._recorder: Recorder | None = None
        self._can_talk = True
        self._pending_settings: Settings | None = None
        self.meter = TurnMeter()

        self.avatar = QLabel()
        self.avatar.setFixedSize(64, 64)
        self.character_name = QLabel()
        self.character_name.setStyleSheet("font-size: 18pt; font-weight: bold;")
        header = QHBoxLayout()
        header.addWidget(self.avatar)
        header.addWidget(self.character_name, 1)
        self.view = ConversationView()
        self.view.edit_requested.connect(self.edit_message)
        self.view.delete_requested.connect(self.delete_message)
        self.talk = TalkPanel(app.settings.chat.hold_key)
        self.talk.talk_pressed.connect(self.start_talking)
        self.talk.talk_released.connect(self.stop_talking)
        self.talk.stop_clicked.connect(self.stop_reply)
        self.talk.text_submitted.connect(self.send_text)
        central = QWidget()
        column = QVBoxLayout(central)
        column.addLayout(header)
        column.addWidget(self.view, 1)
        column.addWidget(self.talk)
        self.setCentralWidget(central)
        self._build_status_bar()
        self._build_actions()

        self._thread = QThread(self)
        self._thread.setObjectName("engines")
        self.worker = EngineWorker(app, self.devices.open_speaker)
        self.worker.moveToThread(self._thread)
        self.request_load.connect(self.worker.load)
        self.request_turn.connect(self.worker.run_turn)
        self.request_prepare.connect(self.worker.prepare)
        self.worker.turn_event.connect(self.on_event)
        self.worker.ready.connect(self.on_models_ready)
        self.worker.load_failed.connect(self.on_load_failed)
        self.worker.turn_done.connect(self.on_turn_done)
        self.worker.turn_failed.connect(self.on_turn_failed)
        self.request_hands_free_turn.connect(self.worker.run_hands_free_turn)
        self.hands_free = HandsFreeController(
            self.devices, lambda: self.worker.cancel(barge_in=True)
        )
        self.hands_free.utterance.connect(self.on_utterance)
        self.hands_free.listen_event.connect(self.on_listen_event)
        self.hands_free.failed.connect(self._hands_free_failed)
        self.worker.playback_monitor = self.hands_free.playback
        self._waiting_utterance: HeardUtterance | None = None
        self._thread.start()

        self._level_timer = QTimer(self, interval=50)
        self._level_timer.timeout.connect(self._show_level)
        _qapp().installEventFilter(self)
        self.show_session()
        self._open_microphone()
        self.request_load.emit(app.settings, session.conversation.character)

    # ----- layout pieces
    def _build_status_bar(self) -> None:
        self.models_label = QLabel(self.tr("Loading models…"))
        self.speed_label = QLabel()
        self.latency_label = QLabel()
        self.memory_label = QLabel()
        self.models_label.setToolTip(self.tr("The language and speech models in use"))
        self.speed_label.setToolTip(self.tr("Tokens per second of the last reply"))
        self.latency_label.setToolTip(self.tr("End of your speech to the first sound of the reply"))
        self.memory_label.setToolTip(self.tr("Memory this process uses"))
        self.loading = QProgressBar()
        self.loading.setRange(0, 0)
        self.loading.setMaximumWidth(120)
        bar = self.statusBar()
        for widget in (self.loading, self.models_label):
            bar.addWidget(widget)
        for widget in (self.speed_label, self.latency_label, self.memory_label):
            bar.addPermanentWidget(widget)
        self._memory_timer = QTimer(self, interval=2000)
        self._memory_timer.timeout.connect(self._show_memory)
        self._memory_timer.start()
        self._show_memory()

    def _build_actions(self) -> None:
        def action(
            menu_name: str, text: str, shortcut: str, tip: str, slot: Callable[[], object]
        ) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            menus[menu_name].addAction(act)
            return act

        menubar = self.menuBar()
        menus = {
            "conversation": menubar.addMenu(self.tr("&Conversation")),
            "character": menubar.addMenu(self.tr("C&haracter")),
            "settings": menubar.addMenu(self.tr("&Settings")),
        }
        self.new_action = action(
            "conversation",
            self.tr("&New conversation"),
            "Ctrl+N",
            self.tr("Start a new conversation with this character"),
            self.new_conversation,
        )
        self.history_action = action(
            "conversation",
            self.tr("&History…"),
            "Ctrl+H",
            self.tr("Reopen, rename, delete or export conversations"),
            self.show_history,
        )
        self.greeting_action = action(
            "conversation",
            self.tr("Next &greeting"),
            "Ctrl+G",
            self.tr("Before you reply, show the character's next greeting"),
            self.next_greeting,
        )
        self.regenerate_action = action(
            "conversation",
            self.tr("&Regenerate reply"),
            "Ctrl+R",
            self.tr("Answer your last message again"),
            self.regenerate,
        )
        self.copy_action = action(
            "conversation",
            self.tr("&Copy last reply"),
            "Ctrl+Shift+C",
            self.tr("Copy the character's last message"),
            self.copy_last_reply,
        )
        self.hands_free_action = action(
            "conversation",
            self.tr("Hands-&free"),
            "Ctrl+L",
            self.tr("Just talk: the microphone listens, talking over the reply interrupts it"),
            lambda: self.set_hands_free(self.hands_free_action.isChecked()),
        )
        self.hands_free_action.setCheckable(True)
        self.dictation_action = action(
            "conversation",
            self.tr("&Dictation…"),
            "Ctrl+D",
            self.tr("Speak and the text appears; or transcribe audio files"),
            self.show_dictation,
        )
        self.stop_action = action(
            "conversation",
            self.tr("&Stop"),
            "Esc",
            self.tr("Stop the reply and its speech now"),
            self.stop_reply,
        )
        action("conversation", self.tr("&Quit"), "Ctrl+Q", self.tr("Quit VoiceBuddy"), self.close)
        self.character_action = action(
            "character",
            self.tr("&Choose character…"),
            "Ctrl+K",
            self.tr("Pick who you talk to"),
            self.choose_character,
        )
        self.settings_action = action(
            "settings",
            self.tr("&Preferences…"),
            "Ctrl+,",
            self.tr("Models, voice, audio devices and more"),
            self.show_settings,
        )

    # ----- the open conversation
    def show_session(self) -> None:
        character = self.session.conversation.character
        self.character_name.setText(character.name)
        self.character_name.setToolTip(character.description)
        pixmap = QPixmap(str(character.avatar)) if character.avatar else QPixmap()
        if pixmap.isNull():
            pixmap = QIcon(str(ASSETS_DIR / "icon.png")).pixmap(64, 64)
        self.avatar.setPixmap(
            pixmap.scaled(
                64,
                64,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.setWindowTitle(f"VoiceBuddy — {character.name}")
        conversation = self.session.conversation
        self.view.set_messages(conversation.messages, conversation.user_name, character.name)
        self.greeting_action.setEnabled(self.session.can_cycle_greeting())

    def _sync_view(self) -> None:
        conversation = self.session.conversation
        self.view.sync(conversation.messages, conversation.user_name, conversation.character.name)
        self.greeting_action.setEnabled(self.session.can_cycle_greeting())

    def _switch(self, session: ChatSession) -> None:
        self.session = session
        self.show_session()

    def busy(self) -> bool:
        return self.talk.state not in (TalkState.READY, TalkState.LOADING)

    # ----- talking
    def _open_microphone(self) -> None:
        try:
            self._recorder = self.devices.open_microphone(self.app.settings.audio.input_device)
            self._can_talk = True
            self.talk.show_notice("", "microphone")
        except AudioError as error:
            self._recorder, self._can_talk = None, False
            self.talk.show_notice(
                arg(self.tr("%1 Text-only mode: type your messages."), error.message),
                "microphone",
            )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The hold-to-talk key, while the window is active. In the text box it types, unless
        the box is empty (a leading space would mean nothing there)."""
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and self.isActiveWindow():
            key_event = event if isinstance(event, QKeyEvent) else None
            if key_event is not None and self._is_hold_key(key_event):
                typing = isinstance(QApplication.focusWidget(), QLineEdit) and bool(
                    self.talk.entry.text()
                )
                if not typing:
                    if not key_event.isAutoRepeat():
                        if event.type() == QEvent.Type.KeyPress:
                            self.start_talking()
                        else:
                            self.stop_talking()
                    return True
        return super().eventFilter(watched, event)

    def _is_hold_key(self, event: QKeyEvent) -> bool:
        wanted = QKeySequence(self.app.settings.chat.hold_key or "Space").toString()
        return bool(wanted) and QKeySequence(event.key()).toString() == wanted

    def start_talking(self) -> None:
        if self._recorder is None or self.talk.state is not TalkState.READY:
            return
        if self.hands_free.active:
            return  # the voice detector is listening already
        try:
            self._recorder.start()
        except AudioError as error:
            self.talk.show_notice(error.message)
            return
        self.talk.show_notice("")
        self.talk.set_state(TalkState.LISTENING, self._can_talk)
        self.request_prepare.emit(self.session)  # the model reads ahead while the user talks
        self._level_timer.start()

    def stop_talking(self) -> None:
        if self._recorder is None or self.talk.state is not TalkState.LISTENING:
            return
        self._level_timer.stop()
        ended_at = time.monotonic()
        audio = self._recorder.stop()
        if self._recorder.error is not None:
            self.talk.show_notice(self._recording_kept(self._recorder.error))
        if audio.size < 16_000 // 5:
            self.talk.set_state(TalkState.READY, self._can_talk)
            self.statusBar().showMessage(self.tr("Too short: hold the key while you speak."), 4000)
            return
        self.talk.set_state(TalkState.TRANSCRIBING, self._can_talk)
        self.request_turn.emit(self.session, audio, ended_at)

    def _show_level(self) -> None:
        if self._recorder is not None:
            rms = self._recorder.level()
            self.talk.level.setValue(
                int(min(100.0, max(0.0, 20 * np.log10(rms + 1e-9) + 60) * 100 / 60))
            )
            if self._recorder.error is not None:
                self.talk.show_notice(self._recording_kept(self._recorder.error))

    def _recording_kept(self, error: AudioError) -> str:
        return arg(self.tr("%1 What was recorded is kept."), error.message)

    def send_text(self, text: str) -> None:
        if self.talk.state is not TalkState.READY:
            return
        self.view.add_message(Message("user", text))
        self.talk.set_state(TalkState.THINKING, self._can_talk)
        self.request_turn.emit(self.session, text, None)

    def regenerate(self) -> None:
        if self.talk.state is not TalkState.READY or not self.session.drop_last_reply():
            return
        self.show_session()
        self.talk.set_state(TalkState.THINKING, self._can_talk)
        self.request_turn.emit(self.session, None, None)

    def stop_reply(self) -> None:
        if self.talk.state is TalkState.LISTENING and self._recorder is not None:
            self._recorder.stop()
            self._level_timer.stop()
            self.talk.set_state(TalkState.READY, self._can_talk)
            return
        self.worker.cancel()

    # ----- hands-free
    def set_hands_free(self, on: bool) -> None:
        """Listen all the time (on) or only while the talk key is held (off); remembered."""
        if on and not self.hands_free.active:
            settings = self.app.settings
            if not self.hands_free.start(settings.listen, settings.audio.input_device):
                self.hands_free_action.setChecked(False)  # `failed` has said why
                return
        elif not on:
            self.hands_free.stop()
            self._waiting_utterance = None
        self.hands_free_action.setChecked(on)
        mode = "hands_free" if on else "push"
        if self.app.settings.listen.mode != mode:
            self.app.settings.listen.mode = mode
            save_settings(self.app.settings, self.app.paths.config_file)
        name = self.session.conversation.character.display_name
        notice = self.tr("Hands-free: just talk. Talking over %1 interrupts.")
        if self.app.settings.listen.wake_phrase:
            notice = self.tr("Hands-free: say “Hey %1” first.")
        self.talk.show_notice(arg(notice, name) if on else "", "hands-free")

    def _hands_free_failed(self, message: str) -> None:
        self.hands_free_action.setChecked(False)
        self.talk.show_notice(message, "hands-free")

    def on_utterance(self, utterance: HeardUtterance) -> None:
        if self.talk.state is not TalkState.READY:
            self._waiting_utterance = utterance  # what the user said over the ending reply
            return
        self.talk.set_state(TalkState.TRANSCRIBING, self._can_talk)
        self.request_hands_free_turn.emit(
            self.session, utterance.samples, utterance.speech_ended_at
        )

    def _answer_waiting_utterance(self) -> None:
        utterance, self._waiting_utterance = self._waiting_utterance, None
        if utterance is not None and self.hands_free.active:
            self.on_utterance(utterance)

    def on_listen_event(self, event: ListenEvent) -> None:
        if isinstance(event, BargedIn):
            self.statusBar().showMessage(
                arg(self.tr("Interrupted after %1 ms"), f"{event.reaction_ms:.0f}"), 4000
            )
        elif isinstance(event, ListeningFailed):
            self.talk.show_notice(event.message, "microphone")  # it retries by itself
        elif isinstance(event, ListeningResumed):
            self.talk.show_notice("", "microphone")
            self.statusBar().showMessage(self.tr("The microphone is back."), 4000)

    # ----- what the worker reports
    def on_event(self, event: TurnEvent) -> None:
        self.meter.observe(event)
        if isinstance(event, TurnStarted):
            self.hands_free.reply_started()
        elif isinstance(event, TranscriptReady):
            if event.text:
                self.view.add_message(Message("user", event.text))
            self.talk.set_state(TalkState.THINKING, self._can_talk)
        elif isinstance(event, TokenGenerated):
            if self.meter.first_token_at == event.at:
                self.view.begin_reply()
            self.view.append_to_reply(event.text)
        elif isinstance(event, AudioStarted):
            latency = self.meter.voice_to_voice_ms
            if latency is not None and self.meter.first_audio_at == event.at:
                self.latency_label.setText(arg(self.tr("voice-to-voice %1 ms"), f"{latency:.0f}"))
            self.talk.set_state(TalkState.SPEAKING, self._can_talk)
        elif isinstance(event, TurnEnded):
            speed = self.meter.tokens_per_s
            if speed is not None:
                self.speed_label.setText(arg(self.tr("%1 tokens/s"), f"{speed:.0f}"))
        elif isinstance(event, TurnFailed) and self.talk.state is not TalkState.READY:
            self.statusBar().showMessage(event.message, 6000)

    def on_turn_done(self, _result: object) -> None:
        self.hands_free.reply_ended()
        self.view.end_reply()
        self._sync_view()
        self.talk.set_state(TalkState.READY, self._can_talk)
        self._answer_waiting_utterance()

    def on_turn_failed(self, code: str, message: str) -> None:
        self.hands_free.reply_ended()
        self.view.end_reply()
        self._sync_view()
        self.talk.set_state(TalkState.READY, self._can_talk)
        self._answer_waiting_utterance()
        if self.hands_free.active and code in ("no_speech", "not_addressed"):
            self.statusBar().showMessage(message, 4000)  # a cough or a side remark: no fuss
            return
        text = (
            self.tr("I didn't catch that; hold the key while you speak.")
            if code == "no_speech"
            else message
        )
        self.talk.show_notice(text)

    def on_models_ready(self, ready: ModelsReady) -> None:
        self.loading.hide()
        self.models_label.setText(ready.description)
        if self._pending_settings is not None:
            save_settings(self._pending_settings, self.app.paths.config_file)
            self._pending_settings = None
            self._open_microphone()
            self.talk.set_hold_key(self.app.settings.chat.hold_key)
            if self.hands_free.active:  # listen with the new detector settings
                self.hands_free.stop()
                self.set_hands_free(True)
        self.talk.show_notice(ready.speaker_notice, "speaker")
        self.request_prepare.emit(self.session)
        self.talk.set_state(TalkState.READY, self._can_talk)
        if self.app.settings.listen.mode == "hands_free" and not self.hands_free.active:
            self.set_hands_free(True)

    def on_load_failed(self, message: str) -> None:
        self.loading.hide()
        self._pending_settings = None
        self.talk.set_state(TalkState.READY, self._can_talk)
        self.models_label.setText(self.app.describe_models() or self.tr("No models loaded"))
        QMessageBox.warning(
            self,
            self.tr("Model not loaded"),
            arg(self.tr("%1\n\nThe previous models stay in use."), message),
        )

    def _show_memory(self) -> None:
        self.memory_label.setText(arg(self.tr("%1 MB"), f"{memory_mb():.0f}"))

    # ----- menus and dialogs
    def new_conversation(self) -> None:
        if not self.busy():
            character = self.session.conversation.character
            self._switch(ChatSession.new(self.store, character, self.app.settings.chat.user_name))

    def next_greeting(self) -> None:
        if not self.busy() and self.session.next_greeting():
            self.show_session()

    def copy_last_reply(self) -> None:
        for message in reversed(self.session.conversation.messages):
            if message.role == "assistant":
                QApplication.clipboard().setText(message.content)
                return

    def edit_message(self, index: int) -> None:
        if self.busy():
            return
        old = self.session.conversation.messages[index].content
        text, ok = QInputDialog.getMultiLineText(
            self, self.tr("Edit message"), self.tr("Message:"), old
        )
        if ok and text.strip() and text != old:
            self.session.edit(index, text.strip())
            self.show_session()

    def delete_message(self, index: int) -> None:
        if self.busy():
            return
        answer = QMessageBox.question(
            self, self.tr("Delete message"), self.tr("Delete this message?")
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.session.delete(index)
            self.show_session()

    def choose_character(self) -> None:
        from voicebuddy.characters.character import list_characters
        from voicebuddy.gui.character_picker import CharacterPicker

        if self.busy():
            return
        characters = list_characters(self.app.character_folders())
        picker = CharacterPicker(
            characters,
            self.session.conversation.character.name,
            self,
            user_name=self.app.settings.chat.user_name,
            user_folder=self.app.character_folders()[0],
        )
        if picker.exec() and (name := picker.selected_name()):
            # the picker may have imported characters since the list above was made
            self.open_character(self.app.character(name))

    def open_character(self, character: Character) -> None:
        user = self.app.settings.chat.user_name
        self._switch(ChatSession.resume(self.store, character, user))

    def show_history(self) -> None:
        from voicebuddy.gui.history_dialog import HistoryDialog

        if self.busy():
            return
        dialog = HistoryDialog(self.store, self.app.settings.chat.user_name, self)
        dialog.opened.connect(self.open_conversation)
        dialog.deleted.connect(self._on_conversation_deleted)
        dialog.exec()

    def open_conversation(self, conversation_id: int) -> None:
        info = self.store.conversation(conversation_id)
        try:
            character = self.app.character(info.character)
        except VoiceBuddyError as error:
            QMessageBox.warning(self, self.tr("Character missing"), error.message)
            return
        user = self.app.settings.chat.user_name
        self._switch(ChatSession.open(self.store, conversation_id, character, user))

    def _on_conversation_deleted(self, conversation_id: int) -> None:
        if conversation_id == self.session.conversation_id:
            self.new_conversation()

    def show_dictation(self) -> None:
        from voicebuddy.gui.dictation_window import DictationWindow

        if self.hands_free.active:  # one listener at a time: dictation is not for the chat
            self.set_hands_free(False)
        if getattr(self, "dictation_window", None) is None:
            self.dictation_window = DictationWindow(self.app, self)
        self.dictation_window.show()
        self.dictation_window.raise_()
        self.dictation_window.activateWindow()

    def show_settings(self) -> None:
        from voicebuddy.gui.settings_dialog import SettingsDialog

        if self.busy():
            return
        dialog = SettingsDialog(self.app.settings, self._settings_choices(), self)
        if dialog.exec():
            new = dialog.result_settings()
            self._pending_settings = new
            self.loading.show()
            self.models_label.setText(self.tr("Loading models…"))
            self.talk.set_state(TalkState.LOADING, self._can_talk)
            self.request_load.emit(new, self.session.conversation.character)

    def _settings_choices(self) -> SettingsChoices:
        from voicebuddy.audio.playback import list_input_devices, list_output_devices
        from voicebuddy.gui.settings_dialog import SettingsChoices
        from voicebuddy.models.defaults import STT_MODEL_NAMES

        try:
            inputs, outputs = list_input_devices(), list_output_devices()
        except AudioError:
            inputs, outputs = [], []
        try:
            voices = self.app.text_to_speech().voices()
        except VoiceBuddyError:
            voices = []
        return SettingsChoices(
            input_devices=inputs,
            output_devices=outputs,
            voices=voices,
            languages=list(WHISPER_LANGUAGES),
            stt_models=["auto", *STT_MODEL_NAMES],
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.hands_free.stop()
        self.worker.cancel()
        _qapp().removeEventFilter(self)
        self._thread.quit()
        self._thread.wait(10_000)
        self.worker.shutdown()
        if self._recorder is not None:
            self._recorder.stop()
        self.store.close()
        super().closeEvent(event)
