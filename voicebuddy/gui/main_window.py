"""The main window: the conversation, push-to-talk, menus and the status bar.

A thin front end over the conversation runtime: user actions become the runtime's commands,
and what happens comes back as events, relayed to the GUI thread by `RuntimeBridge`.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.characters.character import ASSETS_DIR, Character
from voicebuddy.config import MemorySettings, Settings, save_settings
from voicebuddy.engines.tts import Voice
from voicebuddy.errors import AudioError
from voicebuddy.events import (
    AudioStarted,
    BargedIn,
    Event,
    Failed,
    Handlers,
    HeardSoFar,
    Notice,
    ThoughtGenerated,
    TokenGenerated,
    TranscriptReady,
    TurnEnded,
    TurnStarted,
    UtteranceHeard,
)
from voicebuddy.gui.bridge import RuntimeBridge
from voicebuddy.gui.conversation_view import ConversationView
from voicebuddy.gui.dictate_anywhere import DictateAnywhere
from voicebuddy.gui.global_keys import GlobalKeys
from voicebuddy.gui.hold_key import HoldKey
from voicebuddy.gui.i18n import arg
from voicebuddy.gui.models_window import FoundModels
from voicebuddy.gui.overlay import ListeningOverlay, level_percent
from voicebuddy.gui.settings_dialog import SettingsChoices
from voicebuddy.gui.status_figures import StatusFigures
from voicebuddy.gui.talk_panel import TalkPanel, TalkState
from voicebuddy.gui.tray import Tray
from voicebuddy.gui.tray import available as tray_available
from voicebuddy.messages import Message
from voicebuddy.metrics import TurnMeter
from voicebuddy.models.local_models import OFFERED_MARKER
from voicebuddy.runtime import Regenerate, Runtime, State, Text
from voicebuddy.runtime.engines import character_folders
from voicebuddy.runtime.events import (
    ConversationChanged,
    ConversationOpened,
    DictationStopped,
    HandsFreeChanged,
    MicrophoneOpen,
    ModelsLoaded,
    StateChanged,
)
from voicebuddy.storage import Store

if TYPE_CHECKING:
    from voicebuddy.gui.memory_panel import MemoryPanel

# The languages people most often pick first; whisper knows about a hundred ("auto" detects).
WHISPER_LANGUAGES = (
    *("auto", "en", "zh", "de", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "sv"),
    *("tr", "uk", "ar", "hi", "id", "vi", "yue"),
)
TALK_STATES = {
    State.LOADING: TalkState.LOADING,
    State.IDLE: TalkState.READY,
    State.LISTENING: TalkState.LISTENING,
    State.TRANSCRIBING: TalkState.TRANSCRIBING,
    State.THINKING: TalkState.THINKING,
    State.SPEAKING: TalkState.SPEAKING,
    State.DICTATING: TalkState.DICTATING,
    State.TRANSCRIBING_FILES: TalkState.DICTATING,
}


class MainWindow(QMainWindow):
    def __init__(self, runtime: Runtime, store: Store) -> None:
        super().__init__()
        self.runtime, self.store = runtime, store
        self.setWindowTitle("VoiceBuddy")
        self.resize(900, 760)
        self.setMinimumSize(640, 480)
        self.settings = runtime.settings  # as in use; changed by Settings and hands-free
        self._pending_settings: Settings | None = None
        self._first_load = True
        self._voices: list[Voice] = []
        self.character: Character | None = None
        self.conversation_id = 0
        self.messages: tuple[Message, ...] = ()
        self.meter = TurnMeter()
        self.memory_panel: MemoryPanel | None = None

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
        self.talk = TalkPanel(self.settings.chat.hold_key)
        self.talk.talk_pressed.connect(runtime.talk_pressed)
        self.talk.talk_released.connect(runtime.talk_released)
        self.talk.stop_clicked.connect(self.stop_reply)
        self.talk.text_submitted.connect(self.send_text)
        central = QWidget()
        column = QVBoxLayout(central)
        column.addLayout(header)
        column.addWidget(self.view, 1)
        column.addWidget(self.talk)
        self.setCentralWidget(central)
        self.figures = StatusFigures(self.statusBar())
        self.tray = Tray(self)
        self.tray.show_window.connect(lambda: self.control("show"))
        self.tray.hands_free_toggled.connect(self.runtime.set_hands_free)
        self.tray.dictation.connect(self.show_dictation)
        self.tray.choose_character.connect(self.choose_character)
        self.tray.quit.connect(self.quit_app)
        self._quitting = False
        self.dictate_anywhere = DictateAnywhere(runtime, self.settings, self)
        self.dictate_anywhere.notice.connect(lambda text: self.talk.show_notice(text, "keys"))
        self.global_keys = GlobalKeys(runtime, self.dictate_anywhere, self)
        self.global_keys.problem.connect(lambda text: self.talk.show_notice(text, "keys"))
        self.global_keys.apply(self.settings.keys)
        self.overlay = ListeningOverlay(runtime.input_level)
        self.dictate_anywhere.progress.connect(self._dictating_anywhere)
        self.global_keys.talk_pressed.connect(self._global_talk_pressed)
        self._build_actions()
        self.hold_key = HoldKey(self, lambda: self.settings.chat.hold_key, self._typing)
        self.hold_key.pressed.connect(runtime.talk_pressed)
        self.hold_key.released.connect(runtime.talk_released)
        self._level_timer = QTimer(self, interval=50)
        self._level_timer.timeout.connect(self._show_level)

        self.bridge = RuntimeBridge(runtime, self)
        self.bridge.relayed.connect(self.on_event)
        self.handlers = (
            Handlers()
            .on(StateChanged, self._state_changed)
            .on(ModelsLoaded, self._models_loaded)
            .on(ConversationOpened, self._conversation_opened)
            .on(ConversationChanged, self._conversation_changed)
            .on(ConversationChanged, lambda e: self._refresh_memories())  # a turn has learnt
            .on(HandsFreeChanged, self._hands_free_changed)
            .on(TurnStarted, self.meter.observe)
            .on(TranscriptReady, self._transcript)
            .on(DictationStopped, lambda e: self.dictate_anywhere.stopped(e.transcription))
            .on(HeardSoFar, lambda e: self.talk.show_notice(f"“{e.text}”", "heard"))
            .on(ThoughtGenerated, self._thought)
            .on(TokenGenerated, self._token)
            .on(AudioStarted, self._audio_started)
            .on(TurnEnded, self._turn_ended)
            .on(BargedIn, self._barged_in)
            .on(Failed, self._failed)
            .on(Notice, self._notice)
            .on(MicrophoneOpen, lambda e: self.figures.show_microphone(e.open))
            .on(UtteranceHeard, lambda e: self.figures.show_end_of_turn(e.detection_delay_ms))
        )

    # ----- layout pieces
    def _build_actions(self) -> None:
        menubar = self.menuBar()
        menus = {
            "conversation": menubar.addMenu(self.tr("&Conversation")),
            "character": menubar.addMenu(self.tr("C&haracter")),
            "settings": menubar.addMenu(self.tr("&Settings")),
        }

        def action(menu: str, text: str, keys: str, tip: str, slot: Callable[[], Any]) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setToolTip(f"{tip} ({QKeySequence(keys).toString()})")
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            menus[menu].addAction(act)
            return act

        self.new_action = action(
            "conversation", self.tr("&New conversation"), "Ctrl+N",
            self.tr("Start a new conversation with this character"), self.new_conversation,
        )  # fmt: skip
        self.history_action = action(
            "conversation", self.tr("&History…"), "Ctrl+H",
            self.tr("Reopen, rename, delete or export conversations"), self.show_history,
        )  # fmt: skip
        self.greeting_action = action(
            "conversation", self.tr("Next &greeting"), "Ctrl+G",
            self.tr("Before you reply, show the character's next greeting"), self.next_greeting,
        )  # fmt: skip
        self.regenerate_action = action(
            "conversation", self.tr("&Regenerate reply"), "Ctrl+R",
            self.tr("Answer your last message again"), self.regenerate,
        )  # fmt: skip
        self.copy_action = action(
            "conversation", self.tr("&Copy last reply"), "Ctrl+Shift+C",
            self.tr("Copy the character's last message"), self.copy_last_reply,
        )  # fmt: skip
        self.hands_free_action = action(
            "conversation", self.tr("Hands-&free"), "Ctrl+L",
            self.tr("Just talk: the microphone listens, talking over the reply interrupts it"),
            lambda: self.runtime.set_hands_free(self.hands_free_action.isChecked()),
        )  # fmt: skip
        self.hands_free_action.setCheckable(True)
        self.dictation_action = action(
            "conversation", self.tr("&Dictation…"), "Ctrl+D",
            self.tr("Speak and the text appears; or transcribe audio files"), self.show_dictation,
        )  # fmt: skip
        self.stop_action = action(
            "conversation", self.tr("&Stop"), "Esc", self.tr("Stop the reply and its speech now"),
            self.stop_reply,
        )  # fmt: skip
        action(
            "conversation", self.tr("&Quit"), "Ctrl+Q", self.tr("Quit VoiceBuddy"), self.quit_app
        )
        self.character_action = action(
            "character", self.tr("&Choose character…"), "Ctrl+K", self.tr("Pick who you talk to"),
            self.choose_character,
        )  # fmt: skip
        self.memories_action = action(
            "character", self.tr("&Memories…"), "Ctrl+Shift+M",
            self.tr("What characters remember about you: search, correct, pin or forget it"),
            self.show_memories,
        )  # fmt: skip
        self.settings_action = action(
            "settings", self.tr("&Preferences…"), "Ctrl+,",
            self.tr("Models, voice, audio devices and more"), self.show_settings,
        )  # fmt: skip
        self.models_action = action(
            "settings", self.tr("&Models…"), "Ctrl+M",
            self.tr("The models on this machine, whether they fit, and which one to talk with"),
            self.show_models,
        )  # fmt: skip

    # ----- what the runtime reports
    def on_event(self, event: Event) -> None:
        self.handlers(event)

    def _state_changed(self, event: StateChanged) -> None:
        state = TALK_STATES.get(event.state)
        if state is None:
            return
        self.talk.show_notice("", "heard")  # the words heard while the key was held
        self.talk.set_state(state, self.runtime.can_talk, self.settings.listen.press_interrupts)
        self.tray.set_state(state)
        self.overlay.set_state(state)
        if state is TalkState.LISTENING:
            self.talk.show_notice("")
            self._level_timer.start()
        else:
            self._level_timer.stop()
        if state is TalkState.READY:
            self.view.end_reply()

    def _models_loaded(self, event: ModelsLoaded) -> None:
        self.figures.loaded(event.description)
        self._voices = list(event.voices)
        if self._pending_settings is not None:
            self.settings, self._pending_settings = self._pending_settings, None
            self.dictate_anywhere.settings = self.settings  # its way of inserting, say
            save_settings(self.settings, self.runtime.paths.config_file)
            self.talk.set_hold_key(self.settings.chat.hold_key)
            self.global_keys.apply(self.settings.keys)
            if self.memory_panel is not None:
                self.memory_panel.set_settings(self.settings.memory)
            if self.runtime.hands_free:  # listen with the new detector settings
                self.runtime.set_hands_free(False)
                self.runtime.set_hands_free(True)
        if self._first_load and self.settings.listen.mode == "hands_free":
            self.runtime.set_hands_free(True)
        if self._first_load:
            self._offer_found_model()
        self._first_load = False

    def _conversation_opened(self, event: ConversationOpened) -> None:
        self.character, self.conversation_id = event.character, event.conversation_id
        character = event.character
        self.character_name.setText(character.name)
        self.character_name.setToolTip(character.description)
        self.avatar.setPixmap(avatar(character, 64))
        self.setWindowTitle(f"VoiceBuddy — {character.name}")
        self.messages = event.messages
        self.view.set_messages(event.messages, event.user_name, character.name)
        self.greeting_action.setEnabled(event.can_cycle_greeting)
        if self.memory_panel is not None and self.memory_panel.isVisible():
            self.memory_panel.show_character(character.key, character.name)

    def _conversation_changed(self, event: ConversationChanged) -> None:
        if self.character is None or event.conversation_id != self.conversation_id:
            return
        self.messages = event.messages
        self.view.sync(event.messages, self.settings.chat.user_name, self.character.name)
        self.greeting_action.setEnabled(event.can_cycle_greeting)

    def _hands_free_changed(self, event: HandsFreeChanged) -> None:
        self.hands_free_action.setChecked(event.on)
        self.tray.set_hands_free(event.on)
        mode = "hands_free" if event.on else "push"
        if self.settings.listen.mode != mode:
            self.settings.listen.mode = mode
            save_settings(self.settings, self.runtime.paths.config_file)
        name = self.character.display_name if self.character else ""
        notice = self.tr("Hands-free: just talk. Talking over %1 interrupts.")
        if self.settings.listen.wake_phrase:
            notice = self.tr("Hands-free: say “Hey %1” first.")
        self.talk.show_notice(arg(notice, name) if event.on else "", "hands-free")

    def _transcript(self, event: TranscriptReady) -> None:
        if event.text:
            self.view.add_message(Message("user", event.text))

    def _thought(self, event: ThoughtGenerated) -> None:
        self.figures.show_thinking(True)
        self.view.append_thought(event.text)

    def _token(self, event: TokenGenerated) -> None:
        self.figures.show_thinking(False)
        self.meter.observe(event)
        if self.meter.first_token_at == event.at:
            self.view.begin_reply()
        self.view.append_to_reply(event.text)

    def _audio_started(self, event: AudioStarted) -> None:
        self.meter.observe(event)
        latency = self.meter.voice_to_voice_ms
        if latency is not None and self.meter.first_audio_at == event.at:
            self.figures.show_latency(latency)

    def _turn_ended(self, event: TurnEnded) -> None:
        self.figures.show_thinking(False)  # a reply that was all thought, or stopped
        self.meter.observe(event)
        speed = self.meter.tokens_per_s
        if speed is not None:
            self.figures.show_speed(speed)
        self.view.end_reply()

    def _barged_in(self, event: BargedIn) -> None:
        message = arg(self.tr("Interrupted after %1 ms"), f"{event.reaction_ms:.0f}")
        self.statusBar().showMessage(message, 4000)

    def _failed(self, event: Failed) -> None:
        if event.about == "load":
            self._pending_settings = None
            self.figures.loaded("")
            QMessageBox.warning(
                self,
                self.tr("Model not loaded"),
                arg(self.tr("%1\n\nThe previous models stay in use."), event.message),
            )
        elif event.about == "turn":
            self.view.end_reply()
            if self.runtime.hands_free and event.code in ("no_speech", "not_addressed"):
                self.statusBar().showMessage(event.message, 4000)  # a cough, a side remark
            elif event.code == "no_speech":
                self.talk.show_notice(self.tr("I didn't catch that; hold the key while you speak."))
            else:
                self.talk.show_notice(event.message)
        elif event.subject == "hands_free":
            self.talk.show_notice(event.message, "hands-free")
        elif event.about == "command":
            QMessageBox.warning(self, self.tr("Character missing"), event.message)

    def _notice(self, event: Notice) -> None:
        consequences = {
            "text_only": self.tr("%1 Text-only mode: type your messages."),
            "not_spoken": self.tr("%1 Replies are shown, not spoken."),
            "recording_kept": self.tr("%1 What was recorded is kept."),
        }
        if event.code == "microphone_start_delay":
            message = self.tr(
                "The microphone took %1 ms to open: words said before that are lost. "
                "Keeping it open (Settings ▸ Voice & audio) keeps them."
            )
            self.statusBar().showMessage(arg(message, event.cause), 6000)
        elif event.code == "not_now":
            self.statusBar().showMessage(self._not_now(event.cause), 5000)
        elif event.topic == "status":
            self.statusBar().showMessage(event.message, 6000)
        elif event.code == "too_short":
            self.statusBar().showMessage(self.tr("Too short: hold the key while you speak."), 4000)
        elif event.code == "microphone_back":
            self.talk.show_notice("", "microphone")
            self.statusBar().showMessage(self.tr("The microphone is back."), 4000)
        elif event.code in consequences:
            self.talk.show_notice(arg(consequences[event.code], event.cause), event.topic)
        else:
            self.talk.show_notice(event.message, event.topic)

    def _not_now(self, state: str) -> str:
        """Why the talk key did nothing in runtime state `state`."""
        if state == State.LOADING.value:
            return self.tr("The models are still loading: talk once VoiceBuddy is ready.")
        if state == State.DICTATING.value:
            return self.tr("Dictation has the microphone: stop it to talk.")
        if state == State.TRANSCRIBING_FILES.value:
            return self.tr("Files are being transcribed: talk when that is done.")
        return self.tr("Wait for the reply, or press Stop.")

    def _show_level(self) -> None:
        self.talk.level.setValue(level_percent(self.runtime.input_level()))

    def _global_talk_pressed(self) -> None:
        if self.settings.ui.overlay and not self.isActiveWindow():  # else the window shows it
            self.overlay.talk_key_pressed()

    def _dictating_anywhere(self, state: TalkState) -> None:
        if self.settings.ui.overlay or state is TalkState.READY:
            self.overlay.dictation(state)

    # ----- user actions
    def busy(self) -> bool:
        return self.talk.state not in (TalkState.READY, TalkState.LOADING)

    def _typing(self) -> bool:
        """In the text box the hold key types, unless the box is empty (a leading space would
        mean nothing there)."""
        return isinstance(QApplication.focusWidget(), QLineEdit) and bool(self.talk.entry.text())

    def send_text(self, text: str) -> None:
        if self.talk.state is TalkState.READY:
            self.view.add_message(Message("user", text))
            self.runtime.submit(Text(text))

    def regenerate(self) -> None:
        last = self.messages[-2:]
        if self.talk.state is TalkState.READY and [m.role for m in last] == ["user", "assistant"]:
            self.runtime.submit(Regenerate())

    def stop_reply(self) -> None:
        self.runtime.stop()

    def new_conversation(self) -> None:
        if not self.busy():
            self.runtime.new_conversation()

    def next_greeting(self) -> None:
        if not self.busy():
            self.runtime.next_greeting()

    def copy_last_reply(self) -> None:
        for message in reversed(self.messages):
            if message.role == "assistant":
                QApplication.clipboard().setText(message.content)
                return

    def edit_message(self, index: int) -> None:
        if self.busy() or index >= len(self.messages):
            return
        old = self.messages[index].content
        text, ok = QInputDialog.getMultiLineText(
            self, self.tr("Edit message"), self.tr("Message:"), old
        )
        if ok and text.strip() and text != old:
            self.runtime.edit_message(index, text.strip())

    def delete_message(self, index: int) -> None:
        if self.busy():
            return
        answer = QMessageBox.question(
            self, self.tr("Delete message"), self.tr("Delete this message?")
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.runtime.delete_message(index)

    def choose_character(self) -> None:
        from voicebuddy.characters.character import list_characters
        from voicebuddy.gui.character_picker import CharacterPicker

        if self.busy():
            return
        folders = character_folders(self.runtime.paths)
        picker = CharacterPicker(
            list_characters(folders),
            self.character.key if self.character else "",
            self,
            user_name=self.settings.chat.user_name,
            user_folder=folders[0],
        )
        if picker.exec() and (name := picker.selected_name()):
            self.runtime.open_character(name)

    def show_history(self) -> None:
        from voicebuddy.gui.history_dialog import HistoryDialog

        if self.busy():
            return
        dialog = HistoryDialog(self.store, self.settings.chat.user_name, self)
        dialog.opened.connect(self.open_conversation)
        dialog.deleted.connect(self._on_conversation_deleted)
        dialog.exec()

    def show_memories(self) -> None:
        """The Memory panel, on the current character; beside the window, so that what a
        turn teaches the character shows up in it."""
        from voicebuddy.characters.character import list_characters
        from voicebuddy.gui.memory_panel import MemoryPanel

        panel = self.memory_panel
        if panel is None or not panel.isVisible():
            if panel is not None:
                panel.deleteLater()
            characters = list_characters(character_folders(self.runtime.paths))
            key = self.character.key if self.character else ""
            panel = MemoryPanel(self.store, characters, key, self.settings.memory, self)
            panel.settings_changed.connect(self._memory_settings_changed)
            self.memory_panel = panel
        panel.show()
        panel.raise_()
        panel.activateWindow()

    def _refresh_memories(self) -> None:
        if self.memory_panel is not None and self.memory_panel.isVisible():
            self.memory_panel.refresh()

    def _memory_settings_changed(self, memory: MemorySettings) -> None:
        """A character's memory switched on or off in the Memory panel: saved now, and in
        use from the next turn (a reload loads no model that is loaded already)."""
        self.settings.memory = copy.deepcopy(memory)
        if self._pending_settings is not None:  # a reload under way must not undo it
            self._pending_settings.memory = copy.deepcopy(memory)
        save_settings(self.settings, self.runtime.paths.config_file)
        self.runtime.reload(copy.deepcopy(self._pending_settings or self.settings))

    def open_conversation(self, conversation_id: int) -> None:
        self.runtime.open_conversation(conversation_id)

    def _on_conversation_deleted(self, conversation_id: int) -> None:
        if conversation_id == self.conversation_id:
            self.runtime.new_conversation()

    def show_dictation(self) -> None:
        from voicebuddy.gui.dictation_window import DictationWindow

        if self.runtime.hands_free:  # one listener at a time: dictation is not for the chat
            self.runtime.set_hands_free(False)
        if getattr(self, "dictation_window", None) is None:
            self.dictation_window = DictationWindow(self.runtime, self.settings, self)
        self.dictation_window.show()
        self.dictation_window.raise_()
        self.dictation_window.activateWindow()

    def show_settings(self) -> None:
        from voicebuddy.gui.settings_dialog import SettingsDialog

        if self.busy():
            return
        dialog = SettingsDialog(self.settings, settings_choices(self._voices), self)
        if dialog.exec():
            self._pending_settings = dialog.result_settings()
            self.figures.loading_models()
            self.runtime.reload(self._pending_settings)

    # ----- commands from outside: `voicebuddy ctl`, a second start (gui/instance_server.py)
    def control(self, command: str) -> str:
        runtime = self.runtime
        if command == "show":
            self.showNormal()
            self.raise_()
            self.activateWindow()
        elif command == "talk-start":
            runtime.talk_pressed()
        elif command == "talk-stop":
            runtime.talk_released()
        elif command == "talk-toggle":
            if runtime.state is State.LISTENING:
                runtime.talk_released()
            else:
                runtime.talk_pressed()
        elif command == "dictate-toggle":  # into the focused application, as the dictation key
            dictate = self.dictate_anywhere
            (dictate.released if dictate.active else dictate.pressed)()
        elif command == "quit":
            QTimer.singleShot(0, self.quit_app)  # quits even when closing keeps it in the tray
        else:
            return f"error: unknown command {command!r}"
        return "ok"

    def show_models(self) -> None:
        from voicebuddy.gui.models_window import ModelsWindow

        key = self.character.key if self.character else ""
        name = self.character.name if self.character else ""
        window = ModelsWindow(copy.deepcopy(self.settings), self.runtime.paths, key, self, name)
        window.use.connect(lambda model, lora: self._use_model(model, "", lora))
        window.use_for_character.connect(lambda model: self._use_model(model, key))
        window.folders_changed.connect(self._model_folders_changed)
        window.exec()

    def _offer_found_model(self) -> None:
        """Once (on the built-in model): look for the user's own models in the background and
        offer the best that fits, or say how to get one."""
        from voicebuddy.gui.models_window import ModelSearch

        marker = self.runtime.paths.data_dir / OFFERED_MARKER
        if self.settings.llm.model or marker.exists():
            return
        self._model_search = ModelSearch(self)
        self._model_search.done.connect(self._offer)
        self._model_search.start(copy.deepcopy(self.settings), self.runtime.paths)

    def _offer(self, found: FoundModels) -> None:
        from voicebuddy.models.local_models import (
            SOURCE_NAMES,
            best_offer,
            display_name,
            suggested_sizes,
        )

        best = best_offer(found.models)
        marker = self.runtime.paths.data_dir / OFFERED_MARKER
        with contextlib.suppress(OSError):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(best.found.name if best else "", encoding="utf-8")
        if best is None:
            memory = found.machine.gpu_limit or found.machine.total
            note = self.tr(
                "Replies come from a small built-in model. For a better companion, put a GGUF "
                "model file in %1 (or use Ollama or LM Studio) and choose it in Settings ▸ "
                "Models (Ctrl+M). This machine suits a %2 model in Q4_K_M (a %3 file)."
            )
            folder = self.runtime.paths.data_dir / "models"
            parameters, size = suggested_sizes(memory)
            self.talk.show_notice(arg(note, str(folder), parameters, size), "models")
            return
        source = SOURCE_NAMES.get(best.found.source, best.found.source)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("A better model"),
            arg(
                self.tr("VoiceBuddy found %1 in %2. Use it for conversations?"),
                display_name(best),
                source,
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setInformativeText(
            self.tr("You can change this at any time in Settings ▸ Models (Ctrl+M).")
        )
        name = best.found.name
        yes = box.button(QMessageBox.StandardButton.Yes)

        def answered(button: object) -> None:
            if button is yes:
                self._use_model(name, "")

        box.buttonClicked.connect(answered)
        self.model_offer = box
        box.open()  # not modal to the whole app: the window goes on

    def _use_model(self, model: str, character: str, lora: str = "") -> None:
        """Load `model` in the background (for `character` only, when given; with the LoRA
        adapter `lora` for every conversation); the conversation goes on with it, its own chat
        template reading the history again."""
        settings = copy.deepcopy(self._pending_settings or self.settings)
        if character:
            settings.llm.character_models[character] = model
        else:
            settings.llm.model, settings.llm.lora = model, lora
            settings.llm.character_models.pop(self.character.key if self.character else "", None)
        self._pending_settings = settings
        self.figures.loading_models()
        self.runtime.reload(settings)

    def _model_folders_changed(self, folders: list[str]) -> None:
        self.settings.llm.model_folders = list(folders)
        save_settings(self.settings, self.runtime.paths.config_file)
        self._pending_settings = copy.deepcopy(self.settings)
        self.runtime.reload(self._pending_settings)  # the runtime finds models there too

    def quit_app(self) -> None:
        """Quit, even when closing the window would keep VoiceBuddy in the tray."""
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.settings.ui.close_to_tray and tray_available() and not self._quitting:
            event.ignore()  # the tray's menu brings the window back, or quits
            self.hide()
            return
        self.tray.hide()
        self.overlay.close()
        self.global_keys.close()
        self.hold_key.detach()
        window = getattr(self, "dictation_window", None)
        if window is not None:
            window.close()
            window.shutdown()
        self.runtime.close()  # the engine thread has finished before the store closes
        self.bridge.detach()
        super().closeEvent(event)


def avatar(character: Character, size: int) -> QPixmap:
    """The character's picture, else the app's icon, `size` pixels square at most."""
    pixmap = QPixmap(str(character.avatar)) if character.avatar else QPixmap()
    if pixmap.isNull():
        pixmap = QIcon(str(ASSETS_DIR / "icon.png")).pixmap(size, size)
    return pixmap.scaled(
        size,
        size,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def settings_choices(voices: list[Voice]) -> SettingsChoices:
    """What the Settings dialog offers: this machine's devices, the voices, the models."""
    from voicebuddy.audio.playback import list_input_devices, list_output_devices
    from voicebuddy.models.defaults import STT_MODEL_NAMES

    try:
        inputs, outputs = list_input_devices(), list_output_devices()
    except AudioError:
        inputs, outputs = [], []
    return SettingsChoices(
        input_devices=inputs,
        output_devices=outputs,
        voices=voices,
        languages=list(WHISPER_LANGUAGES),
        stt_models=["auto", *STT_MODEL_NAMES],
    )
