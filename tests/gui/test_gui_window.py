"""The main window with fake engines and fake devices, offscreen."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fake_devices import FakeDevices, pause, tone
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot
from windows import REPLY, WINDOWS, bubble_texts, open_window, settled

from voicebuddy.config import Paths, Settings
from voicebuddy.engines.fakes import FakeChat, FakeSTT, FakeTTS
from voicebuddy.events import Notice
from voicebuddy.gui.launch import create_window
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.runtime import State
from voicebuddy.runtime.engines import EngineLoaders
from voicebuddy.storage import Store


def test_window_opens_on_the_greeting_and_a_typed_message_gets_a_streamed_reply(
    qtbot: QtBot, paths: Paths
) -> None:
    window, devices = open_window(qtbot, paths)
    assert window.character_name.text() == "Buddy"
    assert bubble_texts(window) == [
        ("assistant", "Hi, I'm Buddy. Hold the key and tell me what's on your mind.")
    ]
    states: list[TalkState] = []
    window.talk.state_changed.connect(states.append)
    qtbot.keyClicks(window.talk.entry, "Hello!")
    qtbot.keyClick(window.talk.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.view.bubbles) == 3 and window.talk.state is TalkState.READY)
    assert bubble_texts(window)[1:] == [("user", "Hello!"), ("assistant", REPLY)]
    assert TalkState.THINKING in states and TalkState.SPEAKING in states
    html = window.view.bubbles[2].body.text()
    assert "<i>" in html and "smiles" in html and "*" not in html  # the action, in italics
    assert len(devices.sink.clips) == 2  # "Hello there!" and "Nice to hear you."
    assert "tokens/s" in window.figures.speed.text()
    stored = Store(paths.store_file)
    (info,) = stored.conversations()
    assert [(m.role, m.content) for m in stored.messages(info.id)][1:] == [
        ("user", "Hello!"),
        ("assistant", REPLY),
    ]


def test_holding_space_records_and_answers_the_speech(qtbot: QtBot, paths: Paths) -> None:
    window, devices = open_window(qtbot, paths)
    states: list[TalkState] = []
    window.talk.state_changed.connect(states.append)
    window.activateWindow()
    qtbot.waitActive(window)
    window.view.setFocus()
    qtbot.keyPress(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.LISTENING)
    (microphone,) = devices.live
    microphone.say(np.concatenate([tone(1.0), pause(0.3)]))
    # heard while the key is still held, at the pause
    qtbot.waitUntil(lambda: "“how are you”" in window.talk.notice.text())
    qtbot.keyRelease(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: settled(window, 3))
    assert bubble_texts(window)[1] == ("user", "how are you")
    assert "how are you" not in window.talk.notice.text()  # now it is the message
    assert states[:4] == [
        TalkState.LISTENING,
        TalkState.TRANSCRIBING,
        TalkState.THINKING,
        TalkState.SPEAKING,
    ]
    assert "voice-to-voice" in window.figures.latency.text()


def test_space_types_in_the_text_box_once_there_is_text(qtbot: QtBot, paths: Paths) -> None:
    window, _ = open_window(qtbot, paths)
    window.activateWindow()
    qtbot.waitActive(window)
    window.talk.entry.setFocus()
    qtbot.keyClicks(window.talk.entry, "hi there")
    assert window.talk.entry.text() == "hi there" and not window.runtime.busy


def test_escape_stops_a_long_reply(qtbot: QtBot, paths: Paths) -> None:
    chat = FakeChat("This goes on and on. " * 200, delay_s=0.01)
    window, _ = open_window(qtbot, paths, chat)
    window.talk.entry.setText("talk")
    window.talk.entry.returnPressed.emit()
    qtbot.waitUntil(lambda: window.talk.state is TalkState.SPEAKING, timeout=5000)
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=5000)
    last = window.messages[-1]
    assert last.role == "assistant" and last.interrupted
    assert len(last.content) < len(chat.reply.strip())
    assert "interrupted" in window.view.bubbles[-1].body.text()


def test_regenerate_edit_and_delete_change_the_stored_conversation(
    qtbot: QtBot, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = FakeChat("First answer.")
    window, _ = open_window(qtbot, paths, chat)
    window.send_text("question")
    qtbot.waitUntil(lambda: settled(window, 3))
    chat.reply = "Second answer."
    window.regenerate_action.trigger()
    qtbot.waitUntil(
        lambda: (
            window.talk.state is TalkState.READY
            and bubble_texts(window)[-1] == ("assistant", "Second answer.")
        )
    )
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("better question", True))
    window.view.bubbles[1].edit_requested.emit(1)
    qtbot.waitUntil(lambda: bubble_texts(window)[1] == ("user", "better question"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.view.bubbles[0].delete_requested.emit(0)
    expected = [("user", "better question"), ("assistant", "Second answer.")]
    qtbot.waitUntil(lambda: bubble_texts(window) == expected)
    store = Store(paths.store_file)
    messages = store.messages(window.conversation_id)
    assert [(m.role, m.content) for m in messages] == [
        ("user", "better question"),
        ("assistant", "Second answer."),
    ]


def test_the_conversation_comes_back_after_a_restart(qtbot: QtBot, paths: Paths) -> None:
    window, _ = open_window(qtbot, paths)
    window.send_text("remember me")
    qtbot.waitUntil(lambda: settled(window, 3))
    window.close()
    again, _ = open_window(qtbot, paths)
    assert bubble_texts(again)[1:] == [("user", "remember me"), ("assistant", REPLY)]
    again.new_action.trigger()
    qtbot.waitUntil(lambda: len(again.view.bubbles) == 1)  # a new one starts with the greeting


def test_without_a_microphone_the_window_is_text_only(qtbot: QtBot, paths: Paths) -> None:
    window, _ = open_window(qtbot, paths, devices=FakeDevices(microphone=False))
    assert not window.talk.talk_button.isEnabled()
    assert "Text-only mode" in window.talk.notice.text()
    window.send_text("typed")
    qtbot.waitUntil(lambda: len(window.view.bubbles) == 3)


def test_every_action_has_a_shortcut_and_a_tooltip(qtbot: QtBot, paths: Paths) -> None:
    window, _ = open_window(qtbot, paths)
    actions = [a for menu in window.menuBar().actions() for a in menu.menu().actions()]  # type: ignore[union-attr]
    assert len(actions) >= 8
    for action in actions:
        assert not action.shortcut().isEmpty(), action.text()
        assert action.toolTip() and action.shortcut().toString() in action.toolTip()
    window.resize(800, 600)
    qtbot.wait(50)
    assert window.talk.talk_button.isVisible() and window.talk.entry.isVisible()


def test_a_bad_model_in_settings_gives_a_message_and_keeps_the_old_one(
    qtbot: QtBot, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicebuddy.errors import ModelError
    from voicebuddy.gui import settings_dialog

    def load_chat(settings: Settings, _paths: Paths) -> FakeChat:
        if settings.llm.model:
            raise ModelError("llm_model_invalid", f"{settings.llm.model} is not a GGUF model file.")
        return FakeChat(REPLY)

    devices = FakeDevices()
    loaders = EngineLoaders(chat=load_chat, stt=lambda s, p: FakeSTT(), tts=lambda v, r: FakeTTS())
    window = create_window(Settings(), paths, loaders, devices)
    WINDOWS.append(window)
    window.show()
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    chosen = Settings()
    chosen.llm.model = "/models/broken.gguf"
    monkeypatch.setattr(settings_dialog.SettingsDialog, "exec", lambda self: True)
    monkeypatch.setattr(settings_dialog.SettingsDialog, "result_settings", lambda self: chosen)
    window.settings_action.trigger()
    qtbot.waitUntil(lambda: bool(warnings) and window.talk.state is TalkState.READY)
    assert "broken.gguf is not a GGUF model file" in warnings[0]
    assert window.runtime.settings.llm.model == "" and not paths.config_file.exists()
    window.send_text("still there?")  # the old model still answers
    qtbot.waitUntil(lambda: settled(window, 3))

    chosen.llm.model, chosen.llm.temperature, chosen.chat.user_name = "", 0.3, "Ann"
    window.settings_action.trigger()
    qtbot.waitUntil(lambda: paths.config_file.exists() and window.talk.state is TalkState.READY)
    assert 'user_name = "Ann"' in paths.config_file.read_text()
    assert window.runtime.settings.llm.temperature == 0.3


def test_switching_character_opens_its_conversation(
    qtbot: QtBot, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicebuddy.gui import character_picker

    folder = paths.data_dir / "characters"
    folder.mkdir(parents=True)
    card = {"spec": "chara_card_v2", "data": {"name": "Mira", "first_mes": "*waves* Hi {{user}}!"}}
    (folder / "mira.json").write_text(json.dumps(card))
    window, _ = open_window(qtbot, paths)
    window.send_text("hello Buddy")
    qtbot.waitUntil(lambda: settled(window, 3))
    pick = {"name": "Mira"}
    monkeypatch.setattr(character_picker.CharacterPicker, "exec", lambda self: True)
    monkeypatch.setattr(
        character_picker.CharacterPicker, "selected_name", lambda self: pick["name"]
    )
    window.character_action.trigger()
    qtbot.waitUntil(lambda: window.character_name.text() == "Mira")
    assert bubble_texts(window) == [("assistant", "*waves* Hi User!")]
    pick["name"] = "Buddy"
    window.character_action.trigger()
    qtbot.waitUntil(lambda: window.character_name.text() == "Buddy")
    assert bubble_texts(window)[1] == ("user", "hello Buddy")  # Buddy's last conversation
    mira_id = window.store.last_conversation("Mira")
    assert mira_id is not None
    window.open_conversation(mira_id.id)  # as the history dialog does
    qtbot.waitUntil(lambda: window.character_name.text() == "Mira")


def test_alternate_greetings_cycle_until_the_first_reply(qtbot: QtBot, paths: Paths) -> None:
    window, _ = open_window(qtbot, paths)
    window.runtime.open_character("Rowan")  # no conversation yet: a new one
    qtbot.waitUntil(lambda: window.character_name.text() == "Rowan")
    first = bubble_texts(window)[0][1]
    assert window.greeting_action.isEnabled()
    window.greeting_action.trigger()
    qtbot.waitUntil(lambda: bubble_texts(window)[0][1] != first)
    second = bubble_texts(window)[0][1]
    assert second.startswith("*waves a dusty atlas*")
    stored = window.store.messages(window.conversation_id)
    assert [m.content for m in stored] == [second]
    window.send_text("hi")
    qtbot.waitUntil(lambda: settled(window, 3))
    assert not window.greeting_action.isEnabled()


def test_a_press_the_runtime_cannot_take_is_explained_in_the_status_bar(
    qtbot: QtBot, paths: Paths
) -> None:
    window, _ = open_window(qtbot, paths)
    notice = Notice(code="not_now", message="…", topic="status", cause=State.LOADING.value)
    window.bridge.relayed.emit(notice)
    assert window.statusBar().currentMessage() == (
        "The models are still loading: talk once VoiceBuddy is ready."
    )
