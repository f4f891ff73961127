"""The Memory panel (Character ▸ Memories…): what a character remembers about the user, to
search, correct, pin, forget or add to by hand, and whether that character remembers at all.

It reads and writes the conversation store's file through MemoryStore (a few hundred rows:
quick enough for the GUI thread); forgetting goes through MemoryStore.delete, which takes the
words out of the file. The per-character switch is `[memory] off_for`: the panel tells what
it became (`settings_changed`), and the main window saves it and hands it to the runtime.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import QT_TRANSLATE_NOOP, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.characters.character import Character
from voicebuddy.config import MemorySettings
from voicebuddy.gui.form import combo_data, dialog_button
from voicebuddy.gui.i18n import arg
from voicebuddy.memory.facts import Fact
from voicebuddy.memory.remembering import off_for, with_memory_for
from voicebuddy.memory.store import Memory, MemoryStore
from voicebuddy.storage import Store

FACT, PINNED, WHEN, RECALLED = range(4)
_ID_ROLE = Qt.ItemDataRole.UserRole
_KEEP_SELECTION = QItemSelectionModel.SelectionFlag.NoUpdate
# In English; shown translated (`MemoryPanel.tr`).
_COLUMNS = (
    str(QT_TRANSLATE_NOOP("MemoryPanel", "Memory")),
    str(QT_TRANSLATE_NOOP("MemoryPanel", "Pinned")),
    str(QT_TRANSLATE_NOOP("MemoryPanel", "Remembered")),
    str(QT_TRANSLATE_NOOP("MemoryPanel", "Recalled")),
)


def matching(memories: Sequence[Memory], scores: Mapping[int, float], text: str) -> list[Memory]:
    """What the search box shows of `memories` (newest first) for `text`: those that contain
    it, then the others MemoryStore.search scored, best first; newer first among equals.
    With no text, all of them, pinned first."""
    needle = text.strip().casefold()
    if not needle:
        return sorted(memories, key=lambda m: not m.pinned)
    found = [m for m in memories if m.id in scores or needle in m.fact.casefold()]
    return sorted(found, key=lambda m: (needle not in m.fact.casefold(), -scores.get(m.id, 0.0)))


def _date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


class MemoryPanel(QDialog):
    settings_changed = Signal(object)  # MemorySettings, after the per-character switch

    def __init__(
        self,
        store: Store,
        characters: Sequence[Character],
        current: str,
        settings: MemorySettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Memories"))
        self._memories = MemoryStore(store)
        self._settings = settings
        self._shown: list[Memory] = []

        self.character = QComboBox()
        self.character.setToolTip(self.tr("Whose memories of you are shown."))
        names = {c.key: c.name for c in characters}
        for key in sorted({m.character for m in self._memories.memories()} - set(names)):
            names[key] = key  # memories of a character whose card is gone
        for key, name in names.items():
            self.character.addItem(name, key)
        self.character.setCurrentIndex(max(self.character.findData(current), 0))
        self.character.currentIndexChanged.connect(self._character_changed)
        self.remembering = QCheckBox()
        self.remembering.setToolTip(
            self.tr(
                "Off: this character learns nothing new and recalls nothing. What it keeps "
                "stays here until you forget it."
            )
        )
        self.remembering.toggled.connect(self._remembering_toggled)
        self.off_note = QLabel()
        self.off_note.setWordWrap(True)
        self.off_note.setEnabled(False)

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search memories…"))
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(self.tr("Show the memories that have these words, best first."))
        self.search.textChanged.connect(self.refresh)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr(column) for column in _COLUMNS])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setToolTip(
            self.tr("Double-click a memory (or press F2) to correct it; tick it to pin it.")
        )
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(FACT, QHeaderView.ResizeMode.Stretch)
        for column in (PINNED, WHEN, RECALLED):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # Only the words are edited: by a double-click, F2 or Edit.
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        for keys, slot in (
            (QKeySequence(QKeySequence.StandardKey.Delete), self.delete_selected),
            (QKeySequence("F2"), self._edit_current),
        ):
            shortcut = QAction(self.tree)
            shortcut.setShortcut(keys)
            shortcut.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # not in the editor
            shortcut.triggered.connect(slot)
            self.tree.addAction(shortcut)

        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.add_button = dialog_button(
            self.tr("&Add…"), self.tr("Tell this character something to remember.")
        )
        self.edit_button = dialog_button(
            self.tr("&Edit"), self.tr("Correct the words of this memory (F2).")
        )
        self.pin_button = dialog_button(
            self.tr("&Pin"), self.tr("Pinned memories are recalled in every reply.")
        )
        self.delete_button = dialog_button(
            self.tr("&Delete"),
            self.tr("Forget the selected memories for good (Del)."),
        )
        self.forget_all_button = dialog_button(
            self.tr("&Forget everything…"),
            self.tr("Forget everything this character remembers about you."),
        )
        close_button = dialog_button(self.tr("Close"), self.tr("Close this window."))
        self.add_button.clicked.connect(self.add_memory)
        self.edit_button.clicked.connect(self._edit_current)
        self.pin_button.clicked.connect(self.toggle_pin)
        self.delete_button.clicked.connect(self.delete_selected)
        self.forget_all_button.clicked.connect(self.forget_everything)
        close_button.clicked.connect(self.close)

        top = QHBoxLayout()
        top.addWidget(self.character, 1)
        top.addWidget(self.remembering)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.pin_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addWidget(self.forget_all_button)
        buttons.addStretch(1)
        buttons.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.off_note)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.notice)
        layout.addLayout(buttons)
        self._character_changed()
        self.resize(760, 480)

    # ----- what is shown
    def character_key(self) -> str:
        return combo_data(self.character)

    def character_name(self) -> str:
        return self.character.currentText()

    def show_character(self, key: str, name: str) -> None:
        """Show the memories of the character the window has just switched to."""
        index = self.character.findData(key)
        if index < 0:  # a card added since the panel opened
            self.character.addItem(name, key)
            index = self.character.count() - 1
        self.character.setCurrentIndex(index)  # the same one again: nothing happens

    def set_settings(self, settings: MemorySettings) -> None:
        """The memory settings in use now (the Settings dialog may have changed them)."""
        self._settings = settings
        self._show_switch()

    def refresh(self) -> None:
        """Read the character's memories again and show those the search box matches,
        keeping the selection. Not while a memory's words are being edited."""
        if self.tree.state() is QAbstractItemView.State.EditingState:
            return
        key, text = self.character_key(), self.search.text()
        kept = self._memories.memories(key) if key else []
        scores = self._memories.search(key, text, limit=len(kept)) if key and text.strip() else {}
        selected = set(self.selected_ids())
        current = self.tree.currentItem()
        current_id = current.data(FACT, _ID_ROLE) if current is not None else None
        self._shown = matching(kept, scores, text)
        self.tree.blockSignals(True)  # no itemChanged for what is only being shown
        try:
            self.tree.clear()
            for memory in self._shown:
                item = self._item(memory)
                self.tree.addTopLevelItem(item)
                item.setSelected(memory.id in selected)
                if memory.id == current_id:
                    self.tree.setCurrentItem(item, FACT, _KEEP_SELECTION)
        finally:
            self.tree.blockSignals(False)
        if not kept:
            empty = self.tr(
                "%1 remembers nothing about you yet. Tell them about yourself, or add a memory."
            )
            self.empty_label.setText(arg(empty, self.character_name()))
        elif not self._shown:
            self.empty_label.setText(arg(self.tr("No memory has “%1”."), text.strip()))
        self.empty_label.setVisible(not self._shown)
        self.forget_all_button.setEnabled(bool(kept))
        self.add_button.setEnabled(bool(key))
        self._update_buttons()

    def selected_ids(self) -> list[int]:
        return [m.id for m in self._selected()]

    def _selected(self) -> list[Memory]:
        chosen = {item.data(FACT, _ID_ROLE) for item in self.tree.selectedItems()}
        return [m for m in self._shown if m.id in chosen]

    def _item(self, memory: Memory) -> QTreeWidgetItem:
        recalled = str(memory.recalled)
        item = QTreeWidgetItem([memory.fact, "", _date(memory.updated_at), recalled])
        item.setData(FACT, _ID_ROLE, memory.id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable)
        pinned = Qt.CheckState.Checked if memory.pinned else Qt.CheckState.Unchecked
        item.setCheckState(PINNED, pinned)
        item.setToolTip(FACT, memory.fact)
        item.setToolTip(PINNED, self.tr("Pinned memories are recalled in every reply."))
        item.setToolTip(WHEN, arg(self.tr("First remembered %1"), _date(memory.created_at)))
        item.setToolTip(RECALLED, self.tr("How many replies recalled it."))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        item.setTextAlignment(RECALLED, right)
        return item

    def _show_switch(self) -> None:
        key, name = self.character_key(), self.character_name()
        self.remembering.blockSignals(True)
        self.remembering.setText(arg(self.tr("&Remember what I tell %1"), name))
        self.remembering.setChecked(not off_for(self._settings, key, name))
        self.remembering.setEnabled(bool(key))
        self.remembering.blockSignals(False)
        if not self._settings.enabled:
            self.off_note.setText(
                self.tr("Memory is off for every character: Settings ▸ Conversation turns it on.")
            )
        elif not self.remembering.isChecked():
            self.off_note.setText(arg(self.tr("%1 learns nothing new and recalls nothing."), name))
        self.off_note.setVisible(not self._settings.enabled or not self.remembering.isChecked())

    def _update_buttons(self) -> None:
        selected = self._selected()
        self.edit_button.setEnabled(len(selected) == 1)
        self.delete_button.setEnabled(bool(selected))
        self.pin_button.setEnabled(bool(selected))
        unpinning = bool(selected) and all(m.pinned for m in selected)
        self.pin_button.setText(self.tr("Un&pin") if unpinning else self.tr("&Pin"))

    def _say(self, text: str) -> None:
        self.notice.setText(text)

    # ----- what the user does
    def _character_changed(self) -> None:
        self._say("")
        self._show_switch()
        self.refresh()

    def _remembering_toggled(self, on: bool) -> None:
        key, name = self.character_key(), self.character_name()
        self._settings = with_memory_for(self._settings, key, name, on)
        self._show_switch()
        self.settings_changed.emit(self._settings)

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        memory = next((m for m in self._shown if m.id == item.data(FACT, _ID_ROLE)), None)
        if memory is None:
            return
        if column == FACT:
            words = item.text(FACT).strip()
            if not words:
                kept = self.tr("A memory needs some words: “%1” stays as it was.")
                self._say(arg(kept, memory.fact))
            elif words != memory.fact:
                self._memories.update(memory.id, fact=words)
                self._say("")
        elif column == PINNED:
            pinned = item.checkState(PINNED) == Qt.CheckState.Checked
            if pinned != memory.pinned:
                self._memories.update(memory.id, pinned=pinned)
        QTimer.singleShot(0, self, self.refresh)  # not while the view is inside its signal

    def _double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if column != PINNED:  # a double-click there ticks and unticks
            self.tree.editItem(item, FACT)

    def _edit_current(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.tree.setFocus()  # and back to the list once the words are in
            self.tree.editItem(item, FACT)

    def add_memory(self) -> None:
        key, name = self.character_key(), self.character_name()
        words, ok = QInputDialog.getText(
            self, self.tr("Add a memory"), arg(self.tr("What should %1 remember about you?"), name)
        )
        if not ok:
            return
        if not words.strip():
            self._say(self.tr("A memory needs some words: nothing was added."))
            return
        (added,) = self._memories.remember(key, [Fact(words.strip(), "", "")])
        self.search.clear()
        self.refresh()
        self.tree.clearSelection()
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item is not None and item.data(FACT, _ID_ROLE) == added.id:
                self.tree.setCurrentItem(item)
        self._say(arg(self.tr("%1 remembers: %2"), name, added.fact))

    def toggle_pin(self) -> None:
        selected = self._selected()
        pin = not all(m.pinned for m in selected)
        for memory in selected:
            self._memories.update(memory.id, pinned=pin)
        self.refresh()

    def delete_selected(self) -> None:
        selected = self._selected()
        if not selected:
            return
        if len(selected) == 1:
            question = arg(self.tr("Forget “%1” for good?"), selected[0].fact)
        else:
            question = arg(self.tr("Forget these %1 memories for good?"), len(selected))
        if not self._confirm(self.tr("Forget memories"), question):
            return
        self._memories.delete([m.id for m in selected])
        self.refresh()
        if len(selected) == 1:
            self._say(arg(self.tr("Forgot “%1”."), selected[0].fact))
        else:
            self._say(arg(self.tr("Forgot %1 memories."), len(selected)))

    def forget_everything(self) -> None:
        key, name = self.character_key(), self.character_name()
        question = arg(self.tr("Forget everything %1 remembers about you?"), name)
        if not key or not self._confirm(self.tr("Forget everything"), question):
            return
        self._memories.delete_all(key)
        self.refresh()
        self._say(arg(self.tr("%1 has forgotten everything about you."), name))

    def _confirm(self, title: str, question: str) -> bool:
        more = self.tr(
            "This cannot be undone: the words are also taken out of the conversations they "
            "came from."
        )
        answer = QMessageBox.question(
            self,
            title,
            f"{question}\n{more}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()  # a turn may have taught the character something since
        super().showEvent(event)
