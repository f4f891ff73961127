"""The bottom of the window: push-to-talk, the state, the level meter, Stop, and typing."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.gui.i18n import arg


class TalkState(Enum):
    """The states, with their English text (shown translated, see `text`)."""

    LOADING = str(QT_TRANSLATE_NOOP("TalkState", "Loading models…"))
    READY = str(QT_TRANSLATE_NOOP("TalkState", "Ready"))
    LISTENING = str(QT_TRANSLATE_NOOP("TalkState", "Listening…"))
    TRANSCRIBING = str(QT_TRANSLATE_NOOP("TalkState", "Transcribing…"))
    THINKING = str(QT_TRANSLATE_NOOP("TalkState", "Thinking…"))
    SPEAKING = str(QT_TRANSLATE_NOOP("TalkState", "Speaking…"))
    DICTATING = str(QT_TRANSLATE_NOOP("TalkState", "Dictating…"))

    @property
    def text(self) -> str:
        """What the state line says, in the UI language."""
        return QCoreApplication.translate("TalkState", self.value)


class TalkPanel(QWidget):
    talk_pressed = Signal()
    talk_released = Signal()
    stop_clicked = Signal()
    text_submitted = Signal(str)
    state_changed = Signal(object)  # TalkState

    def __init__(self, hold_key_name: str) -> None:
        super().__init__()
        self.state_label = QLabel()
        font = QFont(self.state_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.state_label.setFont(font)
        self.state_label.setAccessibleName(self.tr("Conversation state"))
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: palette(link);")
        self.notice.hide()
        self._notices: dict[str, str] = {}
        self.level = QProgressBar()
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setMaximumHeight(10)
        self.level.setToolTip(self.tr("Microphone input level"))

        self.talk_button = QPushButton()
        self.talk_button.setMinimumHeight(56)
        self.talk_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.talk_button.pressed.connect(self.talk_pressed)
        self.talk_button.released.connect(self.talk_released)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setMinimumHeight(56)
        self.stop_button.setToolTip(self.tr("Stop the reply and its speech now (Esc)"))
        self.stop_button.clicked.connect(self.stop_clicked)
        self.set_hold_key(hold_key_name)

        self.entry = QLineEdit()
        self.entry.setPlaceholderText(self.tr("Type a message and press Enter"))
        self.entry.setToolTip(self.tr("Type instead of talking; Enter sends"))
        self.entry.returnPressed.connect(self._submit)
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setToolTip(self.tr("Send the typed message (Enter)"))
        self.send_button.clicked.connect(self._submit)

        talk_row = QHBoxLayout()
        talk_row.addWidget(self.talk_button, 4)
        talk_row.addWidget(self.stop_button, 1)
        type_row = QHBoxLayout()
        type_row.addWidget(self.entry, 1)
        type_row.addWidget(self.send_button)
        state_row = QHBoxLayout()
        state_row.addWidget(self.state_label)
        state_row.addWidget(self.level, 1, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(state_row)
        layout.addLayout(talk_row)
        layout.addLayout(type_row)
        self.set_state(TalkState.LOADING)

    def set_hold_key(self, key_name: str) -> None:
        self.talk_button.setText(arg(self.tr("Hold to talk  (%1)"), key_name))
        self.talk_button.setToolTip(
            arg(
                self.tr("Press and hold this button, or hold %1, while you speak; release to send"),
                key_name,
            )
        )

    def set_state(self, state: TalkState, can_talk: bool = True, interrupts: bool = False) -> None:
        """`interrupts`: a press while the character thinks or speaks stops it and listens."""
        self.state = state
        self.state_label.setText(state.text)
        ready = state is TalkState.READY
        replying = state in (TalkState.TRANSCRIBING, TalkState.THINKING, TalkState.SPEAKING)
        self.talk_button.setEnabled(
            can_talk and (ready or state is TalkState.LISTENING or (interrupts and replying))
        )
        self.send_button.setEnabled(ready)
        self.stop_button.setEnabled(
            state in (TalkState.THINKING, TalkState.SPEAKING, TalkState.TRANSCRIBING)
        )
        if state is not TalkState.LISTENING:
            self.level.setValue(0)
        self.state_changed.emit(state)

    def show_notice(self, text: str, about: str = "turn") -> None:
        """A standing message about `about` (microphone, speaker, turn); "" clears it."""
        self._notices[about] = text
        shown = [n for n in self._notices.values() if n]
        self.notice.setText("\n".join(shown))
        self.notice.setVisible(bool(shown))

    def _submit(self) -> None:
        text = self.entry.text().strip()
        if text and self.state is TalkState.READY:
            self.entry.clear()
            self.text_submitted.emit(text)
