"""The Memory panel (Character ▸ Memories…) over a real SQLite file, and memory's settings:
what the panel shows, and what it does to the file and to the settings file."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot
from windows import open_window, settled

from voicebuddy.characters.character import BUNDLED_DIR, list_characters
from voicebuddy.config import MemorySettings, Paths, Settings
from voicebuddy.gui import settings_dialog
from voicebuddy.gui.memory_panel import FACT, PINNED, MemoryPanel
from voicebuddy.gui.memory_settings import MemorySettingsGroup
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.memory.facts import Fact, extract_facts
from voicebuddy.memory.store import FORGOTTEN, MemoryStore
from voicebuddy.runtime import State
from voicebuddy.storage import Store

ROWAN_SAID = ["My dog is called Biscuit.", "I live in Leeds.", "I love hiking."]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Rowan knows three things learnt in a conversation, 林晓 one, Buddy one added by hand."""
    opened = Store(tmp_path / "voicebuddy.sqlite3")
    memories = MemoryStore(opened)
    conversation = opened.create_conversation("Rowan")
    for text in ROWAN_SAID:
        message = opened.add_message(conversation, "user", text)
        memories.remember("Rowan", extract_facts(text, "Ada"), message_id=message)
        opened.add_message(conversation, "assistant", "How lovely!")
    memories.remember("林晓", extract_facts("我的猫叫小白", "Ada"))
    memories.remember("Buddy", [Fact("Ada takes her tea with lemon", "", "")])
    yield opened
    opened.close()


def open_panel(qtbot: QtBot, store: Store, character: str = "Rowan") -> MemoryPanel:
    panel = MemoryPanel(store, list_characters([BUNDLED_DIR]), character, MemorySettings())
    qtbot.addWidget(panel)
    with qtbot.waitActive(panel):
        panel.show()
        panel.activateWindow()
    panel.tree.setFocus()  # for F2 and Delete
    return panel


def shown(panel: MemoryPanel) -> list[str]:
    items = [panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())]
    return [item.text(FACT) for item in items if item is not None]


def kept(store: Store, character: str) -> dict[str, bool]:
    """fact -> pinned, from the file."""
    return {m.fact: m.pinned for m in MemoryStore(store).memories(character)}


def select(panel: MemoryPanel, *facts: str) -> None:
    panel.tree.clearSelection()
    for index in range(panel.tree.topLevelItemCount()):
        item = panel.tree.topLevelItem(index)
        if item is not None and item.text(FACT) in facts:
            item.setSelected(True)
            panel.tree.setCurrentItem(item, FACT, QItemSelectionModel.SelectionFlag.NoUpdate)


def editor(panel: MemoryPanel) -> QLineEdit:
    """The line edit open on a memory's words."""
    (opened,) = [e for e in panel.tree.viewport().findChildren(QLineEdit) if e.isVisible()]
    return opened


def answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def file_bytes(store: Store) -> bytes:
    return b"".join(f.read_bytes() for f in store.path.parent.glob(store.path.name + "*"))


def test_the_panel_shows_the_chosen_characters_memories_and_finds_them_by_a_word(
    qtbot: QtBot, store: Store
) -> None:
    panel = open_panel(qtbot, store)
    assert panel.character.currentText() == "Rowan"
    assert sorted(shown(panel)) == ["Ada lives in Leeds", "Ada loves hiking",
                                    "Ada's dog is called Biscuit"]  # fmt: skip
    first = panel.tree.topLevelItem(0)
    assert first is not None and first.text(3) == "0"  # recalled
    assert first.checkState(PINNED) == Qt.CheckState.Unchecked

    qtbot.keyClicks(panel.search, "biscuit")
    assert shown(panel) == ["Ada's dog is called Biscuit"]
    panel.search.setText("ee")  # too short for the index: the plain match finds it
    assert shown(panel) == ["Ada lives in Leeds"]
    panel.search.setText("unicorn")
    assert shown(panel) == [] and panel.empty_label.isVisible()
    panel.search.clear()
    assert len(shown(panel)) == 3

    panel.character.setCurrentIndex(panel.character.findData("林晓"))
    assert shown(panel) == ["Ada的猫叫小白"]
    assert panel.remembering.text() == "&Remember what I tell 林晓"
    panel.search.setText("小白")
    assert shown(panel) == ["Ada的猫叫小白"]
    panel.search.clear()
    panel.character.setCurrentIndex(panel.character.findData("Buddy"))
    assert shown(panel) == ["Ada takes her tea with lemon"]


def test_a_memorys_words_are_corrected_in_place_and_empty_words_keep_them(
    qtbot: QtBot, store: Store
) -> None:
    panel = open_panel(qtbot, store)
    select(panel, "Ada lives in Leeds")
    panel.edit_button.click()
    assert editor(panel).text() == "Ada lives in Leeds"
    editor(panel).setText("Ada lives in York")
    qtbot.keyClick(editor(panel), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Ada lives in York" in shown(panel))
    assert "Ada lives in York" in kept(store, "Rowan")
    assert "Ada lives in Leeds" not in kept(store, "Rowan")

    qtbot.waitUntil(lambda: panel.tree.state() is QAbstractItemView.State.NoState)
    select(panel, "Ada loves hiking")
    panel.tree.setFocus()
    qtbot.keyClick(panel.tree, Qt.Key.Key_F2)
    editor(panel).setText("   ")
    qtbot.keyClick(editor(panel), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(panel.notice.text()))
    qtbot.waitUntil(lambda: "Ada loves hiking" in shown(panel))
    assert "Ada loves hiking" in kept(store, "Rowan")
    assert len(kept(store, "Rowan")) == 3
    assert panel.notice.text() == "A memory needs some words: “Ada loves hiking” stays as it was."


def test_pinning_by_the_tick_and_by_the_button(qtbot: QtBot, store: Store) -> None:
    panel = open_panel(qtbot, store)
    index = shown(panel).index("Ada loves hiking")
    item = panel.tree.topLevelItem(index)
    assert item is not None
    item.setCheckState(PINNED, Qt.CheckState.Checked)  # as a click on the tick does
    qtbot.waitUntil(lambda: shown(panel)[0] == "Ada loves hiking")  # pinned come first
    assert kept(store, "Rowan")["Ada loves hiking"] is True

    select(panel, "Ada lives in Leeds")
    assert panel.pin_button.text() == "&Pin"
    panel.pin_button.click()
    assert kept(store, "Rowan")["Ada lives in Leeds"] is True
    select(panel, "Ada lives in Leeds", "Ada loves hiking")
    assert panel.pin_button.text() == "Un&pin"
    panel.pin_button.click()
    assert not any(kept(store, "Rowan").values())


def test_deleting_forgets_for_good_after_asking(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = open_panel(qtbot, store)
    select(panel, "Ada's dog is called Biscuit")
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)
    panel.delete_button.click()
    assert "Ada's dog is called Biscuit" in asked[0]
    assert "Ada's dog is called Biscuit" in kept(store, "Rowan")

    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    panel.delete_button.click()
    assert sorted(kept(store, "Rowan")) == ["Ada lives in Leeds", "Ada loves hiking"]
    assert sorted(shown(panel)) == ["Ada lives in Leeds", "Ada loves hiking"]
    assert b"biscuit" not in file_bytes(store).lower()
    (conversation,) = store.conversations("Rowan")
    assert store.messages(conversation.id)[0].content == f"{FORGOTTEN}."

    select(panel, "Ada lives in Leeds", "Ada loves hiking")
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.keyClick(panel.tree, Qt.Key.Key_Delete)
    assert "these 2 memories" in asked[0]
    assert kept(store, "Rowan") == {}
    assert b"Leeds" not in file_bytes(store)


def test_forget_everything_empties_that_character_only(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = open_panel(qtbot, store)
    answer(monkeypatch, QMessageBox.StandardButton.No)
    panel.forget_all_button.click()
    assert len(kept(store, "Rowan")) == 3
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    panel.forget_all_button.click()
    assert "Forget everything Rowan remembers about you?" in asked[0]
    assert kept(store, "Rowan") == {}
    assert kept(store, "林晓") == {"Ada的猫叫小白": False}
    assert kept(store, "Buddy") == {"Ada takes her tea with lemon": False}
    assert shown(panel) == [] and not panel.forget_all_button.isEnabled()
    assert b"Biscuit" not in file_bytes(store) and b"Leeds" not in file_bytes(store)


def test_a_memory_added_by_hand(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = open_panel(qtbot, store, "Buddy")
    typed = {"words": "  Ada's birthday is in May "}
    monkeypatch.setattr(QInputDialog, "getText", lambda *_a, **_k: (typed["words"], True))
    panel.add_button.click()
    assert "Ada's birthday is in May" in kept(store, "Buddy")
    assert panel.selected_ids() and "Ada's birthday is in May" in shown(panel)
    typed["words"] = "  "
    panel.add_button.click()
    assert len(kept(store, "Buddy")) == 2
    assert panel.notice.text() == "A memory needs some words: nothing was added."


def test_the_memory_settings_group_round_trips(qtbot: QtBot) -> None:
    group = MemorySettingsGroup()
    qtbot.addWidget(group)
    settings = MemorySettings(enabled=True, budget_tokens=300, off_for=["Rowan"])
    group.load(settings)
    assert group.memory_settings(settings) == settings
    group.enabled.setChecked(False)
    group.budget.setValue(120)
    assert not group.budget.isEnabled()
    assert group.memory_settings(settings) == MemorySettings(False, 120, off_for=["Rowan"])
    odd = MemorySettings(budget_tokens=5)  # hand-written, below the box's range: kept
    group.load(odd)
    assert group.memory_settings(odd).budget_tokens == 5


def memory_in(config: Path) -> dict[str, object]:
    section = tomllib.loads(config.read_text(encoding="utf-8"))["memory"]
    assert isinstance(section, dict)
    return section


def test_the_window_opens_the_panel_switches_memory_and_shows_what_a_turn_taught(
    qtbot: QtBot, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _ = open_window(qtbot, paths)
    window.memories_action.trigger()
    panel = window.memory_panel
    assert panel is not None and panel.isVisible()
    assert panel.character_key() == "Buddy" and shown(panel) == []
    assert window.memories_action.shortcut().toString() == "Ctrl+Shift+M"

    window.send_text("My dog is called Biscuit.")
    qtbot.waitUntil(lambda: settled(window, 3))
    qtbot.waitUntil(lambda: shown(panel) == ["User's dog is called Biscuit"])

    panel.remembering.click()  # off for Buddy
    qtbot.waitUntil(lambda: paths.config_file.exists())
    assert memory_in(paths.config_file)["off_for"] == ["Buddy"]
    assert panel.off_note.isVisible()
    qtbot.waitUntil(lambda: window.runtime.settings.memory.off_for == ["Buddy"])
    qtbot.waitUntil(lambda: window.runtime.state is State.IDLE)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY)
    window.send_text("I live in Leeds.")  # not learnt
    qtbot.waitUntil(lambda: settled(window, 5))

    panel.remembering.click()  # on again
    assert memory_in(paths.config_file)["off_for"] == []
    assert not panel.off_note.isVisible()
    qtbot.waitUntil(lambda: window.runtime.settings.memory.off_for == [])
    qtbot.waitUntil(lambda: window.runtime.state is State.IDLE)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY)
    window.send_text("I love hiking.")  # learnt, after the turn before it was over
    qtbot.waitUntil(lambda: len(shown(panel)) == 2)
    assert sorted(kept(window.store, "Buddy")) == ["User loves hiking",
                                                   "User's dog is called Biscuit"]  # fmt: skip

    def untick_memory(dialog: settings_dialog.SettingsDialog) -> bool:
        assert dialog.memory.enabled.isChecked()
        dialog.memory.enabled.setChecked(False)
        return True

    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY)
    monkeypatch.setattr(settings_dialog.SettingsDialog, "exec", untick_memory)
    window.settings_action.trigger()
    qtbot.waitUntil(lambda: memory_in(paths.config_file)["enabled"] is False)
    qtbot.waitUntil(lambda: not window.runtime.settings.memory.enabled)
    assert panel.off_note.isVisible()
    assert "off for every character" in panel.off_note.text()

    window.runtime.open_character("Rowan")  # the panel follows the window's character
    qtbot.waitUntil(lambda: panel.character_key() == "Rowan")
    assert shown(panel) == [] and panel.character_name() == "Rowan"


def test_settings_keep_what_the_panel_wrote(qtbot: QtBot, paths: Paths) -> None:
    settings = Settings()
    settings.memory.off_for = ["rowan"]
    window, _ = open_window(qtbot, paths, settings=settings)
    window.memories_action.trigger()
    panel = window.memory_panel
    assert panel is not None
    panel.character.setCurrentIndex(panel.character.findData("Rowan"))
    assert not panel.remembering.isChecked()  # the runtime matches names in any case
    panel.remembering.click()
    qtbot.waitUntil(lambda: paths.config_file.exists())
    assert memory_in(paths.config_file)["off_for"] == []
