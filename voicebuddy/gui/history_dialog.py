"""Saved conversations: open, rename, delete and export them."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
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

from voicebuddy.gui.form import dialog_button
from voicebuddy.gui.i18n import arg
from voicebuddy.memory.store import exported
from voicebuddy.storage import ConversationInfo, Store

_ID_ROLE = Qt.ItemDataRole.UserRole
# In English; shown translated (`HistoryDialog.tr`).
_MARKDOWN_FILTER = str(QT_TRANSLATE_NOOP("HistoryDialog", "Markdown (*.md)"))
_JSON_FILTER = str(QT_TRANSLATE_NOOP("HistoryDialog", "JSON (*.json)"))
_COLUMNS = (
    str(QT_TRANSLATE_NOOP("HistoryDialog", "Title")),
    str(QT_TRANSLATE_NOOP("HistoryDialog", "Character")),
    str(QT_TRANSLATE_NOOP("HistoryDialog", "Last updated")),
    str(QT_TRANSLATE_NOOP("HistoryDialog", "Messages")),
)


def _date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _file_stem(title: str) -> str:
    """A file name made from a title: no path separators or characters Windows refuses."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", title).strip(" .")
    return " ".join(stem.split())[:80] or "conversation"


class HistoryDialog(QDialog):
    opened = Signal(int)
    deleted = Signal(int)

    def __init__(self, store: Store, user_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Conversation history"))
        self._store = store
        self._user_name = user_name

        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter by title or character…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip(
            self.tr("Show only conversations whose title or character contains this.")
        )
        self.filter.textChanged.connect(self._apply_filter)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr(column) for column in _COLUMNS])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setToolTip(self.tr("Double-click a conversation (or press Enter) to open it."))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemDoubleClicked.connect(self._open)
        self.tree.currentItemChanged.connect(self._update_buttons)

        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setEnabled(False)

        self.open_button = dialog_button(
            self.tr("&Open"), self.tr("Continue this conversation in the main window.")
        )
        self.rename_button = dialog_button(
            self.tr("&Rename…"), self.tr("Give this conversation a new title.")
        )
        self.delete_button = dialog_button(
            self.tr("&Delete"), self.tr("Delete this conversation and its messages.")
        )
        self.export_button = dialog_button(
            self.tr("&Export…"),
            self.tr("Save this conversation as a Markdown (.md) or JSON (.json) file."),
        )
        self.close_button = dialog_button(self.tr("Close"), self.tr("Close this window."))
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(lambda: self._open(self.tree.currentItem()))
        self.rename_button.clicked.connect(self._rename)
        self.delete_button.clicked.connect(self._delete)
        self.export_button.clicked.connect(self._export)
        self.close_button.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        for button in (self.open_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)

        self.refresh()
        self.tree.setFocus()
        self.resize(760, 480)

    def refresh(self, select: int | None = None) -> None:
        """Reload the list from the store, keeping (or moving to) the selected conversation."""
        if select is None:
            select = self.current_id()
        self.tree.clear()
        for info in self._store.conversations():  # newest first
            self.tree.addTopLevelItem(self._item(info))
        self._apply_filter()
        match = self._find(select) if select is not None else None
        self._select(match if match is not None else self._first_visible())

    def current_id(self) -> int | None:
        item = self.tree.currentItem()
        value = item.data(0, _ID_ROLE) if item is not None and not item.isHidden() else None
        return value if isinstance(value, int) else None

    def export_to(self, conversation_id: int, path: Path) -> None:
        """Write the conversation to `path`: JSON for a .json file, Markdown otherwise."""
        as_json = path.suffix.lower() == ".json"
        text = exported(self._store, conversation_id, as_json, self._user_name)
        path.write_text(text, encoding="utf-8")

    def _item(self, info: ConversationInfo) -> QTreeWidgetItem:
        item = QTreeWidgetItem(
            [info.title, info.character, _date(info.updated_at), str(info.message_count)]
        )
        item.setData(0, _ID_ROLE, info.id)
        item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        tip = arg(
            self.tr("%1\nWith %2, started %3"), info.title, info.character, _date(info.created_at)
        )
        for column in range(len(_COLUMNS)):
            item.setToolTip(column, tip)
        return item

    def _items(self) -> list[QTreeWidgetItem]:
        found = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in found if item is not None]

    def _select(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            self.tree.setCurrentIndex(QModelIndex())
        else:
            self.tree.setCurrentItem(item)

    def _find(self, conversation_id: int) -> QTreeWidgetItem | None:
        return next(
            (
                item
                for item in self._items()
                if item.data(0, _ID_ROLE) == conversation_id and not item.isHidden()
            ),
            None,
        )

    def _first_visible(self) -> QTreeWidgetItem | None:
        return next((item for item in self._items() if not item.isHidden()), None)

    def _apply_filter(self) -> None:
        wanted = self.filter.text().strip().casefold()
        for item in self._items():
            haystack = f"{item.text(0)}\n{item.text(1)}".casefold()
            item.setHidden(bool(wanted) and wanted not in haystack)
        current = self.tree.currentItem()
        if current is None or current.isHidden():
            self._select(self._first_visible())
        if self.tree.topLevelItemCount() == 0:
            self.empty_label.setText(self.tr("No saved conversations yet."))
        elif self._first_visible() is None:
            self.empty_label.setText(self.tr("No conversation matches the filter."))
        self.empty_label.setVisible(self._first_visible() is None)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current_id() is not None
        for button in (self.open_button, self.rename_button, self.delete_button):
            button.setEnabled(has)
        self.export_button.setEnabled(has)

    def _open(self, item: QTreeWidgetItem | None) -> None:
        value = item.data(0, _ID_ROLE) if item is not None else None
        if isinstance(value, int):
            self.opened.emit(value)
            self.accept()

    def _rename(self) -> None:
        conversation_id = self.current_id()
        if conversation_id is None:
            return
        current = self._store.conversation(conversation_id).title
        title, ok = QInputDialog.getText(
            self,
            self.tr("Rename conversation"),
            self.tr("New title (leave empty for an automatic one):"),
            QLineEdit.EchoMode.Normal,
            current,
        )
        if ok:
            self._store.rename_conversation(conversation_id, title.strip())
            self.refresh(conversation_id)

    def _delete(self) -> None:
        conversation_id = self.current_id()
        if conversation_id is None:
            return
        info = self._store.conversation(conversation_id)
        answer = QMessageBox.question(
            self,
            self.tr("Delete conversation"),
            arg(
                self.tr(
                    "Delete “%1” with %2 (%n messages)?\nThis cannot be undone.",
                    "",
                    info.message_count,
                ),
                info.title,
                info.character,
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        row = self.tree.currentIndex().row()
        self._store.delete_conversation(conversation_id)
        self.deleted.emit(conversation_id)
        self.refresh()
        # Keep the cursor where the deleted row was, so several deletions go quickly.
        neighbour = self.tree.topLevelItem(row) if row >= 0 else None
        if neighbour is not None and not neighbour.isHidden():
            self.tree.setCurrentItem(neighbour)

    def _export(self) -> None:
        conversation_id = self.current_id()
        if conversation_id is None:
            return
        info = self._store.conversation(conversation_id)
        start = Path.home() / f"{_file_stem(info.title)}.md"
        json_filter = self.tr(_JSON_FILTER)
        chosen, chosen_filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Export conversation"),
            str(start),
            f"{self.tr(_MARKDOWN_FILTER)};;{json_filter}",
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() not in (".md", ".json"):
            path = path.with_name(path.name + (".json" if chosen_filter == json_filter else ".md"))
        try:
            self.export_to(conversation_id, path)
        except OSError as error:
            QMessageBox.warning(
                self,
                self.tr("Export failed"),
                arg(self.tr("Could not write %1: %2."), path, error.strerror or error),
            )
