"""The settings dialog: models, voice and audio, conversation.

The dialog edits a copy of the settings; `result_settings()` builds a new `Settings` from the
widgets, leaving the one it was given untouched. Settings it has no widget for (threads, seed,
the current character, …) pass through unchanged.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QKeyCombination, QLocale, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.audio.playback import AudioDevice
from voicebuddy.config import Settings
from voicebuddy.engines.tts import Voice
from voicebuddy.gui.form import combo_data, form_row, select_data, start_dir
from voicebuddy.gui.i18n import CHINESE, ENGLISH, arg
from voicebuddy.gui.key_settings import GlobalKeysTab
from voicebuddy.gui.memory_settings import MemorySettingsGroup
from voicebuddy.gui.tray import available as tray_available
from voicebuddy.gui.voice_settings import SpeechOutputGroup
from voicebuddy.models.defaults import STT_MODEL_NAMES


@dataclass(frozen=True)
class SettingsChoices:
    """What the machine offers: devices, TTS voices, recognition languages and models."""

    input_devices: list[AudioDevice]
    output_devices: list[AudioDevice]
    voices: list[Voice]
    languages: list[str]  # whisper language codes, "auto" included
    stt_models: list[str]  # model names such as "auto", "tiny.en", "base"


class PathField(QWidget):
    """A line edit with a "Browse…" button that opens a file dialog."""

    def __init__(self, placeholder: str, browse: Callable[[str], str | None]) -> None:
        super().__init__()
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.button = QPushButton(self.tr("Browse…"))
        self.button.clicked.connect(self._browse)
        self._choose = browse
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def setToolTip(self, text: str) -> None:
        super().setToolTip(text)
        self.edit.setToolTip(text)
        self.button.setToolTip(text)

    def _browse(self) -> None:
        chosen = self._choose(self.text())
        if chosen:
            self.edit.setText(chosen)


# The names of the languages the window offers for speech recognition (main_window's
# WHISPER_LANGUAGES), as Qt spells them in English, marked for translation: Qt has no names of
# languages in another language. Any other language is shown with its English name.
_LANGUAGE_NAMES = (
    QT_TRANSLATE_NOOP("Language", "English"),
    QT_TRANSLATE_NOOP("Language", "Chinese"),
    QT_TRANSLATE_NOOP("Language", "German"),
    QT_TRANSLATE_NOOP("Language", "Spanish"),
    QT_TRANSLATE_NOOP("Language", "French"),
    QT_TRANSLATE_NOOP("Language", "Italian"),
    QT_TRANSLATE_NOOP("Language", "Japanese"),
    QT_TRANSLATE_NOOP("Language", "Korean"),
    QT_TRANSLATE_NOOP("Language", "Dutch"),
    QT_TRANSLATE_NOOP("Language", "Polish"),
    QT_TRANSLATE_NOOP("Language", "Portuguese"),
    QT_TRANSLATE_NOOP("Language", "Russian"),
    QT_TRANSLATE_NOOP("Language", "Swedish"),
    QT_TRANSLATE_NOOP("Language", "Turkish"),
    QT_TRANSLATE_NOOP("Language", "Ukrainian"),
    QT_TRANSLATE_NOOP("Language", "Arabic"),
    QT_TRANSLATE_NOOP("Language", "Hindi"),
    QT_TRANSLATE_NOOP("Language", "Indonesian"),
    QT_TRANSLATE_NOOP("Language", "Vietnamese"),
    QT_TRANSLATE_NOOP("Language", "Cantonese"),
    QT_TRANSLATE_NOOP("Language", "Javanese"),
)


def language_label(code: str) -> str:
    """ "German (de)" for a whisper language code; the bare code when Qt does not know it."""
    if code == "auto":
        return QCoreApplication.translate("SettingsDialog", "Auto-detect")
    if not code:
        return QCoreApplication.translate("SettingsDialog", "The character's language")
    # Whisper says "jw" for Javanese, the ISO 639-1 code is "jv".
    language = QLocale("jv" if code == "jw" else code).language()
    if language in (QLocale.Language.C, QLocale.Language.AnyLanguage):
        return code
    name = QCoreApplication.translate("Language", QLocale.languageToString(language))
    return f"{name} ({code})"


class SettingsDialog(QDialog):
    def __init__(
        self, settings: Settings, choices: SettingsChoices, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("VoiceBuddy settings"))
        self._original = copy.deepcopy(settings)
        self._choices = choices

        self.tabs = QTabWidget()
        self.tabs.addTab(self._models_tab(), self.tr("Models"))
        self.tabs.addTab(self._voice_tab(), self.tr("Voice && audio"))
        self.tabs.addTab(self._conversation_tab(), self.tr("Conversation"))
        self.global_keys = GlobalKeysTab()
        self.tabs.addTab(self.global_keys, self.tr("From anywhere"))

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._load(self._original)
        self.resize(640, 520)

    # --- building -------------------------------------------------------------------------

    def _models_tab(self) -> QWidget:
        self.llm_model = PathField(
            self.tr("Default: SmolLM2 135M Instruct (bundled)"), self._browse_gguf
        )
        self.lora = PathField(self.tr("None"), self._browse_gguf)
        self.gpu_layers = QSpinBox()
        self.gpu_layers.setRange(-1, 999)
        self.gpu_layers.setSpecialValueText(self.tr("All layers"))
        self.context_size = QSpinBox()
        self.context_size.setRange(256, 131072)
        self.context_size.setSingleStep(256)
        self.context_size.setSuffix(self.tr(" tokens"))

        llm = QGroupBox(self.tr("Language model"))
        form = QFormLayout(llm)
        form_row(
            form,
            self.tr("&Model file:"),
            self.llm_model,
            self.tr(
                "A GGUF chat model for llama.cpp. Leave empty to use the bundled default model."
            ),
        )
        form_row(
            form,
            self.tr("&LoRA adapter:"),
            self.lora,
            self.tr(
                "Optional LoRA adapter (GGUF) applied on top of the model. Leave empty for none."
            ),
        )
        form_row(
            form,
            self.tr("&GPU layers:"),
            self.gpu_layers,
            self.tr(
                "How many model layers to offload to the GPU: 0 runs on the CPU only, "
                '"All layers" (-1) offloads everything. Ignored without a GPU build.'
            ),
        )
        form_row(
            form,
            self.tr("&Context size:"),
            self.context_size,
            self.tr(
                "How many tokens of conversation the model sees at once. Larger remembers more "
                "but needs more memory and time."
            ),
        )

        self.whisper_model = QComboBox()
        self.whisper_model.setEditable(True)
        self.whisper_model.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for name in self._choices.stt_models:
            self.whisper_model.addItem(name)
        whisper_browse = QPushButton(self.tr("Browse…"))
        menu = QMenu(whisper_browse)
        menu.addAction(self.tr("whisper.cpp model file (.bin)…"), self._browse_whisper_file)
        menu.addAction(self.tr("faster-whisper model folder…"), self._browse_whisper_folder)
        whisper_browse.setMenu(menu)
        whisper_row = QWidget()
        row = QHBoxLayout(whisper_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.whisper_model, 1)
        row.addWidget(whisper_browse)
        self.language = QComboBox()
        for code in self._choices.languages:
            self.language.addItem(language_label(code), code)

        stt = QGroupBox(self.tr("Speech recognition"))
        form = QFormLayout(stt)
        whisper_tip = self.tr(
            'The Whisper model: "auto" uses tiny.en for English and base for other '
            "languages; or a name, a whisper.cpp .bin file, or a faster-whisper folder."
        )
        form_row(form, self.tr("&Whisper model:"), whisper_row, whisper_tip, self.whisper_model)
        self.whisper_model.setToolTip(whisper_tip)
        whisper_browse.setToolTip(
            self.tr("Choose a whisper.cpp .bin file or a faster-whisper folder.")
        )
        form_row(
            form,
            self.tr("Lan&guage:"),
            self.language,
            self.tr(
                'The language you speak. English-only models (.en) need "en"; '
                "Auto-detect works with multilingual models but is slower and less reliable."
            ),
        )
        return _tab(llm, stt)

    def _voice_tab(self) -> QWidget:
        self.input_device = QComboBox()
        self.output_device = QComboBox()
        for combo, devices in (
            (self.input_device, self._choices.input_devices),
            (self.output_device, self._choices.output_devices),
        ):
            combo.addItem(self.tr("System default"), "")
            for device in devices:
                combo.addItem(device.name, device.name)
        device_group = QGroupBox(self.tr("Devices"))
        form = QFormLayout(device_group)
        form_row(
            form,
            self.tr("&Microphone:"),
            self.input_device,
            self.tr('The device to record from. "System default" follows the system\'s choice.'),
        )
        form_row(
            form,
            self.tr("S&peaker:"),
            self.output_device,
            self.tr(
                'The device replies are played on. "System default" follows the system\'s choice.'
            ),
        )

        self.speech = SpeechOutputGroup(self._choices.voices)

        self.hold_key = QKeySequenceEdit()
        self.hold_key.setMaximumSequenceLength(1)
        self.hold_key.setClearButtonEnabled(True)
        self.hold_key.keySequenceChanged.connect(self._single_key)
        talk = QGroupBox(self.tr("Push to talk"))
        form = QFormLayout(talk)
        form_row(
            form,
            self.tr("&Hold-to-talk key:"),
            self.hold_key,
            self.tr(
                "Hold this key while you speak and release it when you are done. "
                "Click the field and press a single key (modifiers are dropped)."
            ),
        )
        self.keep_microphone_open = QCheckBox(self.tr("Keep the microphone &open"))
        form_row(
            form,
            "",
            self.keep_microphone_open,
            self.tr(
                "Your first word is kept even when you start talking as you press the key. "
                "When off, the microphone is opened at each press and closed when idle."
            ),
        )
        self.press_interrupts = QCheckBox(self.tr("Pressing the key &interrupts the character"))
        form_row(
            form,
            "",
            self.press_interrupts,
            self.tr("While the character thinks or speaks, a press stops it and listens."),
        )
        self.transcribe_while_talking = QCheckBox(self.tr("&Transcribe while the key is held"))
        form_row(
            form,
            "",
            self.transcribe_while_talking,
            self.tr(
                "Whisper hears your words at each pause, so the reply starts sooner after "
                "you let go. Off: everything is transcribed after the release."
            ),
        )
        return _tab(device_group, self.speech, talk, self._hands_free_group())

    def _hands_free_group(self) -> QGroupBox:
        self.end_of_turn = QComboBox()
        self.end_of_turn.addItem(self.tr("Smart: a model hears whether you have finished"), "smart")
        self.end_of_turn.addItem(self.tr("Pause only"), "pause")
        self.short_pause = _milliseconds(self.tr(" ms"), 100, 1000, 50)
        self.max_pause = _milliseconds(self.tr(" ms"), 800, 5000, 100)
        self.end_pause = _milliseconds(self.tr(" ms"), 300, 3000, 100)
        self.end_of_turn.currentIndexChanged.connect(self._end_of_turn_changed)
        self.duplex = QComboBox()
        self.duplex.addItem(self.tr("Speakers (ignore the character's own voice)"), "half")
        self.duplex.addItem(self.tr("Headset"), "full")
        self.barge_in = QCheckBox(self.tr("Talking over the character &interrupts it"))
        self.wake_phrase = QCheckBox(self.tr("Answer only after “Hey <name>”"))
        group = QGroupBox(self.tr("Hands-free (Conversation ▸ Hands-free)"))
        form = QFormLayout(group)
        form_row(
            form,
            self.tr("End of &turn:"),
            self.end_of_turn,
            self.tr(
                "Smart: at each short pause a small model judges from your voice whether you "
                "have finished, so the character answers sooner and lets you think mid-sentence."
            ),
        )
        form_row(
            form,
            self.tr("Ask the model &after:"),
            self.short_pause,
            self.tr("Smart: the pause after which the model is asked."),
        )
        form_row(
            form,
            self.tr("&Longest pause:"),
            self.max_pause,
            self.tr("Smart: a pause this long ends your turn whatever the model says."),
        )
        form_row(
            form,
            self.tr("&End of speech after:"),
            self.end_pause,
            self.tr(
                "Pause only: how long a pause ends what you say. Longer lets you think "
                "mid-sentence."
            ),
        )
        form_row(
            form,
            self.tr("&Sound comes from:"),
            self.duplex,
            self.tr(
                "With speakers the microphone also hears the character; VoiceBuddy then only "
                "counts sound clearly louder than that echo as you."
            ),
        )
        form_row(form, "", self.barge_in, self.tr("Stop the reply as soon as you start talking."))
        form_row(
            form,
            "",
            self.wake_phrase,
            self.tr("Hands-free turns must start with “Hey” and the character's name."),
        )
        return group

    def _conversation_tab(self) -> QWidget:
        self.user_name = QLineEdit()
        self.user_name.setMaxLength(60)
        you = QGroupBox(self.tr("You"))
        form = QFormLayout(you)
        form_row(
            form,
            self.tr("Your &name:"),
            self.user_name,
            self.tr("How characters address you: replaces {{user}} in character cards."),
        )

        self.temperature = _double_spin(0.0, 2.0, 0.05)
        self.top_p = _double_spin(0.0, 1.0, 0.05)
        self.repeat_penalty = _double_spin(1.0, 2.0, 0.05)
        self.max_reply_tokens = QSpinBox()
        self.max_reply_tokens.setRange(16, 4096)
        self.max_reply_tokens.setSingleStep(16)
        self.max_reply_tokens.setSuffix(self.tr(" tokens"))
        replies = QGroupBox(self.tr("Replies"))
        form = QFormLayout(replies)
        form_row(
            form,
            self.tr("&Temperature:"),
            self.temperature,
            self.tr(
                "Randomness of the replies: lower is more focused and repeatable, "
                "higher is more varied and creative."
            ),
        )
        form_row(
            form,
            self.tr("Top-&p:"),
            self.top_p,
            self.tr(
                "Nucleus sampling: only the most likely words whose probabilities add up to "
                "this are considered. 1.0 turns it off."
            ),
        )
        form_row(
            form,
            self.tr("Repeat &penalty:"),
            self.repeat_penalty,
            self.tr("Discourages repeating the same words; 1.0 turns it off."),
        )
        form_row(
            form,
            self.tr("Ma&x reply length:"),
            self.max_reply_tokens,
            self.tr(
                "The longest reply, in tokens (about ¾ of a word each). Short replies suit speech."
            ),
        )

        self.ui_language = QComboBox()
        self.ui_language.addItem(self.tr("System"), "")
        # Each language in its own words, so that it can be found in any of them.
        self.ui_language.addItem("English", ENGLISH)
        self.ui_language.addItem("简体中文", CHINESE)
        self.ui_language_note = QLabel(
            self.tr("A new language takes effect the next time VoiceBuddy starts.")
        )
        self.ui_language_note.setWordWrap(True)
        self.ui_language_note.setEnabled(False)
        window = QGroupBox(self.tr("Window"))
        form = QFormLayout(window)
        form_row(
            form,
            self.tr("Lan&guage:"),
            self.ui_language,
            self.tr(
                "The language of VoiceBuddy's window. \"System\" follows the system's language "
                "(Simplified Chinese for any Chinese, otherwise English)."
            ),
        )
        form.addRow(self.ui_language_note)
        self.close_to_tray = QCheckBox(self.tr("&Keep running in the tray when the window closes"))
        form_row(
            form,
            "",
            self.close_to_tray,
            self.tr(
                "Closing the window leaves VoiceBuddy in the tray; its menu brings the window "
                "back or quits."
            ),
        )
        if not tray_available():
            self.close_to_tray.setEnabled(False)
            self.close_to_tray.setToolTip(self.tr("This desktop has no tray."))
        self.memory = MemorySettingsGroup()
        return _tab(you, replies, self.memory, window)

    # --- values ---------------------------------------------------------------------------

    def _load(self, settings: Settings) -> None:
        self.llm_model.setText(settings.llm.model)
        self.lora.setText(settings.llm.lora)
        self.gpu_layers.setValue(settings.llm.gpu_layers)
        self.context_size.setValue(settings.llm.context_size)
        self.whisper_model.setCurrentText(settings.stt.model or "auto")
        language = settings.stt.language
        select_data(self.language, language, language_label(language))
        for combo, device in (
            (self.input_device, settings.audio.input_device),
            (self.output_device, settings.audio.output_device),
        ):
            select_data(combo, device, arg(self.tr("%1 (not connected)"), device))
        self.speech.load(settings.tts)
        self.hold_key.setKeySequence(QKeySequence.fromString(settings.chat.hold_key))
        self.end_pause.setValue(settings.listen.end_pause_ms)
        self.short_pause.setValue(settings.listen.short_pause_ms)
        self.max_pause.setValue(settings.listen.max_pause_ms)
        select_data(self.end_of_turn, settings.listen.end_of_turn, settings.listen.end_of_turn)
        self._end_of_turn_changed()
        select_data(self.duplex, settings.listen.duplex, settings.listen.duplex)
        self.barge_in.setChecked(settings.listen.barge_in)
        self.keep_microphone_open.setChecked(settings.listen.keep_microphone_open)
        self.press_interrupts.setChecked(settings.listen.press_interrupts)
        self.transcribe_while_talking.setChecked(settings.listen.transcribe_while_talking)
        self.wake_phrase.setChecked(settings.listen.wake_phrase)
        self.user_name.setText(settings.chat.user_name)
        self.temperature.setValue(settings.llm.temperature)
        self.top_p.setValue(settings.llm.top_p)
        self.repeat_penalty.setValue(settings.llm.repeat_penalty)
        self.max_reply_tokens.setValue(settings.llm.max_reply_tokens)
        self.memory.load(settings.memory)
        select_data(self.ui_language, settings.ui.language, settings.ui.language)
        self.close_to_tray.setChecked(settings.ui.close_to_tray and tray_available())
        self.global_keys.load(settings.keys, settings.ui)

    def _end_of_turn_changed(self) -> None:
        smart = combo_data(self.end_of_turn) == "smart"
        self.short_pause.setEnabled(smart)
        self.max_pause.setEnabled(smart)
        self.end_pause.setEnabled(not smart)

    def hold_key_text(self) -> str:
        """The hold-to-talk key as QKeySequence portable text ("" if none is set)."""
        return self.hold_key.keySequence().toString(QKeySequence.SequenceFormat.PortableText)

    def result_settings(self) -> Settings:
        """A new Settings with the values shown in the dialog."""
        base = copy.deepcopy(self._original)
        return dataclasses.replace(
            base,
            llm=dataclasses.replace(
                base.llm,
                model=self.llm_model.text(),
                lora=self.lora.text(),
                gpu_layers=self.gpu_layers.value(),
                context_size=self.context_size.value(),
                temperature=round(self.temperature.value(), 2),
                top_p=round(self.top_p.value(), 2),
                repeat_penalty=round(self.repeat_penalty.value(), 2),
                max_reply_tokens=self.max_reply_tokens.value(),
            ),
            stt=dataclasses.replace(
                base.stt,
                model=self.whisper_model.currentText().strip() or "auto",
                language=combo_data(self.language),
            ),
            tts=self.speech.tts_settings(base.tts),
            audio=dataclasses.replace(
                base.audio,
                input_device=combo_data(self.input_device),
                output_device=combo_data(self.output_device),
            ),
            chat=dataclasses.replace(
                base.chat,
                user_name=self.user_name.text().strip(),
                hold_key=self.hold_key_text(),
            ),
            ui=dataclasses.replace(
                base.ui,
                language=combo_data(self.ui_language),
                close_to_tray=self.close_to_tray.isChecked(),
                overlay=self.global_keys.overlay.isChecked(),
            ),
            keys=self.global_keys.keys(base.keys),
            memory=self.memory.memory_settings(base.memory),
            listen=dataclasses.replace(
                base.listen,
                end_pause_ms=self.end_pause.value(),
                end_of_turn=combo_data(self.end_of_turn),
                short_pause_ms=self.short_pause.value(),
                max_pause_ms=self.max_pause.value(),
                duplex=combo_data(self.duplex),
                barge_in=self.barge_in.isChecked(),
                wake_phrase=self.wake_phrase.isChecked(),
                keep_microphone_open=self.keep_microphone_open.isChecked(),
                press_interrupts=self.press_interrupts.isChecked(),
                transcribe_while_talking=self.transcribe_while_talking.isChecked(),
            ),
        )

    # --- validation -----------------------------------------------------------------------

    def problems(self) -> list[tuple[str, QWidget]]:
        """What keeps OK from closing the dialog: (message, widget to fix) pairs."""
        found: list[tuple[str, QWidget]] = []
        for field, missing in (
            (self.llm_model, self.tr("The language model file %1 does not exist.")),
            (self.lora, self.tr("The LoRA adapter file %1 does not exist.")),
        ):
            text = field.text()
            if text and not Path(text).expanduser().is_file():
                found.append((arg(missing, text), field.edit))
        whisper = self.whisper_model.currentText().strip()
        known = {"auto", *STT_MODEL_NAMES, *self._choices.stt_models}
        if whisper and whisper not in known and not Path(whisper).expanduser().exists():
            found.append(
                (
                    arg(
                        self.tr(
                            "The Whisper model %1 is neither a known name (%2) "
                            "nor an existing file or folder."
                        ),
                        whisper,
                        ", ".join(sorted(known)),
                    ),
                    self.whisper_model,
                )
            )
        if not self.hold_key_text():
            found.append((self.tr("Choose a hold-to-talk key."), self.hold_key))
        if not self.user_name.text().strip():
            found.append(
                (self.tr("Enter your name (characters use it for {{user}})."), self.user_name)
            )
        return found + self.global_keys.problems()

    def accept(self) -> None:
        found = self.problems()
        if not found:
            self.error_label.hide()
            super().accept()
            return
        self.error_label.setText("\n".join(message for message, _ in found))
        self.error_label.show()
        widget = found[0][1]
        for index in range(self.tabs.count()):
            tab = self.tabs.widget(index)
            if tab is not None and tab.isAncestorOf(widget):
                self.tabs.setCurrentIndex(index)
        widget.setFocus()

    # --- slots ----------------------------------------------------------------------------

    def _single_key(self, sequence: QKeySequence) -> None:
        """Keep only the key of a combination: a held modifier would get in the way of
        pressing and releasing the talk key."""
        if sequence.isEmpty():
            return
        combined: QKeyCombination = sequence[0]  # type: ignore[index]  # stubs lack []
        if combined.keyboardModifiers() != Qt.KeyboardModifier.NoModifier:
            self.hold_key.setKeySequence(QKeySequence(combined.key()))

    def _browse_gguf(self, current: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a GGUF file"),
            start_dir(current),
            self.tr("GGUF models (*.gguf);;All files (*)"),
        )
        return path or None

    def _browse_whisper_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a whisper.cpp model"),
            start_dir(self.whisper_model.currentText().strip()),
            self.tr("whisper.cpp models (*.bin);;All files (*)"),
        )
        if path:
            self.whisper_model.setCurrentText(path)

    def _browse_whisper_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self,
            self.tr("Choose a faster-whisper model folder"),
            start_dir(self.whisper_model.currentText().strip()),
        )
        if path:
            self.whisper_model.setCurrentText(path)


def _double_spin(minimum: float, maximum: float, step: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(minimum, maximum)
    spin.setSingleStep(step)
    spin.setDecimals(2)
    return spin


def _milliseconds(suffix: str, low: int, high: int, step: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setSuffix(suffix)
    return box


def _tab(*groups: QWidget) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    for group in groups:
        layout.addWidget(group)
    layout.addStretch(1)
    return page
