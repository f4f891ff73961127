"""The global talk key on X11: grabbed on a real (virtual) X server, pressed with xdotool the
way people hold a key (auto-repeat on), whichever window has focus."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from x_screen import virtual_screen

from voicebuddy.errors import VoiceBuddyError
from voicebuddy.hotkeys import X11Keys, parse_combo


def test_key_combinations_are_read_as_people_write_them() -> None:
    combo = parse_combo("Ctrl+Alt+Space")
    assert (combo.keysym, combo.modifiers) == ("space", ("ControlMask", "Mod1Mask"))
    assert parse_combo("F9").keysym == "F9" and parse_combo("super+D").keysym == "d"
    with pytest.raises(VoiceBuddyError) as bad:
        parse_combo("Hyper+X")
    assert bad.value.code == "bad_key" and "Hyper" in bad.value.message


def xdotool(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env={"DISPLAY": display}, check=True)


@pytest.mark.real
def test_a_held_key_is_one_press_and_one_release_whatever_has_focus() -> None:
    with virtual_screen() as display:
        # another application's window, focused
        other = subprocess.Popen(
            [sys.executable, "-c", "from Xlib import display as d; import time; x=d.Display(); "
             "w=x.screen().root.create_window(0,0,200,100,0,x.screen().root_depth); "
             "w.map(); x.sync(); w.set_input_focus(1, 0); x.sync(); time.sleep(30)"],
            env={"DISPLAY": display},
        )  # fmt: skip
        heard: list[tuple[str, bool]] = []
        changed = threading.Event()

        def on_key(combo: str, pressed: bool) -> None:
            heard.append((combo, pressed))
            changed.set()

        keys = X11Keys([parse_combo("Ctrl+Alt+Space"), parse_combo("F9")], on_key, display)
        try:
            time.sleep(0.5)
            xdotool(display, "keydown", "ctrl+alt+space")
            time.sleep(1.2)  # long enough for the keyboard to repeat the key
            xdotool(display, "keyup", "ctrl+alt+space")
            xdotool(display, "key", "F9")
            xdotool(display, "key", "ctrl+space")  # not ours: untouched
            deadline = time.monotonic() + 5
            while len(heard) < 4 and time.monotonic() < deadline:
                changed.wait(0.1)
            time.sleep(0.3)
            assert heard == [
                ("Ctrl+Alt+Space", True),
                ("Ctrl+Alt+Space", False),
                ("F9", True),
                ("F9", False),
            ]
            with pytest.raises(VoiceBuddyError) as taken:
                X11Keys([parse_combo("F9")], on_key, display)  # as another app would
            assert taken.value.code == "key_taken"
        finally:
            keys.close()
            other.terminate()
