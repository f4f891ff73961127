"""A gallery of characters to talk to: avatars with names, and the selected one's description.
Card files can be imported (button or drag-and-drop) and the selected character exported."""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QMimeData, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QIcon,
    QImage,
    QImageReader,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.characters.character import CARD_SUFFIXES, Character
from voicebuddy.characters.library import export_card, import_card
from voicebuddy.characters.macros import MacroContext, expand
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.gui.i18n import arg

AVATAR_SIZE = 128
_PLACEHOLDER_COLOURS = ("#e57373", "#f06292", "#ba68c8", "#7986cb", "#4fc3f7", "#4db6ac",
                        "#81c784", "#ffb74d", "#a1887f", "#90a4ae")  # fmt: skip
_NAME_ROLE = Qt.ItemDataRole.UserRole
# File dialog filters, in English; shown translated (`CharacterPicker.tr`).
IMPORT_FILTER = str(
    QT_TRANSLATE_NOOP("CharacterPicker", "Character cards (*.png *.json *.charx *.yaml *.yml)")
)
PNG_FILTER = str(QT_TRANSLATE_NOOP("CharacterPicker", "PNG card (*.png)"))
JSON_FILTER = str(QT_TRANSLATE_NOOP("CharacterPicker", "JSON card V3 (*.json)"))
IMPORT_SHORTCUT = QKeySequence("Ctrl+I")
EXPORT_SHORTCUT = QKeySequence("Ctrl+E")


def _file_stem(name: str) -> str:
    """A file name made from a character's name: no path separators or characters Windows
    refuses."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", name).strip(" .")
    return " ".join(stem.split())[:80] or "character"


def card_paths(mime: QMimeData) -> list[Path]:
    """The local card files (by suffix) among dragged data."""
    if not mime.hasUrls():
        return []
    paths = (Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile())
    return [path for path in paths if path.suffix.lower() in CARD_SUFFIXES]


def placeholder_avatar(name: str, size: int = AVATAR_SIZE) -> QPixmap:
    """A coloured circle with the name's initial; the colour is stable for a name."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    colour = _PLACEHOLDER_COLOURS[zlib.crc32(name.encode("utf-8")) % len(_PLACEHOLDER_COLOURS)]
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(QRectF(2, 2, size - 4, size - 4))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(size * 9 // 20)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    initial = name.strip()[:1].upper() or "?"
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, initial)
    painter.end()
    return pixmap


def _load_image(path: Path, size: int) -> QImage:
    """The image at `path` covering a `size` square; SVGs are rendered at that size."""
    reader = QImageReader(str(path))
    original = reader.size()
    if original.isValid() and original.width() > 0 and original.height() > 0:
        # Render vector images (and decode large bitmaps) straight at the target size.
        reader.setScaledSize(
            original.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatioByExpanding)
        )
    return reader.read()


def avatar_pixmap(character: Character, size: int = AVATAR_SIZE) -> QPixmap:
    """The character's avatar cropped to a rounded square, or a placeholder."""
    image = _load_image(character.avatar, size) if character.avatar else QImage()
    if image.isNull():
        return placeholder_avatar(character.name, size)
    image = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                         Qt.TransformationMode.SmoothTransformation)  # fmt: skip
    # Card art is usually a portrait with the face near the top: crop the top of tall images.
    source = QRectF((image.width() - size) / 2, 0, size, size)
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHints(
        QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
    )
    clip = QPainterPath()
    clip.addRoundedRect(QRectF(0, 0, size, size), size * 0.16, size * 0.16)
    painter.setClipPath(clip)
    painter.drawImage(QRectF(0, 0, size, size), image, source)
    painter.end()
    return pixmap


class CharacterPicker(QDialog):
    """Pick a character; `user_folder` is where imported cards go (None: no importing)."""

    imported = Signal(object)  # a Character, once its card is in the user's folder

    def __init__(
        self,
        characters: list[Character],
        current: str,
        parent: QWidget | None = None,
        *,
        user_name: str = "User",
        user_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Choose a character"))
        self._characters = {c.key: c for c in characters}
        self._user_name = user_name
        self._user_folder = user_folder
        self.setAcceptDrops(user_folder is not None)

        self.gallery = QListWidget()
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(AVATAR_SIZE, AVATAR_SIZE))
        self.gallery.setGridSize(QSize(AVATAR_SIZE + 40, AVATAR_SIZE + 48))
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setWordWrap(True)
        self.gallery.setUniformItemSizes(True)
        self.gallery.setSpacing(4)
        self.gallery.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        # No dragging tiles around, and dropped files must fall through to the dialog. (Set
        # after the view and movement modes, which switch dragging back on.)
        self.gallery.setDragDropMode(QListWidget.DragDropMode.NoDragDrop)
        # The default icon-mode look highlights only the name; mark the whole tile instead.
        self.gallery.setStyleSheet(
            "QListWidget::item { border-radius: 10px; padding: 4px; }"
            "QListWidget::item:selected { background: palette(highlight);"
            " color: palette(highlighted-text); }"
        )
        self.gallery.setToolTip(
            self.tr("Pick the character to talk to. Double-click or press Enter.")
        )
        for character in characters:
            item = QListWidgetItem()
            self._fill_item(item, character)
            self.gallery.addItem(item)

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setMinimumWidth(220)
        self.details.setToolTip(self.tr("About the selected character."))
        self.details.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        import_keys = IMPORT_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
        export_keys = EXPORT_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
        self.import_button = _button(
            self.tr("&Import…"),
            arg(
                self.tr(
                    "Add character cards (PNG, CHARX, JSON or YAML) to your characters"
                    " (%1). You can also drop card files onto this window."
                ),
                import_keys,
            ),
        )
        self.export_button = _button(
            self.tr("&Export…"),
            arg(
                self.tr("Save the selected character as a PNG or JSON character card (%1)."),
                export_keys,
            ),
        )
        self.import_button.clicked.connect(self.choose_imports)
        self.export_button.clicked.connect(self.choose_export)
        self.import_button.setEnabled(user_folder is not None)
        self.import_shortcut = QShortcut(IMPORT_SHORTCUT, self)
        self.import_shortcut.activated.connect(self.choose_imports)
        self.import_shortcut.setEnabled(user_folder is not None)
        self.export_shortcut = QShortcut(EXPORT_SHORTCUT, self)
        self.export_shortcut.activated.connect(self.choose_export)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        body = QHBoxLayout()
        body.addWidget(self.gallery, 3)
        body.addWidget(self.details, 2)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addWidget(self.export_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)

        self.gallery.currentItemChanged.connect(self._show_details)
        self.gallery.itemDoubleClicked.connect(self._pick)
        self._select(current)
        self.gallery.setFocus()
        self.resize(760, 520)

    def selected_name(self) -> str | None:
        item = self.gallery.currentItem()
        if item is None or not item.isSelected():
            return None
        name = item.data(_NAME_ROLE)
        return name if isinstance(name, str) else None

    def selected_character(self) -> Character | None:
        """The selected character, including one imported while the dialog was open."""
        name = self.selected_name()
        return self._characters.get(name) if name is not None else None

    def import_files(self, paths: Iterable[Path]) -> list[Character]:
        """Import card files into the user's folder, show them in the gallery (in place of a
        same-named one) and select the last; each file that fails gets a warning."""
        if self._user_folder is None:
            return []
        done: list[Character] = []
        already: list[Character] = []
        for path in paths:
            try:
                outcome = import_card(path, self._user_folder)
            except VoiceBuddyError as error:
                QMessageBox.warning(self, self.tr("Import failed"), error.message)
                continue
            except OSError as error:  # e.g. the user's folder cannot be created
                QMessageBox.warning(
                    self,
                    self.tr("Import failed"),
                    arg(self.tr("Could not import %1: %2."), path, error.strerror or error),
                )
                continue
            character = outcome.character
            self._show_character(character)
            if outcome.status == "already_imported":
                already.append(character)
                continue
            done.append(character)
            self.imported.emit(character)
        if already and not done:
            self.status.setText(
                arg(self.tr("%1 is already imported: nothing changed."), already[-1].name)
            )
        elif len(done) == 1 and done[0].key != done[0].name:
            self.status.setText(
                arg(
                    self.tr("Imported %1 as %2: another card named %1 is already there."),
                    done[0].name,
                    done[0].key,
                )
            )
        elif len(done) == 1:
            self.status.setText(arg(self.tr("Imported %1."), done[0].name))
        elif done:
            self.status.setText(self.tr("Imported %n characters.", "", len(done)))
        return done

    def choose_imports(self) -> None:
        if self._user_folder is None:
            return
        chosen, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Import character cards"), str(Path.home()), self.tr(IMPORT_FILTER)
        )
        self.import_files(Path(name) for name in chosen)

    def choose_export(self) -> None:
        character = self.selected_character()
        if character is None:
            return
        start = Path.home() / f"{_file_stem(character.name)}.png"
        json_filter = self.tr(JSON_FILTER)
        chosen, chosen_filter = QFileDialog.getSaveFileName(
            self, self.tr("Export character"), str(start), f"{self.tr(PNG_FILTER)};;{json_filter}"
        )
        if not chosen:
            return
        out = Path(chosen)
        if out.suffix.lower() not in (".png", ".json"):
            out = out.with_name(out.name + (".json" if chosen_filter == json_filter else ".png"))
        try:
            export_card(character, out)
        except VoiceBuddyError as error:
            QMessageBox.warning(self, self.tr("Export failed"), error.message)
            return
        self.status.setText(arg(self.tr("Exported to %1"), out))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._offer(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._offer(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = card_paths(event.mimeData()) if self._user_folder is not None else []
        if not paths:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        # Import after the drop returns: warnings shown inside the drop would keep the file
        # manager that started the drag waiting for them.
        QTimer.singleShot(0, self, partial(self.import_files, paths))

    def _offer(self, event: QDragMoveEvent) -> None:
        copyable = bool(event.possibleActions() & Qt.DropAction.CopyAction)
        if self._user_folder is not None and copyable and card_paths(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def _fill_item(self, item: QListWidgetItem, character: Character) -> None:
        item.setIcon(QIcon(avatar_pixmap(character)))
        item.setText(character.name if character.key == character.name else character.key)
        item.setData(_NAME_ROLE, character.key)
        item.setToolTip(self._expand(character, character.description) or character.name)
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)

    def _show_character(self, character: Character) -> None:
        """Put `character` in the gallery, replacing its tile if it has one, and select it."""
        wanted = character.key.casefold()
        item = next(
            (
                self.gallery.item(i)
                for i in range(self.gallery.count())
                if str(self.gallery.item(i).data(_NAME_ROLE)).casefold() == wanted
            ),
            None,
        )
        if item is None:
            item = QListWidgetItem()
            self.gallery.addItem(item)
        else:
            self._characters.pop(str(item.data(_NAME_ROLE)), None)
        self._characters[character.key] = character
        self._fill_item(item, character)
        self.gallery.setCurrentItem(item)
        self.gallery.scrollToItem(item)
        self._show_details(item)  # the current item may not have changed, but its card has

    def _expand(self, character: Character, text: str) -> str:
        ctx = MacroContext.for_card(character.card, self._user_name, datetime.now(), seed=0)
        return expand(text, ctx).strip()

    def _select(self, name: str) -> None:
        wanted = name.strip().casefold()
        row = next(
            (
                i
                for i in range(self.gallery.count())
                if str(self.gallery.item(i).data(_NAME_ROLE)).casefold() == wanted
            ),
            0,
        )
        if self.gallery.count():
            self.gallery.setCurrentRow(row)
        self._show_details(self.gallery.currentItem())

    def _show_details(self, item: QListWidgetItem | None) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(item is not None)
        character = self._characters.get(str(item.data(_NAME_ROLE))) if item else None
        self.export_button.setEnabled(character is not None)
        self.export_shortcut.setEnabled(character is not None)
        if character is None:
            none_found = html.escape(self.tr("No characters found."))
            self.details.setHtml(f"<p><i>{none_found}</i></p>" if not item else "")
            return
        parts = [f"<h2>{html.escape(character.name)}</h2>"]
        for label, text in (
            ("", character.description),
            (self.tr("Personality:"), character.card.personality),
            (self.tr("Greeting:"), character.card.first_mes),
        ):
            expanded = html.escape(self._expand(character, text)).replace("\n", "<br>")
            if expanded:
                heading = f"<b>{label}</b> " if label else ""
                parts.append(f"<p>{heading}{expanded}</p>")
        self.details.setHtml("".join(parts))

    def _pick(self, item: QListWidgetItem) -> None:
        self.gallery.setCurrentItem(item)
        self.accept()


def _button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setAutoDefault(False)
    return button
