"""The conversation as chat bubbles: the character's on the left, the user's on the right."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.gui.i18n import arg
from voicebuddy.messages import Message
from voicebuddy.text.markup import message_html


def _soft_color(widget: QWidget) -> str:
    palette = widget.palette()
    text, base = palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)
    channels = zip(
        (text.red(), text.green(), text.blue()),
        (base.red(), base.green(), base.blue()),
        strict=True,
    )
    return "#" + "".join(f"{(a * 3 + b * 2) // 5:02x}" for a, b in channels)


class Bubble(QFrame):
    """One message, with Copy, Edit and Delete buttons under it."""

    edit_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, index: int, role: str, speaker: str, text: str = "") -> None:
        super().__init__()
        self.index, self.role, self.text = index, role, text
        self.interrupted = False
        self.setObjectName("userBubble" if role == "user" else "characterBubble")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.speaker = QLabel(f"<b>{speaker}</b>")
        # a reasoning model's thoughts: folded under a button, shown on request
        self._thought = ""
        self.thoughts_button = QToolButton()
        self.thoughts_button.setText(self.tr("Thoughts"))
        self.thoughts_button.setToolTip(self.tr("What the model thought before it answered"))
        self.thoughts_button.setCheckable(True)
        self.thoughts_button.setAutoRaise(True)
        self.thoughts_button.setArrowType(Qt.ArrowType.RightArrow)
        self.thoughts_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.thoughts_button.toggled.connect(self._fold)
        self.thoughts_button.hide()
        self.thoughts = QLabel()
        self.thoughts.setWordWrap(True)
        self.thoughts.setTextFormat(Qt.TextFormat.PlainText)
        self.thoughts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.thoughts.setStyleSheet(f"color: {_soft_color(self)}; font-style: italic;")
        self.thoughts.hide()
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setAccessibleName(arg(self.tr("%1 message"), speaker))
        actions = QHBoxLayout()
        actions.addStretch()
        for label, tip, slot in (
            (self.tr("Copy"), self.tr("Copy this message to the clipboard"), self.copy),
            (
                self.tr("Edit"),
                self.tr("Edit this message"),
                lambda: self.edit_requested.emit(self.index),
            ),
            (
                self.tr("Delete"),
                self.tr("Delete this message"),
                lambda: self.delete_requested.emit(self.index),
            ),
        ):
            button = QToolButton()
            button.setText(label)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(slot)
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.speaker)
        layout.addWidget(self.thoughts_button)
        layout.addWidget(self.thoughts)
        layout.addWidget(self.body)
        layout.addLayout(actions)
        self.set_text(text)

    def set_text(self, text: str, interrupted: bool = False) -> None:
        self.text, self.interrupted = text, interrupted
        html = message_html(text, _soft_color(self))
        if interrupted:
            interrupted_text = self.tr("— interrupted")
            html += f' <span style="color:{_soft_color(self)}">{interrupted_text}</span>'
        self.body.setText(html or "…")

    @property
    def has_thoughts(self) -> bool:
        return bool(self._thought)

    @property
    def thought(self) -> str:
        return self._thought

    def add_thought(self, piece: str) -> None:
        self._thought += piece
        self.thoughts.setText(self._thought.strip())
        self.thoughts_button.show()

    def _fold(self, shown: bool) -> None:
        self.thoughts.setVisible(shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.thoughts_button.setArrowType(arrow)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text)


class ConversationView(QScrollArea):
    """Shows a conversation; `begin_reply`/`append_to_reply` stream a reply into a bubble."""

    edit_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._column = QWidget()
        self._layout = QVBoxLayout(self._column)
        self._layout.addStretch()
        self.setWidget(self._column)
        self.bubbles: list[Bubble] = []
        self._rows: list[QWidget] = []
        self._names = (self.tr("User"), self.tr("Character"))
        self._streaming: Bubble | None = None
        self._streamed = ""
        # thoughts are never stored: kept here, by message index with the reply they came
        # before, for as long as the window shows that reply
        self._thoughts: dict[int, tuple[str, str]] = {}

    def set_messages(self, messages: Sequence[Message], user: str, character: str) -> None:
        self._names = (user, character)
        for row in self._rows:
            row.deleteLater()
        self.bubbles, self._rows = [], []
        self._streaming = None
        for index, message in enumerate(messages):
            self._add(index, message.role, message.content, message.interrupted)
        self._scroll_to_end()

    def sync(self, messages: Sequence[Message], user: str, character: str) -> None:
        """Show `messages`, touching only the bubbles that differ when the shape is the same:
        after a turn, rebuilding hundreds of bubbles would stall the window."""
        same_shape = (user, character) == self._names and len(messages) == len(self.bubbles)
        if not same_shape or any(
            b.role != m.role for b, m in zip(self.bubbles, messages, strict=True)
        ):
            self.set_messages(messages, user, character)
            return
        self._streaming = None
        for bubble, message in zip(self.bubbles, messages, strict=True):
            if bubble.text != message.content or bubble.interrupted != message.interrupted:
                bubble.set_text(message.content, message.interrupted)

    def add_message(self, message: Message) -> None:
        self._add(len(self.bubbles), message.role, message.content, message.interrupted)
        self._scroll_to_end()

    def begin_reply(self) -> None:
        streaming = self._streaming
        if streaming is not None and not self._streamed and streaming.has_thoughts:
            return  # the answer goes under the thoughts, in their bubble
        self._streamed = ""
        self._streaming = self._add(len(self.bubbles), "assistant", "")
        self._scroll_to_end()  # (`_add` puts back thoughts shown before a rebuild)

    def append_to_reply(self, piece: str) -> None:
        if self._streaming is None:
            self.begin_reply()
        assert self._streaming is not None
        self._streamed += piece
        self._streaming.set_text(self._streamed)
        self._keep_thoughts(self._streaming)
        self._scroll_to_end()

    def append_thought(self, piece: str) -> None:
        if self._streaming is None:
            self.begin_reply()
        assert self._streaming is not None
        self._streaming.add_thought(piece)
        self._keep_thoughts(self._streaming)
        self._scroll_to_end()

    def _keep_thoughts(self, bubble: Bubble) -> None:
        if bubble.has_thoughts:
            self._thoughts[bubble.index] = (self._streamed.strip(), bubble.thought)

    def end_reply(self) -> None:
        self._streaming = None

    def _add(self, index: int, role: str, text: str, interrupted: bool = False) -> Bubble:
        user, character = self._names
        bubble = Bubble(index, role, user if role == "user" else character)
        bubble.set_text(text, interrupted)
        reply, thought = self._thoughts.get(index, ("", ""))
        if thought and role == "assistant" and reply == text.strip():
            bubble.add_thought(thought)
        bubble.edit_requested.connect(self.edit_requested)
        bubble.delete_requested.connect(self.delete_requested)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        if role == "user":
            line.addStretch(1)
        line.addWidget(bubble, 4)
        if role != "user":
            line.addStretch(1)
        self._layout.insertWidget(self._layout.count() - 1, row)
        self._rows.append(row)
        self.bubbles.append(bubble)
        return bubble

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        QTimer.singleShot(0, lambda: bar.setValue(bar.maximum()))
