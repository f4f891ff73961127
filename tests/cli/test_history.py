"""`voicebuddy history`: the conversations held in the terminal are kept, and the command line
and the window's History dialog see the same ones."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from commandline import Run
from pytestqt.qtbot import QtBot

from voicebuddy.storage import Store


def data_dir(user_dirs: dict[str, str]) -> Path:
    return Path(user_dirs["XDG_DATA_HOME"]) / "voicebuddy"


@pytest.mark.real
def test_a_terminal_chat_is_in_the_history_and_in_the_windows_history_dialog(
    run: Run, user_dirs: dict[str, str], qtbot: QtBot
) -> None:
    before = run("history", "list", "--json")
    assert before.returncode == 0, before.stderr
    known = {c["id"] for c in json.loads(before.stdout)}
    chat = run("chat", "--no-speak", stdin="Hello there\n")
    assert chat.returncode == 0, chat.stderr
    listed = run("history", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (new,) = [c for c in json.loads(listed.stdout) if c["id"] not in known]
    assert set(new) == {"id", "character", "title", "updated", "messages"}
    assert new["character"] == "Buddy" and new["title"] == "Hello there"
    assert new["messages"] == 3  # the greeting, the message and the reply
    shown = run("history", "show", str(new["id"]), "--json")
    assert shown.returncode == 0, shown.stderr
    conversation = json.loads(shown.stdout)
    assert set(conversation) == {"id", "character", "title", "messages"}
    roles = [(m["role"], m["interrupted"]) for m in conversation["messages"]]
    assert roles == [("assistant", False), ("user", False), ("assistant", False)]
    assert conversation["messages"][1]["content"] == "Hello there"
    reply = conversation["messages"][2]["content"]
    assert reply.strip() and reply in chat.stdout  # what the terminal printed was kept

    markdown = run("history", "export", str(new["id"]), "--format", "md")
    assert markdown.stdout.startswith("# Hello there") and "Hello there" in markdown.stdout

    from voicebuddy.gui.history_dialog import HistoryDialog

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    store = Store(data_dir(user_dirs) / "voicebuddy.sqlite3")
    try:
        dialog = HistoryDialog(store, "User")
        qtbot.addWidget(dialog)
        items = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
        titles = {(item.text(0), item.text(1), item.text(3)) for item in items if item}
        assert ("Hello there", "Buddy", "3") in titles
    finally:
        store.close()


def test_history_of_an_unknown_conversation_is_one_line(run: Run) -> None:
    result = run("history", "show", "99999")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "voicebuddy: There is no conversation with the id 99999."
