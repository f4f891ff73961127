"""Small helpers shared by the dialogs: labelled rows with tool tips, buttons,
combo boxes whose items carry a value, and where a file dialog starts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QPushButton, QWidget


def form_row(
    form: QFormLayout, label: str, widget: QWidget, tip: str, buddy: QWidget | None = None
) -> None:
    """Add a labelled row; the label's mnemonic focuses `buddy` (default: the widget's focus
    proxy, else the widget)."""
    widget.setToolTip(tip)
    if not label:
        form.addRow(widget)
        return
    caption = QLabel(label)
    caption.setBuddy(buddy or widget.focusProxy() or widget)
    caption.setToolTip(tip)
    form.addRow(caption, widget)


def select_data(combo: QComboBox, value: str, missing_label: str) -> None:
    """Select the item whose data is `value`, adding it (labelled) if the list lacks it, so a
    setting for an unplugged device or an uninstalled voice survives a round trip."""
    index = combo.findData(value)
    if index < 0:
        combo.addItem(missing_label, value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


def combo_data(combo: QComboBox) -> str:
    data = combo.currentData()
    return data if isinstance(data, str) else ""


def start_dir(current: str) -> str:
    """The folder a file dialog opens in: that of `current`, else the home folder."""
    path = Path(current).expanduser() if current else Path.home()
    return str(path if path.is_dir() else path.parent)


def dialog_button(text: str, tip: str) -> QPushButton:
    """A dialog's button that Enter does not press (the dialog's own default does)."""
    made = QPushButton(text)
    made.setToolTip(tip)
    made.setAutoDefault(False)
    return made
