"""The macOS and Windows code paths of the global keys and of typing into another application
run on pynput; here pynput's X11 backend drives them on a virtual X screen (xdotool presses the
keys, a Tk text box receives the typing). Wayland's insertion goes through wtype or ydotool;
without them the words stay on the clipboard. Choosing the way per desktop is tested too."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from x_screen import virtual_screen

from voicebuddy.hotkeys import desktop_session, parse_combo
from voicebuddy.hotkeys_pynput import ListenedKeys, pynput_keys
from voicebuddy.insert_text import (
    PynputInserter,
    WtypeInserter,
    XTestInserter,
    YdotoolInserter,
    inserter_for_desktop,
)

TEXT_BOX = """
import sys, tkinter
root = tkinter.Tk(); root.geometry("600x80+0+0")
entry = tkinter.Entry(root, width=80); entry.pack(); entry.focus_force()
def report():
    open(sys.argv[1], "w").write(entry.get()); root.after(100, report)
root.after(300, report); root.mainloop()
"""


@pytest.fixture
def display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with virtual_screen() as name:
        monkeypatch.setenv("DISPLAY", name)
        yield name


def xdotool(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env={"DISPLAY": display}, check=True)


def test_combos_are_written_as_pynput_reads_them() -> None:
    assert pynput_keys(parse_combo("Ctrl+Alt+Space")) == "<ctrl>+<alt>+<space>"
    assert pynput_keys(parse_combo("Super+D")) == "<cmd>+d"
    assert pynput_keys(parse_combo("Shift+F9")) == "<shift>+<f9>"
    assert pynput_keys(parse_combo("Esc")) == "<esc>"


def test_listened_keys_report_a_held_combination_once_and_its_release(display: str) -> None:
    seen: list[tuple[str, bool]] = []
    changed = threading.Event()

    def on_key(text: str, pressed: bool) -> None:
        seen.append((text, pressed))
        changed.set()

    combos = [parse_combo("Ctrl+Alt+Space"), parse_combo("Ctrl+Alt+D")]
    keys = ListenedKeys(combos, on_key)
    try:
        xdotool(display, "key", "ctrl+d")  # not the combination: nothing
        xdotool(display, "keydown", "ctrl+alt+space")
        assert changed.wait(5)
        assert keys.modifiers_held()
        time.sleep(0.8)  # held: the server's auto-repeat sends more presses
        xdotool(display, "keyup", "ctrl+alt+space")
        deadline = time.monotonic() + 5
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        xdotool(display, "key", "ctrl+alt+d")
        while len(seen) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert seen == [
            ("Ctrl+Alt+Space", True),
            ("Ctrl+Alt+Space", False),
            ("Ctrl+Alt+D", True),
            ("Ctrl+Alt+D", False),
        ]
        assert not keys.modifiers_held()
    finally:
        keys.close()
        xdotool(display, "key", "shift")  # X11's listener thread ends at the next event
        keys.thread.join(5)


@pytest.mark.parametrize("inserter", [PynputInserter, XTestInserter])
def test_typing_lands_in_the_focused_text_box(display: str, tmp_path: Path, inserter: type) -> None:
    report = tmp_path / "text"
    box = subprocess.Popen([sys.executable, "-c", TEXT_BOX, str(report)])
    try:
        deadline = time.monotonic() + 10
        while not report.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        text = "Ask not what your country can do for you, 1961!"
        inserter().type_text(text)
        while report.read_text() != text and time.monotonic() < deadline:
            time.sleep(0.05)
        assert report.read_text() == text
    finally:
        box.terminate()


def test_wayland_types_with_wtype_or_ydotool_and_says_when_neither_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wayland = {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}  # XWayland beside it
    assert desktop_session(wayland) == "wayland"
    assert desktop_session({"DISPLAY": ":0"}) == "x11"
    assert desktop_session({}) == "none"
    assert desktop_session({}, platform="darwin") == "macos"
    assert desktop_session({}, platform="win32") == "windows"
    found = {"wtype": "/usr/bin/wtype", "ydotool": "/usr/bin/ydotool"}
    assert isinstance(inserter_for_desktop(wayland, found.get), WtypeInserter)
    only_ydotool = {"ydotool": "/usr/bin/ydotool"}.get
    assert isinstance(inserter_for_desktop(wayland, only_ydotool), YdotoolInserter)
    assert inserter_for_desktop(wayland, lambda _: None) is None
    assert isinstance(inserter_for_desktop({"DISPLAY": ":0"}), XTestInserter)

    # What wtype is asked to do, through a stand-in on the PATH that notes its arguments.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    stand_in = bin_dir / "wtype"
    stand_in.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$*\" >> {calls}\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    WtypeInserter().type_text("你好, world")
    WtypeInserter().paste()
    assert calls.read_text().splitlines() == [
        "-s 300 -- 你好, world",
        "-s 300 -M ctrl v -m ctrl",
    ]
