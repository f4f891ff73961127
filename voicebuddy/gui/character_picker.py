"""A gallery of characters to talk to: avatars with names, and the selected one's description."""

from __future__ import annotations

import html
import zlib
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QIcon,
    QImage,
    QImageReader,
    QPainter,
    QPainterPath,
    QPixmap,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.characters.character import Character
from voicebuddy.characters.macros import MacroContext, expand

AVATAR_SIZE = 128
_PLACEHOLDER_COLOURS = ("#e57373", "#f06292", "#ba68c8", "#7986cb", "#4fc3f7", "#4db6ac",
                        "#81c784", "#ffb74d", "#a1887f", "#90a4ae")  # fmt: skip
_NAME_ROLE = Qt.ItemDataRole.UserRole


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
    def __init__(
        self,
        characters: list[Character],
        current: str,
        parent: QWidget | None = None,
        *,
        user_name: str = "User",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a character")
        self._characters = {c.name: c for c in characters}
        self._user_name = user_name

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
        # The default icon-mode look highlights only the name; mark the whole tile instead.
        self.gallery.setStyleSheet(
            "QListWidget::item { border-radius: 10px; padding: 4px; }"
            "QListWidget::item:selected { background: palette(highlight);"
            " color: palette(highlighted-text); }"
        )
        self.gallery.setToolTip("Pick the character to talk to. Double-click or press Enter.")
        for character in characters:
            item = QListWidgetItem(QIcon(avatar_pixmap(character)), character.name)
            item.setData(_NAME_ROLE, character.name)
            item.setToolTip(self._expand(character, character.description) or character.name)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.gallery.addItem(item)

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setMinimumWidth(220)
        self.details.setToolTip("About the selected character.")
        self.details.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        body = QHBoxLayout()
        body.addWidget(self.gallery, 3)
        body.addWidget(self.details, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)

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
        if character is None:
            self.details.setHtml("<p><i>No characters found.</i></p>" if not item else "")
            return
        parts = [f"<h2>{html.escape(character.name)}</h2>"]
        for label, text in (
            ("", character.description),
            ("Personality", character.card.personality),
            ("Greeting", character.card.first_mes),
        ):
            expanded = html.escape(self._expand(character, text)).replace("\n", "<br>")
            if expanded:
                heading = f"<b>{label}:</b> " if label else ""
                parts.append(f"<p>{heading}{expanded}</p>")
        self.details.setHtml("".join(parts))

    def _pick(self, item: QListWidgetItem) -> None:
        self.gallery.setCurrentItem(item)
        self.accept()
