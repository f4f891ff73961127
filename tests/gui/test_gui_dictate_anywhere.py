"""Dictation into another application: VoiceBuddy's window in its own process on a virtual X
screen, a Tk window with a text box focused, the global dictation key pressed with XTest
(xdotool), jfk.wav played into the virtual microphone. The words must land in the text box,
and the clipboard must hold what it held before."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_process import App
from pulse import PulseServer
from testdata import JFK, JFK_TEXT, word_error_rate
from x_screen import virtual_screen

# A text box that reports its text and the clipboard's every 200 ms; it owns the clipboard
# ("what was there before") until someone else takes it.
TEXT_BOX = """
import json, sys, tkinter
out = sys.argv[1]
root = tkinter.Tk(); root.title("Notes"); root.geometry("600x80+0+0")
entry = tkinter.Entry(root, width=80); entry.pack(); entry.focus_force()
root.clipboard_clear(); root.clipboard_append("what was there before")
def report():
    try:
        clip = root.clipboard_get()
    except tkinter.TclError:
        clip = None
    with open(out + ".tmp", "w") as f:
        json.dump({"text": entry.get(), "clipboard": clip}, f)
    import os; os.replace(out + ".tmp", out)
    root.after(200, report)
root.after(500, report)
root.mainloop()
"""


@pytest.fixture
def screen() -> Iterator[str]:
    with virtual_screen() as display:
        yield display


def read(report: Path) -> dict[str, str | None]:
    try:
        return dict(json.loads(report.read_text()))
    except (OSError, ValueError):
        return {}


@pytest.mark.real
@pytest.mark.slow
@pytest.mark.parametrize("dictate_by", ["paste", "typing"])
def test_dictation_lands_in_the_focused_application(
    tmp_path: Path, screen: str, pulse_audio: PulseServer, ggml_tiny_en: Path, dictate_by: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    keys = f'[keys]\ndictate_by = "{dictate_by}"\n[dictation]\nlanguage = "en"\n'
    app = App(home, screen, pulse_audio, ggml_tiny_en, 20, more_config=keys)
    report = tmp_path / "box.json"
    box = subprocess.Popen([sys.executable, "-c", TEXT_BOX, str(report)], env=app.env)
    try:
        app.wait_ready(focus=False)
        subprocess.run(["xdotool", "search", "--name", "Notes", "windowactivate", "--sync",
                        "windowfocus"], env=app.env, check=False, timeout=10)  # fmt: skip
        deadline = time.monotonic() + 60
        while read(report).get("clipboard") != "what was there before":
            assert time.monotonic() < deadline, "the text box did not start"
            time.sleep(0.2)
        app.xdotool("keydown", "ctrl+alt+d")
        time.sleep(1.0)  # dictation opens its own microphone stream (the talk key's is paused)
        pulse_audio.play_into_mic(JFK)
        time.sleep(0.8)
        app.xdotool("keyup", "ctrl+alt+d")
        deadline = time.monotonic() + 90
        while len(str(read(report).get("text") or "").split()) < 15:
            assert box.poll() is None and app.process.poll() is None, app.log_text()[-3000:]
            assert time.monotonic() < deadline, (read(report), app.log_text()[-3000:])
            time.sleep(0.3)
        time.sleep(1.5)  # the clipboard is put back RESTORE_AFTER_MS after the paste
        final = read(report)
        assert word_error_rate(JFK_TEXT, str(final["text"])) <= 0.15, final
        assert final["clipboard"] == "what was there before"
    finally:
        box.terminate()
        app.close()
