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
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
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
from voicebuddy.characters.card_files import read_card, write_card_png
from voicebuddy.characters.character import ASSETS_DIR, BUNDLED_DIR, Character, list_characters
from voicebuddy.config import Settings
from voicebuddy.engines.tts import Voice
from voicebuddy.gui.character_picker import (
    IMPORT_FILTER,
    JSON_FILTER,
    PNG_FILTER,
    CharacterPicker,
)
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
        Voice(
            "en_US-amyben-medium",
            "amyben (en_US)",
            ("en_US", "en"),
            engine="piper",
            quality="medium",
            speakers=("amy", "ben"),
            path="/voices/en_US-amyben-medium.onnx",
        ),
        Voice("en_US-joe-medium", "joe (en_US)", ("en_US", "en"), engine="piper"),
        Voice("gmw/en-us", "English (America)", ("en-us",), engine="system"),
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
    dialog.speech.voice.setCurrentIndex(dialog.speech.voice.findData("gmw/de"))
    dialog.speech.rate.setValue(200)
    dialog.speech.speak_replies.setChecked(False)
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
    assert dialog.speech.rate.text() == "Voice default"
    assert dialog.speech.pace.text() == "Voice default"
    assert dialog.speech.voice.currentText() == "missing/voice (not installed)"
    result = dialog.result_settings()
    assert result.audio.input_device == "Unplugged Mic"
    assert result.audio.output_device == ""
    assert (result.tts.voice, result.tts.rate) == ("missing/voice", 0)


def piper_voice_file(folder: Path, name: str, speakers: tuple[str, ...] = ()) -> Path:
    """A Piper voice as far as its config goes (the model is never loaded here)."""
    model = folder / f"{name}.onnx"
    model.write_bytes(b"not loaded")
    config = {
        "audio": {"sample_rate": 22050, "quality": "low"},
        "espeak": {"voice": "en-us"},
        "language": {"code": "en_US"},
        "num_symbols": 256,
        "num_speakers": max(len(speakers), 1),
        "speaker_id_map": {speaker: i for i, speaker in enumerate(speakers)},
        "phoneme_id_map": {"_": [0]},
    }
    (folder / f"{name}.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    return model


def test_voices_say_which_engine_speaks(
    settings_dialog: tuple[SettingsDialog, Settings, Settings],
) -> None:
    voice = settings_dialog[0].speech.voice
    texts = [voice.itemText(i) for i in range(voice.count())]
    assert texts[:4] == [
        "Character's voice (or the default)",
        "amyben (en_US) — natural (Piper)",
        "joe (en_US) — natural (Piper)",
        "English (America) — system",
    ]
    tip = voice.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert tip.splitlines() == [
        "en_US-amyben-medium: en_US, en",
        "Quality: medium",
        "Speakers: 2",
        "/voices/en_US-amyben-medium.onnx",
    ]
    assert voice.itemData(3, Qt.ItemDataRole.ToolTipRole) == "gmw/en-us: en-us"


def test_a_voice_with_speakers_offers_them(
    settings_dialog: tuple[SettingsDialog, Settings, Settings],
) -> None:
    dialog = settings_dialog[0]
    speech = dialog.speech
    assert not speech.speaker.isEnabled(), "the character's voice: no speakers to choose"

    speech.voice.setCurrentIndex(speech.voice.findData("en_US-amyben-medium"))
    assert speech.speaker.isEnabled()
    assert [speech.speaker.itemText(i) for i in range(speech.speaker.count())] == ["amy", "ben"]
    assert speech.speaker.currentText() == "", "empty: the voice's default speaker"
    speech.speaker.setCurrentIndex(1)
    result = dialog.result_settings()
    assert (result.tts.voice, result.tts.speaker) == ("en_US-amyben-medium", "ben")

    speech.voice.setCurrentIndex(speech.voice.findData("gmw/de"))
    assert not speech.speaker.isEnabled()
    assert dialog.result_settings().tts.speaker == ""

    speech.voice.setCurrentIndex(speech.voice.findData("en_US-amyben-medium"))
    assert speech.speaker.currentText() == ""
    speech.speaker.setEditText(" 1 ")  # by number
    assert dialog.result_settings().tts.speaker == "1"


def test_pace_volume_and_speaker_round_trip(qtbot: QtBot) -> None:
    settings = Settings()
    settings.tts.voice = "en_US-amyben-medium"
    settings.tts.speaker = "amy"
    settings.tts.length_scale = 1.25
    settings.tts.volume = 0.75
    dialog = SettingsDialog(settings, CHOICES)
    qtbot.addWidget(dialog)
    speech = dialog.speech
    assert speech.speaker.currentText() == "amy"
    assert (speech.pace.value(), speech.volume.value()) == (1.25, 0.75)
    assert dialog.result_settings() == settings

    speech.pace.setValue(0.9)
    speech.volume.setValue(1.5)
    result = dialog.result_settings()
    assert (result.tts.length_scale, result.tts.volume) == (0.9, 1.5)

    speech.pace.setValue(speech.pace.minimum())
    assert speech.pace.text() == "Voice default"
    assert dialog.result_settings().tts.length_scale == 0.0
    speech.pace.stepUp()
    assert dialog.result_settings().tts.length_scale == 0.25, "the default, then the slowest"


def test_the_voice_file_button_adds_and_selects_the_file(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings_dialog: tuple[SettingsDialog, Settings, Settings],
) -> None:
    dialog = settings_dialog[0]
    speech = dialog.speech
    model = piper_voice_file(tmp_path, "en_US-duo-low", speakers=("cy", "dee"))
    chosen = [str(model), "", str(model)]
    filters: list[str] = []

    def open_file(*args: Any, **kwargs: Any) -> tuple[str, str]:
        filters.append(str(args[3]))
        return chosen.pop(0), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_file)
    count = speech.voice.count()
    qtbot.mouseClick(speech.voice_file_button, Qt.MouseButton.LeftButton)

    assert filters == ["Piper voices (*.onnx)"]
    assert speech.voice.count() == count + 1
    assert speech.voice.currentText() == "en_US-duo-low.onnx — natural (Piper)"
    assert speech.voice.currentData() == str(model)
    assert speech.speaker.isEnabled(), "the file's config names two speakers"
    assert [speech.speaker.itemText(i) for i in range(speech.speaker.count())] == ["cy", "dee"]
    assert dialog.result_settings().tts.voice == str(model)

    speech.voice.setCurrentIndex(0)
    qtbot.mouseClick(speech.voice_file_button, Qt.MouseButton.LeftButton)  # cancelled
    assert speech.voice.currentIndex() == 0
    qtbot.mouseClick(speech.voice_file_button, Qt.MouseButton.LeftButton)  # chosen again
    assert speech.voice.count() == count + 1, "a file is listed once"
    assert dialog.result_settings().tts.voice == str(model)


def test_a_voice_file_setting_shows_the_file_name(qtbot: QtBot, tmp_path: Path) -> None:
    model = tmp_path / "my-voice.onnx"
    model.write_bytes(b"no config beside it")
    settings = Settings()
    settings.tts.voice = str(model)
    dialog = SettingsDialog(settings, CHOICES)
    qtbot.addWidget(dialog)
    voice = dialog.speech.voice
    assert voice.currentText() == "my-voice.onnx — natural (Piper)"
    assert voice.currentData() == str(model)
    assert str(model) in voice.itemData(voice.currentIndex(), Qt.ItemDataRole.ToolTipRole)
    assert dialog.result_settings().tts.voice == str(model)

    settings.tts.voice = str(tmp_path / "gone.onnx")
    dialog = SettingsDialog(settings, CHOICES)
    qtbot.addWidget(dialog)
    assert dialog.speech.voice.currentText() == f"{tmp_path / 'gone.onnx'} (not installed)"
    assert dialog.result_settings().tts.voice == str(tmp_path / "gone.onnx")


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
        dialog.speech.voice, dialog.speech.voice_file_button, dialog.speech.speaker,
        dialog.speech.pace, dialog.speech.rate, dialog.speech.volume, dialog.speech.speak_replies,
        dialog.hold_key, dialog.user_name,
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


# --- character import and export ------------------------------------------------------------


def card_file(path: Path, name: str, description: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_card_png(CharacterCard(name=name, description=description), None, path)
    return path


def gallery_names(picker: CharacterPicker) -> list[str]:
    return [picker.gallery.item(i).text() for i in range(picker.gallery.count())]


def record_warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    warnings: list[str] = []

    def warn(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        warnings.append(str(args[2]))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warn)
    return warnings


def drag(picker: CharacterPicker, widget: QWidget, files: list[Path]) -> tuple[bool, bool]:
    """Drag `files` over the middle of `widget` and drop them, through the dialog's window as
    a real drag arrives; whether the drag and the drop were accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(file)) for file in files])
    pos = QPointF(widget.mapTo(picker, widget.rect().center()))
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    window = picker.windowHandle()
    enter = QDragEnterEvent(pos.toPoint(), actions, mime, buttons, modifiers)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False, False
    drop = QDropEvent(pos, actions, mime, buttons, modifiers)
    QApplication.sendEvent(window, drop)
    return True, drop.isAccepted()


def test_picker_import_button(
    qtbot: QtBot, characters: list[Character], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_folder = tmp_path / "mine"
    nova = card_file(tmp_path / "in" / "nova.png", "Captain Nova", "Now commands a sailing ship.")
    mira = card_file(tmp_path / "in" / "mira.png", "Mira", "A botanist on a moon base.")
    filters: list[str] = []

    def open_files(*args: Any, **kwargs: Any) -> tuple[list[str], str]:
        filters.append(str(args[3]))
        return [str(nova), str(mira)], str(args[3])

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", open_files)
    warnings = record_warnings(monkeypatch)
    picker = CharacterPicker(characters, "Zed", user_folder=user_folder)
    qtbot.addWidget(picker)
    emitted: list[Character] = []
    picker.imported.connect(emitted.append)
    assert picker.import_button.isEnabled()
    qtbot.mouseClick(picker.import_button, Qt.MouseButton.LeftButton)

    assert filters == [IMPORT_FILTER]
    assert warnings == []
    assert [c.name for c in emitted] == ["Captain Nova", "Mira"]
    assert sorted(p.name for p in user_folder.iterdir()) == ["Captain Nova.png", "Mira.png"]
    # The imported Captain Nova takes the old one's place; Mira is new, and selected.
    assert gallery_names(picker) == ["Buddy", "Captain Nova", "Zed", "ångström", "Mira"]
    assert picker.selected_name() == "Mira"
    selected = picker.selected_character()
    assert selected is not None and selected.source == (user_folder / "Mira.png").resolve()
    assert "botanist" in picker.details.toPlainText()
    assert "sailing ship" in picker.gallery.item(1).toolTip()
    assert picker.status.text() == "Imported 2 characters."
    assert ok_button(picker.buttons).isEnabled()


def test_picker_import_replaces_the_selected_character(
    qtbot: QtBot, characters: list[Character], tmp_path: Path
) -> None:
    picker = CharacterPicker(characters, "Zed", user_folder=tmp_path / "mine")
    qtbot.addWidget(picker)
    card = card_file(tmp_path / "zed.png", "Zed", "A chatty detective now.")
    assert [c.name for c in picker.import_files([card])] == ["Zed"]
    assert gallery_names(picker) == [c.name for c in characters]
    assert picker.selected_name() == "Zed"
    assert "chatty detective" in picker.details.toPlainText()
    assert picker.status.text() == "Imported Zed."


def test_picker_import_broken_files(
    qtbot: QtBot, characters: list[Character], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_folder = tmp_path / "mine"
    broken_png = tmp_path / "broken.png"
    broken_png.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"spec": "chara_card_v3", "data": {"name": true}}', encoding="utf-8")
    warnings = record_warnings(monkeypatch)
    picker = CharacterPicker(characters, "Zed", user_folder=user_folder)
    qtbot.addWidget(picker)
    emitted: list[Character] = []
    picker.imported.connect(emitted.append)
    chosen = [broken_png, broken_json]
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(p) for p in chosen], "")
    )

    qtbot.mouseClick(picker.import_button, Qt.MouseButton.LeftButton)
    assert len(warnings) == 2
    assert all(w and "\n" not in w for w in warnings)
    assert not user_folder.exists() or not any(user_folder.iterdir())
    assert gallery_names(picker) == [c.name for c in characters]
    assert picker.selected_name() == "Zed"
    assert emitted == []
    assert picker.status.text() == ""

    # A broken file among good ones: the good ones still come in.
    chosen = [broken_png, card_file(tmp_path / "mira.png", "Mira"), broken_json]
    qtbot.mouseClick(picker.import_button, Qt.MouseButton.LeftButton)
    assert len(warnings) == 4
    assert [c.name for c in emitted] == ["Mira"]
    assert [p.name for p in user_folder.iterdir()] == ["Mira.png"]
    assert picker.selected_name() == "Mira"


def test_picker_keeps_two_cards_of_one_name_and_says_so(
    qtbot: QtBot, characters: list[Character], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_folder = tmp_path / "mine"
    picker = CharacterPicker(characters, "Zed", user_folder=user_folder)
    qtbot.addWidget(picker)
    painter = card_file(tmp_path / "a.png", "Lena", "A painter.")
    pilot = card_file(tmp_path / "b.png", "Lena", "A pilot.")
    picker.import_files([painter])
    picker.import_files([pilot])
    assert gallery_names(picker)[-2:] == ["Lena", "Lena-2"]
    assert (
        picker.status.text() == "Imported Lena as Lena-2: another card named Lena is already there."
    )
    assert picker.selected_name() == "Lena-2"
    picker.import_files([painter])
    assert picker.status.text() == "Lena is already imported: nothing changed."
    assert picker.selected_name() == "Lena"
    assert sorted(p.name for p in user_folder.iterdir()) == ["Lena-2.png", "Lena.png"]


def test_picker_drop_imports(
    qtbot: QtBot, characters: list[Character], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_folder = tmp_path / "mine"
    warnings = record_warnings(monkeypatch)
    picker = CharacterPicker(characters, "Buddy", user_folder=user_folder)
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a card", encoding="utf-8")
    assert drag(picker, picker.gallery.viewport(), [notes]) == (False, False)

    mira = card_file(tmp_path / "in" / "mira.png", "Mira", "A botanist on a moon base.")
    with qtbot.waitSignal(picker.imported) as blocker:
        assert drag(picker, picker.gallery.viewport(), [mira, notes]) == (True, True)
    assert blocker.args is not None and blocker.args[0].name == "Mira"
    assert (user_folder / "Mira.png").is_file()
    assert picker.selected_name() == "Mira"
    assert "botanist" in picker.details.toPlainText()

    # Onto the description pane as well.
    zed = card_file(tmp_path / "in" / "zed.png", "Zed", "A chatty detective now.")
    with qtbot.waitSignal(picker.imported):
        assert drag(picker, picker.details.viewport(), [zed]) == (True, True)
    assert picker.selected_name() == "Zed"
    assert gallery_names(picker) == [*(c.name for c in characters), "Mira"]
    assert warnings == []


def test_picker_without_user_folder_does_not_import(
    qtbot: QtBot, characters: list[Character], tmp_path: Path
) -> None:
    picker = CharacterPicker(characters, "Buddy")
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    assert not picker.import_button.isEnabled()
    assert picker.export_button.isEnabled()
    card = card_file(tmp_path / "mira.png", "Mira")
    assert drag(picker, picker.gallery.viewport(), [card]) == (False, False)
    assert picker.import_files([card]) == []
    assert gallery_names(picker) == [c.name for c in characters]


def test_picker_import_export_shortcuts_and_tooltips(
    qtbot: QtBot, characters: list[Character], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def open_files(*args: Any, **kwargs: Any) -> tuple[list[str], str]:
        calls.append("open")
        return [], ""

    def save_as(*args: Any, **kwargs: Any) -> tuple[str, str]:
        calls.append("save")
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", open_files)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    picker = CharacterPicker(characters, "Buddy", user_folder=tmp_path / "mine")
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    picker.windowHandle().requestActivate()  # shortcuts work only in the active window
    qtbot.waitUntil(picker.isActiveWindow)
    assert picker.import_button.toolTip() and picker.export_button.toolTip()
    qtbot.keyClick(picker.gallery, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(picker.gallery, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert calls == ["open", "save"]
    assert picker.import_shortcut.key() == QKeySequence("Ctrl+I")
    assert picker.export_shortcut.key() == QKeySequence("Ctrl+E")


def test_picker_without_characters_cannot_export(qtbot: QtBot, tmp_path: Path) -> None:
    picker = CharacterPicker([], "Buddy", user_folder=tmp_path)
    qtbot.addWidget(picker)
    assert not picker.export_button.isEnabled()
    assert picker.import_button.isEnabled()


@pytest.mark.parametrize(
    ("current", "name", "chosen_filter", "expected"),
    [
        ("Captain Nova", "nova.png", PNG_FILTER, "nova.png"),
        ("Captain Nova", "nova.json", PNG_FILTER, "nova.json"),
        ("Captain Nova", "nova", JSON_FILTER, "nova.json"),
        ("Captain Nova", "nova", PNG_FILTER, "nova.png"),
        ("Buddy", "buddy.PNG", JSON_FILTER, "buddy.PNG"),
        ("Buddy", "buddy", JSON_FILTER, "buddy.json"),
    ],
)
def test_picker_export(
    qtbot: QtBot,
    characters: list[Character],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    current: str,
    name: str,
    chosen_filter: str,
    expected: str,
) -> None:
    offered: list[tuple[str, str]] = []

    def save_as(*args: Any, **kwargs: Any) -> tuple[str, str]:
        offered.append((str(args[2]), str(args[3])))
        return str(tmp_path / "out" / name), chosen_filter

    (tmp_path / "out").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    warnings = record_warnings(monkeypatch)
    picker = CharacterPicker(characters, current)
    qtbot.addWidget(picker)
    character = next(c for c in characters if c.name == current)
    qtbot.mouseClick(picker.export_button, Qt.MouseButton.LeftButton)

    assert warnings == []
    assert Path(offered[0][0]).name == f"{current}.png"
    assert offered[0][1] == f"{PNG_FILTER};;{JSON_FILTER}"
    out = tmp_path / "out" / expected
    assert [p.name for p in out.parent.iterdir()] == [expected]
    assert read_card(out).card == character.card
    if current == "Captain Nova" and expected.endswith(".png"):
        assert QImage(str(out)).size().height() == 300  # the portrait, not a placeholder
    assert picker.status.text() == f"Exported to {out}"


def test_picker_export_failure(
    qtbot: QtBot, characters: list[Character], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "missing folder" / "zed.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), PNG_FILTER))
    warnings = record_warnings(monkeypatch)
    picker = CharacterPicker(characters, "Zed")
    qtbot.addWidget(picker)
    qtbot.mouseClick(picker.export_button, Qt.MouseButton.LeftButton)
    assert len(warnings) == 1 and str(out) in warnings[0]
    assert not out.parent.exists()
    assert picker.status.text() == ""

    # Cancelling the file dialog does nothing.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    qtbot.mouseClick(picker.export_button, Qt.MouseButton.LeftButton)
    assert len(warnings) == 1


def test_hands_free_settings_round_trip(
    settings_dialog: tuple[SettingsDialog, Settings, Settings],
) -> None:
    dialog, _, before = settings_dialog
    assert dialog.end_pause.value() == before.listen.end_pause_ms
    assert dialog.barge_in.isChecked() and not dialog.wake_phrase.isChecked()
    dialog.end_pause.setValue(1200)
    dialog.duplex.setCurrentIndex(dialog.duplex.findData("full"))
    dialog.barge_in.setChecked(False)
    dialog.wake_phrase.setChecked(True)
    listen = dialog.result_settings().listen
    assert (listen.end_pause_ms, listen.duplex, listen.barge_in, listen.wake_phrase) == (
        1200,
        "full",
        False,
        True,
    )
    assert listen.vad == before.listen.vad and listen.mode == before.listen.mode


def test_end_of_turn_settings_round_trip_and_show_what_applies(
    settings_dialog: tuple[SettingsDialog, Settings, Settings],
) -> None:
    dialog, _, before = settings_dialog
    assert before.listen.end_of_turn == "smart"
    assert dialog.end_of_turn.currentData() == "smart"
    assert dialog.short_pause.isEnabled() and dialog.max_pause.isEnabled()
    assert not dialog.end_pause.isEnabled()  # the fixed pause is for "pause only"
    dialog.short_pause.setValue(250)
    dialog.max_pause.setValue(2500)
    listen = dialog.result_settings().listen
    assert (listen.end_of_turn, listen.short_pause_ms, listen.max_pause_ms) == ("smart", 250, 2500)
    dialog.end_of_turn.setCurrentIndex(dialog.end_of_turn.findData("pause"))
    assert dialog.end_pause.isEnabled() and not dialog.short_pause.isEnabled()
    assert dialog.result_settings().listen.end_of_turn == "pause"


def test_global_keys_round_trip_and_a_key_with_two_jobs_keeps_the_dialog_open(
    qtbot: QtBot, settings_dialog: tuple[SettingsDialog, Settings, Settings]
) -> None:
    dialog, _, _ = settings_dialog
    keys = dialog.global_keys
    dialog.show()
    dialog.tabs.setCurrentWidget(keys)
    keys.talk.setFocus()
    keys.talk.clear()
    qtbot.keyClick(
        keys.talk,
        Qt.Key.Key_K,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
    )
    keys.talk_mode.setCurrentIndex(keys.talk_mode.findData("toggle"))
    keys.stop.setKeySequence(QKeySequence("F12"))
    keys.dictate_by.setCurrentIndex(keys.dictate_by.findData("typing"))
    keys.overlay.setChecked(False)
    screenshot(dialog, "settings-keys")
    result = dialog.result_settings()
    assert (result.keys.talk, result.keys.talk_mode) == ("Ctrl+Alt+K", "toggle")
    assert (result.keys.dictate, result.keys.dictate_mode) == ("Ctrl+Alt+D", "hold")
    assert (result.keys.stop, result.keys.dictate_by, result.ui.overlay) == ("F12", "typing", False)
    assert all(
        w.toolTip() for w in (keys.talk, keys.dictate, keys.stop, keys.dictate_by, keys.overlay)
    )

    keys.dictate.setKeySequence(QKeySequence("Ctrl+Alt+K"))
    dialog.tabs.setCurrentIndex(0)
    qtbot.mouseClick(ok_button(dialog.buttons), Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert "Ctrl+Alt+K is given two jobs." in dialog.error_label.text()
    assert dialog.tabs.currentWidget() is keys


def test_the_keys_tab_says_what_to_do_where_there_are_no_global_keys(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicebuddy.gui.key_settings import GlobalKeysTab

    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.delenv("DISPLAY", raising=False)
    tab = GlobalKeysTab()
    qtbot.addWidget(tab)
    note = tab.platform_note.text()
    assert "Wayland" in note and "voicebuddy ctl talk-toggle" in note
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY")
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    assert "X11" in GlobalKeysTab().platform_note.text()
