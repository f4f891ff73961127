"""The settings, character and history dialogs, driven through pytest-qt.

Set VOICEBUDDY_SCREENSHOTS=DIR to save a picture of each dialog at 800x600 into DIR.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QListWidgetItem,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from voicebuddy.audio.playback import AudioDevice
from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.character import ASSETS_DIR, BUNDLED_DIR, Character, list_characters
from voicebuddy.config import Settings
from voicebuddy.engines.tts import Voice
from voicebuddy.gui.character_picker import CharacterPicker
from voicebuddy.gui.history_dialog import HistoryDialog
from voicebuddy.gui.settings_dialog import SettingsChoices, SettingsDialog, language_label
from voicebuddy.storage import Store

CHOICES = SettingsChoices(
    input_devices=[
        AudioDevice(0, "Built-in Microphone", 48000, 2, True),
        AudioDevice(2, "USB Headset", 16000, 1, False),
    ],
    output_devices=[
        AudioDevice(1, "Built-in Speakers", 48000, 2, True),
        AudioDevice(3, "USB Headset", 48000, 2, False),
    ],
    voices=[
        Voice("gmw/en-us", "English (America)", ("en-us",)),
        Voice("gmw/de", "German", ("de",)),
        Voice("sit/cmn", "Chinese (Mandarin)", ("cmn",)),
    ],
    languages=["auto", "en", "de", "zh"],
    stt_models=["auto", "tiny.en", "base"],
)


def screenshot(widget: QWidget, name: str) -> None:
    folder = os.environ.get("VOICEBUDDY_SCREENSHOTS")
    if folder:
        widget.resize(800, 600)
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert widget.grab().save(str(Path(folder) / f"{name}.png"))


def double_click(qtbot: QtBot, viewport: QWidget, pos: QPoint) -> None:
    # QTest's double-click event alone does not reach an item view's doubleClicked: the view
    # only reports it after a press on the same item, as a real double-click has.
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=pos)


def ok_button(box: QDialogButtonBox) -> Any:
    return box.button(QDialogButtonBox.StandardButton.Ok)


# --- settings -------------------------------------------------------------------------------


@pytest.fixture
def settings_dialog(qtbot: QtBot) -> tuple[SettingsDialog, Settings, Settings]:
    settings = Settings()
    settings.llm.threads = 3  # no widget: must pass through
    settings.chat.character = "Zed"
    before = copy.deepcopy(settings)
    dialog = SettingsDialog(settings, CHOICES)
    qtbot.addWidget(dialog)
    return dialog, settings, before


def test_unchanged_dialog_returns_equal_settings(
    settings_dialog: tuple[SettingsDialog, Settings, Settings],
) -> None:
    dialog, settings, _ = settings_dialog
    result = dialog.result_settings()
    assert result == settings
    assert result is not settings


def test_settings_round_trip(
    qtbot: QtBot, tmp_path: Path, settings_dialog: tuple[SettingsDialog, Settings, Settings]
) -> None:
    dialog, settings, before = settings_dialog
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    whisper_dir = tmp_path / "faster-whisper-small"
    whisper_dir.mkdir()

    dialog.llm_model.setText(str(model))
    dialog.gpu_layers.setValue(0)
    dialog.context_size.setValue(4096)
    dialog.temperature.setValue(1.25)
    dialog.top_p.setValue(0.5)
    dialog.repeat_penalty.setValue(1.3)
    dialog.max_reply_tokens.setValue(320)
    dialog.whisper_model.setCurrentText(str(whisper_dir))
    dialog.language.setCurrentIndex(dialog.language.findData("de"))
    dialog.input_device.setCurrentIndex(dialog.input_device.findText("USB Headset"))
    dialog.output_device.setCurrentIndex(dialog.output_device.findText("USB Headset"))
    dialog.voice.setCurrentIndex(dialog.voice.findData("gmw/de"))
    dialog.rate.setValue(200)
    dialog.speak_replies.setChecked(False)
    dialog.hold_key.setKeySequence(QKeySequence("F9"))
    dialog.user_name.setText("  Ada ")
    screenshot(dialog, "settings-models")

    result = dialog.result_settings()

    assert settings == before, "the input settings must not change"
    assert result.llm.model == str(model)
    assert (result.llm.gpu_layers, result.llm.context_size) == (0, 4096)
    assert (result.llm.temperature, result.llm.top_p, result.llm.repeat_penalty) == (
        1.25,
        0.5,
        1.3,
    )
    assert result.llm.max_reply_tokens == 320
    assert result.llm.threads == 3
    assert (result.stt.model, result.stt.language) == (str(whisper_dir), "de")
    assert (result.audio.input_device, result.audio.output_device) == ("USB Headset",) * 2
    assert (result.tts.voice, result.tts.rate, result.tts.speak_replies) == ("gmw/de", 200, False)
    assert (result.chat.hold_key, result.chat.user_name) == ("F9", "Ada")
    assert result.chat.character == "Zed"

    dialog.show()
    qtbot.mouseClick(ok_button(dialog.buttons), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_defaults_and_unknown_choices_survive(qtbot: QtBot) -> None:
    settings = Settings()
    settings.audio.input_device = "Unplugged Mic"
    settings.tts.voice = "missing/voice"
    settings.tts.rate = 0
    dialog = SettingsDialog(settings, CHOICES)
    qtbot.addWidget(dialog)
    assert dialog.input_device.currentText() == "Unplugged Mic (not connected)"
    assert dialog.output_device.currentText() == "System default"
    assert dialog.rate.text() == "Voice default"
    result = dialog.result_settings()
    assert result.audio.input_device == "Unplugged Mic"
    assert result.audio.output_device == ""
    assert (result.tts.voice, result.tts.rate) == ("missing/voice", 0)


def test_hold_key_drops_modifiers(
    qtbot: QtBot, settings_dialog: tuple[SettingsDialog, Settings, Settings]
) -> None:
    dialog, _, _ = settings_dialog
    dialog.show()
    dialog.tabs.setCurrentIndex(1)
    dialog.hold_key.setFocus()
    dialog.hold_key.clear()
    qtbot.keyClick(dialog.hold_key, Qt.Key.Key_F8, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result_settings().chat.hold_key == "F8"
    screenshot(dialog, "settings-voice")
    dialog.tabs.setCurrentIndex(2)
    screenshot(dialog, "settings-conversation")


def test_every_settings_field_has_a_tooltip(
    settings_dialog: tuple[SettingsDialog, Settings, Settings],
) -> None:
    dialog, _, _ = settings_dialog
    fields = [
        dialog.llm_model, dialog.lora, dialog.gpu_layers, dialog.context_size,
        dialog.whisper_model, dialog.language, dialog.input_device, dialog.output_device,
        dialog.voice, dialog.rate, dialog.speak_replies, dialog.hold_key, dialog.user_name,
        dialog.temperature, dialog.top_p, dialog.repeat_penalty, dialog.max_reply_tokens,
    ]  # fmt: skip
    assert all(widget.toolTip() for widget in fields)


@pytest.mark.parametrize("field", ["llm", "lora", "whisper"])
def test_bad_path_keeps_dialog_open(
    qtbot: QtBot,
    tmp_path: Path,
    settings_dialog: tuple[SettingsDialog, Settings, Settings],
    field: str,
) -> None:
    dialog, _, _ = settings_dialog
    missing = str(tmp_path / "nowhere" / "model.gguf")
    if field == "llm":
        dialog.llm_model.setText(missing)
    elif field == "lora":
        dialog.lora.setText(missing)
    else:
        dialog.whisper_model.setCurrentText(missing)
    dialog.show()
    dialog.tabs.setCurrentIndex(2)
    qtbot.waitExposed(dialog)

    qtbot.mouseClick(ok_button(dialog.buttons), Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_label.isVisible()
    assert missing in dialog.error_label.text()
    assert dialog.tabs.currentIndex() == 0, "the tab with the bad field is shown"
    if field == "llm":
        screenshot(dialog, "settings-error")

    # A folder is not a model file; an existing file is fine.
    good = tmp_path / "good.gguf"
    good.write_bytes(b"GGUF")
    for widget in (dialog.llm_model, dialog.lora):
        widget.setText(str(tmp_path) if field == "llm" and widget is dialog.llm_model else "")
    if field == "llm":
        qtbot.mouseClick(ok_button(dialog.buttons), Qt.MouseButton.LeftButton)
        assert dialog.isVisible()
        dialog.llm_model.setText(str(good))
    dialog.whisper_model.setCurrentText("tiny.en")
    qtbot.mouseClick(ok_button(dialog.buttons), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()


# --- character picker -----------------------------------------------------------------------


@pytest.fixture
def characters(tmp_path: Path) -> list[Character]:
    portrait = QImage(200, 300, QImage.Format.Format_RGB32)
    portrait.fill(QColor("#336699"))
    portrait.save(str(tmp_path / "portrait.png"))
    bundled = [c for c in list_characters([BUNDLED_DIR]) if c.name == "Buddy"]
    return [
        *bundled,
        Character(
            CharacterCard(
                name="Captain Nova",
                description="A starship captain who explains {{user}}'s questions with space.",
            ),
            avatar=tmp_path / "portrait.png",
        ),
        Character(CharacterCard(name="Zed", description="A laconic detective.")),
        Character(
            CharacterCard(name="ångström", description="Small and precise."),
            avatar=tmp_path / "gone.png",
        ),
    ]


def test_picker_shows_every_character_with_an_icon(
    qtbot: QtBot, characters: list[Character]
) -> None:
    assert characters[0].avatar is not None
    assert characters[0].avatar.parent == ASSETS_DIR / "avatars"
    picker = CharacterPicker(characters, "zed", user_name="Ada")
    qtbot.addWidget(picker)
    items = [picker.gallery.item(i) for i in range(picker.gallery.count())]
    assert [item.text() for item in items] == [c.name for c in characters]
    for item in items:
        icon = item.icon().pixmap(128, 128).toImage()
        assert not icon.isNull()
        assert icon.pixelColor(64, 64).alpha() == 255, f"{item.text()} has an empty avatar"
    assert picker.selected_name() == "Zed"
    assert "laconic detective" in picker.details.toPlainText()
    nova = next(item for item in items if item.text() == "Captain Nova")
    assert "Ada's questions" in nova.toolTip()
    picker.show()
    screenshot(picker, "character-picker")


def test_picker_double_click_picks(qtbot: QtBot, characters: list[Character]) -> None:
    picker = CharacterPicker(characters, "Buddy")
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    target: QListWidgetItem = picker.gallery.item(2)
    centre = picker.gallery.visualItemRect(target).center()
    double_click(qtbot, picker.gallery.viewport(), centre)
    assert picker.result() == QDialog.DialogCode.Accepted
    assert picker.selected_name() == "Zed"


def test_picker_keyboard(qtbot: QtBot, characters: list[Character]) -> None:
    picker = CharacterPicker(characters, "Buddy")
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    assert picker.selected_name() == "Buddy"
    qtbot.keyClick(picker.gallery, Qt.Key.Key_Right)
    assert picker.selected_name() == "Captain Nova"
    assert "starship captain" in picker.details.toPlainText()
    qtbot.keyClick(picker.gallery, Qt.Key.Key_Return)
    assert picker.result() == QDialog.DialogCode.Accepted
    assert picker.selected_name() == "Captain Nova"


def test_picker_without_characters(qtbot: QtBot) -> None:
    picker = CharacterPicker([], "Buddy")
    qtbot.addWidget(picker)
    assert picker.selected_name() is None
    assert not ok_button(picker.buttons).isEnabled()


# --- history --------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "history.sqlite3")
    for character, title, lines in (
        ("Buddy", "", ["What's the weather like on Mars?", "Cold and dusty."]),
        ("Zed", "The missing cat", ["Where is my cat?", "*lights a cigarette* On the roof."]),
        ("Buddy", "Breakfast ideas", ["Ideas for breakfast?", "Porridge with berries."]),
    ):
        conversation = store.create_conversation(character, title)
        for index, line in enumerate(lines):
            store.add_message(conversation, "user" if index % 2 == 0 else "assistant", line)
    return store


def titles(dialog: HistoryDialog) -> list[str]:
    tree = dialog.tree
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return [item.text(0) for item in items if item is not None and not item.isHidden()]


def test_history_lists_newest_first_and_filters(qtbot: QtBot, store: Store) -> None:
    dialog = HistoryDialog(store, "Ada")
    qtbot.addWidget(dialog)
    assert titles(dialog) == [
        "Breakfast ideas",
        "The missing cat",
        "What's the weather like on Mars?",
    ]
    first = dialog.tree.topLevelItem(0)
    assert first is not None
    assert (first.text(1), first.text(3)) == ("Buddy", "2")
    dialog.show()
    screenshot(dialog, "history")

    qtbot.keyClicks(dialog.filter, "zed")
    assert titles(dialog) == ["The missing cat"]
    assert dialog.current_id() == store.conversations("Zed")[0].id
    dialog.filter.setText("nothing like this")
    assert titles(dialog) == []
    assert dialog.current_id() is None
    assert not dialog.open_button.isEnabled()
    assert dialog.empty_label.isVisible()
    dialog.filter.clear()
    assert len(titles(dialog)) == 3


def test_history_rename_and_delete(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = HistoryDialog(store, "Ada")
    qtbot.addWidget(dialog)
    cat = store.conversations("Zed")[0].id
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(1))
    assert dialog.current_id() == cat

    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Cat on a roof", True))
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    assert store.conversation(cat).title == "Cat on a roof"
    assert "Cat on a roof" in titles(dialog)
    assert dialog.current_id() == cat

    asked: list[str] = []

    def answer_yes(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer_yes)
    with qtbot.waitSignal(dialog.deleted, timeout=1000) as signal:
        qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert signal.args == [cat]
    assert "Cat on a roof" in asked[0]
    assert cat not in [info.id for info in store.conversations()]
    assert titles(dialog) == ["Breakfast ideas", "What's the weather like on Mars?"]
    assert dialog.current_id() is not None

    monkeypatch.setattr(
        QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.No
    )
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert len(store.conversations()) == 2


@pytest.mark.parametrize(
    ("name", "chosen_filter", "expected"),
    [
        ("chat", "JSON (*.json)", "chat.json"),
        ("chat.md", "JSON (*.json)", "chat.md"),
        ("chat", "Markdown (*.md)", "chat.md"),
        ("chat.json", "Markdown (*.md)", "chat.json"),
    ],
)
def test_history_export(
    qtbot: QtBot,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    chosen_filter: str,
    expected: str,
) -> None:
    dialog = HistoryDialog(store, "Ada")
    qtbot.addWidget(dialog)
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(1))  # The missing cat, with Zed
    offered: list[str] = []

    def save_as(*args: Any, **kwargs: Any) -> tuple[str, str]:
        offered.append(str(args[2]))
        return str(tmp_path / name), chosen_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert offered[0].endswith("The missing cat.md")
    written = tmp_path / expected
    text = written.read_text(encoding="utf-8")
    if expected.endswith(".json"):
        document = json.loads(text)
        assert document["title"] == "The missing cat"
        assert [m["role"] for m in document["messages"]] == ["user", "assistant"]
    else:
        assert text.startswith("# The missing cat")
        assert "**Ada:** Where is my cat?" in text
        assert "**Zed:** *lights a cigarette* On the roof." in text


def test_history_open(qtbot: QtBot, store: Store) -> None:
    dialog = HistoryDialog(store, "Ada")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    newest = store.conversations()[0].id
    with qtbot.waitSignal(dialog.opened, timeout=1000) as signal:
        qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert signal.args == [newest]
    assert dialog.result() == QDialog.DialogCode.Accepted

    again = HistoryDialog(store, "Ada")
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    item = again.tree.topLevelItem(2)
    assert item is not None
    rect = again.tree.visualItemRect(item)
    oldest = store.conversations()[-1].id
    with qtbot.waitSignal(again.opened, timeout=1000) as signal:
        double_click(qtbot, again.tree.viewport(), rect.center())
    assert signal.args == [oldest]


def test_history_open_with_enter_emits_once(qtbot: QtBot, store: Store) -> None:
    dialog = HistoryDialog(store, "Ada")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    seen: list[int] = []
    dialog.opened.connect(seen.append)
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)
    assert seen == [store.conversations()[1].id]


def test_language_labels() -> None:
    assert [language_label(code) for code in ("auto", "de", "jw", "xx")] == [
        "Auto-detect",
        "German (de)",
        "Javanese (jw)",
        "xx",
    ]
