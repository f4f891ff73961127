"""The "Speech output" group of the settings dialog: the voice, its speaker, pace, rate, volume.

The voice list names each voice's engine, natural (Piper) or system, and takes any Piper
`.onnx` file on disk too ("Voice file…"). Pace is for Piper voices, rate for system voices.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from voicebuddy.config import TtsSettings
from voicebuddy.engines.piper_tts import (
    MAX_LENGTH_SCALE,
    MAX_VOLUME,
    MIN_LENGTH_SCALE,
    PIPER_ENGINE,
    read_voice,
)
from voicebuddy.engines.tts import MAX_RATE, MIN_RATE, Voice
from voicebuddy.engines.voices import is_voice_file
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.gui.form import combo_data, form_row, select_data, start_dir
from voicebuddy.gui.i18n import arg

PACE_STEP = 0.05
MIN_VOLUME = 0.1
# Each spin box's minimum shows "Voice default" and stands for 0, so that the arrows go
# straight from the default to the slowest setting without meaningless values in between.
_RATE_DEFAULT_SLOT = MIN_RATE - 1
_PACE_DEFAULT_SLOT = round(MIN_LENGTH_SCALE - PACE_STEP, 2)


class SpeechOutputGroup(QGroupBox):
    """Edits the `[tts]` settings, except the onnxruntime threads."""

    def __init__(self, voices: Sequence[Voice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Speech output"))
        self._speakers: dict[str, tuple[str, ...]] = {}  # voice combo data -> speaker names

        self.voice = QComboBox()
        self.voice.addItem(self.tr("Character's voice (or the default)"), "")
        for voice in voices:
            self._add_voice(self._voice_label(voice), voice.id, voice)
        self.voice_file_button = QPushButton(self.tr("Voice &file…"))
        self.voice_file_button.setToolTip(
            self.tr("Use a Piper voice file (.onnx, with its .onnx.json beside it).")
        )
        self.voice_file_button.clicked.connect(self._browse_voice_file)
        voice_row = QWidget()
        row = QHBoxLayout(voice_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.voice, 1)
        row.addWidget(self.voice_file_button)

        speaker_edit = QLineEdit()
        speaker_edit.setPlaceholderText(self.tr("The voice's default speaker"))
        speaker_edit.setClearButtonEnabled(True)
        self.speaker = QComboBox()
        self.speaker.setEditable(True)
        self.speaker.setLineEdit(speaker_edit)
        self.speaker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)

        self.pace = QDoubleSpinBox()
        self.pace.setRange(_PACE_DEFAULT_SLOT, MAX_LENGTH_SCALE)
        self.pace.setSingleStep(PACE_STEP)
        self.pace.setDecimals(2)
        self.pace.setSpecialValueText(self.tr("Voice default"))
        self.rate = QSpinBox()
        self.rate.setRange(_RATE_DEFAULT_SLOT, MAX_RATE)
        self.rate.setSpecialValueText(self.tr("Voice default"))
        self.rate.setSuffix(self.tr(" words/min"))
        self.volume = QDoubleSpinBox()
        self.volume.setRange(MIN_VOLUME, MAX_VOLUME)
        self.volume.setSingleStep(0.1)
        self.volume.setDecimals(2)
        self.volume.setSuffix("×")
        self.speak_replies = QCheckBox(self.tr("Read replies aloud"))

        form = QFormLayout(self)
        voice_tip = self.tr(
            "The text-to-speech voice. Natural (Piper) voices sound like a person; system "
            "voices speak more languages. The first entry uses the character's own voice, or "
            "the default voice of its language if the character has none."
        )
        form_row(form, self.tr("&Voice:"), voice_row, voice_tip, self.voice)
        self.voice.setToolTip(voice_tip)
        form_row(
            form,
            self.tr("Voice spea&ker:"),
            self.speaker,
            self.tr(
                "Natural voices with several speakers: who speaks, by name or number. "
                "Empty uses the voice's default speaker."
            ),
        )
        form_row(
            form,
            self.tr("Pa&ce (natural voices):"),
            self.pace,
            arg(
                self.tr(
                    "How slowly natural (Piper) voices speak (%1–%2): above 1 is slower, below "
                    '1 faster. "Voice default" keeps the voice\'s own pace.'
                ),
                MIN_LENGTH_SCALE,
                MAX_LENGTH_SCALE,
            ),
        )
        form_row(
            form,
            self.tr("&Rate (system voices):"),
            self.rate,
            arg(
                self.tr(
                    "Speaking speed of system voices in words per minute (%1–%2); "
                    '"Voice default" keeps the voice\'s own speed.'
                ),
                MIN_RATE,
                MAX_RATE,
            ),
        )
        form_row(
            form,
            self.tr("Vo&lume:"),
            self.volume,
            arg(
                self.tr("Loudness of the spoken replies: 1 as the voice gives it, %1 to %2."),
                MIN_VOLUME,
                MAX_VOLUME,
            ),
        )
        form_row(
            form,
            "",
            self.speak_replies,
            self.tr("Speak each reply as it is written. When off, replies are only shown."),
        )
        self.voice.currentIndexChanged.connect(self._offer_speakers)
        self._offer_speakers()

    # --- values ---------------------------------------------------------------------------

    def load(self, tts: TtsSettings) -> None:
        voice = tts.voice
        if self.voice.findData(voice) < 0 and is_voice_file(voice) and _is_file(voice):
            self.add_voice_file(voice)
        else:
            select_data(self.voice, voice, arg(self.tr("%1 (not installed)"), voice))
        self.speaker.setEditText(tts.speaker)  # kept even if the voice does not list it
        pace = tts.length_scale
        self.pace.setValue(_PACE_DEFAULT_SLOT if pace <= 0 else max(pace, MIN_LENGTH_SCALE))
        rate = tts.rate
        self.rate.setValue(_RATE_DEFAULT_SLOT if rate <= 0 else max(rate, MIN_RATE))
        self.volume.setValue(tts.volume)
        self.speak_replies.setChecked(tts.speak_replies)

    def tts_settings(self, base: TtsSettings) -> TtsSettings:
        """`base` with the values shown in the group."""
        pace = self.pace.value()
        rate = self.rate.value()
        return dataclasses.replace(
            base,
            voice=combo_data(self.voice),
            speaker=self.speaker.currentText().strip(),
            length_scale=0.0 if pace <= _PACE_DEFAULT_SLOT else round(pace, 2),
            rate=0 if rate == _RATE_DEFAULT_SLOT else rate,
            volume=round(self.volume.value(), 2),
            speak_replies=self.speak_replies.isChecked(),
        )

    def add_voice_file(self, path: str) -> None:
        """Offer the Piper voice file `path` (once) and select it."""
        index = self.voice.findData(path)
        if index < 0:
            voice: Voice | None = None
            try:
                voice = read_voice(Path(path)).voice
            except VoiceBuddyError as error:  # still offered: using it reports the problem
                problem = error.message
            label = arg(self.tr("%1 — natural (Piper)"), Path(path).name)
            self._add_voice(label, path, voice)
            index = self.voice.count() - 1
            if voice is None:
                self.voice.setItemData(index, f"{path}\n{problem}", Qt.ItemDataRole.ToolTipRole)
        self.voice.setCurrentIndex(index)

    # --- helpers and slots ----------------------------------------------------------------

    def _add_voice(self, label: str, data: str, voice: Voice | None) -> None:
        self.voice.addItem(label, data)
        if voice is not None:
            self.voice.setItemData(
                self.voice.count() - 1, self._voice_tip(voice), Qt.ItemDataRole.ToolTipRole
            )
            self._speakers[data] = voice.speakers

    def _voice_label(self, voice: Voice) -> str:
        if voice.engine == PIPER_ENGINE:
            return arg(self.tr("%1 — natural (Piper)"), voice.name)
        return arg(self.tr("%1 — system"), voice.name)

    def _voice_tip(self, voice: Voice) -> str:
        lines = [f"{voice.id}: {', '.join(voice.languages)}" if voice.languages else voice.id]
        if voice.engine == PIPER_ENGINE:
            if voice.quality:
                lines.append(arg(self.tr("Quality: %1"), voice.quality))
            if voice.speakers:
                lines.append(arg(self.tr("Speakers: %1"), len(voice.speakers)))
            if voice.path:
                lines.append(voice.path)
        return "\n".join(lines)

    def _offer_speakers(self) -> None:
        """List the selected voice's speakers; the chosen one stays if the voice has it."""
        speakers = self._speakers.get(combo_data(self.voice), ())
        chosen = self.speaker.currentText().strip()
        self.speaker.clear()
        self.speaker.addItems(list(speakers))
        self.speaker.setCurrentIndex(-1)
        self.speaker.setEditText(chosen if _has_speaker(speakers, chosen) else "")
        self.speaker.setEnabled(bool(speakers))

    def _browse_voice_file(self) -> None:
        current = combo_data(self.voice)
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a Piper voice"),
            start_dir(current if is_voice_file(current) else ""),
            self.tr("Piper voices (*.onnx)"),
        )
        if path:
            self.add_voice_file(path)


def _has_speaker(speakers: Sequence[str], chosen: str) -> bool:
    """A speaker is named or numbered (from 0)."""
    return chosen in speakers or (chosen.isdigit() and int(chosen) < len(speakers))


def _is_file(path: str) -> bool:
    return Path(path).expanduser().is_file()
