"""The global talk key: held (or pressed twice, in toggle mode) while another X client has the
focus, it records and a turn follows. The keys come from a virtual X server through xdotool;
the window itself is offscreen, with fake engines."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fake_devices import pause, tone
from pulse import PulseServer
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from testdata import FIXTURES, JFK_TEXT, word_error_rate
from windows import WINDOWS, open_window, settled
from x_screen import virtual_screen

from voicebuddy.config import Paths, Settings
from voicebuddy.gui.launch import create_window
from voicebuddy.gui.talk_panel import TalkState

FOCUSED_WINDOW = (
    "from Xlib import display; import time; x = display.Display(); s = x.screen(); "
    "w = s.root.create_window(0, 0, 300, 100, 0, s.root_depth); w.map(); x.sync(); "
    "w.set_input_focus(1, 0); x.sync(); time.sleep(60)"
)


@pytest.fixture
def other_app_focused(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with virtual_screen() as display:
        other = subprocess.Popen([sys.executable, "-c", FOCUSED_WINDOW], env={"DISPLAY": display})
        monkeypatch.setenv("DISPLAY", display)
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        try:
            yield display
        finally:
            other.terminate()


def xdotool(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env={"DISPLAY": display}, check=True)


@pytest.mark.parametrize("mode", ["hold", "toggle"])
def test_the_global_talk_key_works_while_another_window_has_focus(
    qtbot: QtBot, paths: Paths, other_app_focused: str, mode: str
) -> None:
    settings = Settings()
    settings.keys.talk_mode = mode
    window, devices = open_window(qtbot, paths, settings=settings, global_keys=True)
    assert "Another application" not in window.talk.notice.text()
    display = other_app_focused
    xdotool(display, "keydown", "ctrl+alt+space")
    if mode == "toggle":
        xdotool(display, "keyup", "ctrl+alt+space")
    qtbot.waitUntil(lambda: window.talk.state is TalkState.LISTENING, timeout=5_000)
    (microphone,) = devices.live
    microphone.say(np.concatenate([tone(1.0), pause(0.3)]))
    qtbot.wait(1500)  # held on, auto-repeating: still one recording
    assert window.talk.state is TalkState.LISTENING
    if mode == "toggle":
        xdotool(display, "keydown", "ctrl+alt+space")
    xdotool(display, "keyup", "ctrl+alt+space")
    qtbot.waitUntil(lambda: settled(window, 3), timeout=10_000)
    assert window.view.bubbles[1].text == "how are you"


def test_a_key_another_application_holds_is_one_sentence(
    qtbot: QtBot, paths: Paths, other_app_focused: str
) -> None:
    from voicebuddy.hotkeys import X11Keys, parse_combo

    taken = X11Keys([parse_combo("Ctrl+Alt+Space")], lambda combo, pressed: None)
    try:
        window, _ = open_window(qtbot, paths, global_keys=True)
        notice = window.talk.notice.text()
        assert "Another application already uses Ctrl+Alt+Space" in notice
        assert "\n" not in notice
    finally:
        taken.close()


@pytest.mark.real
def test_the_global_key_gives_a_real_turn_heard_on_the_speaker(
    qtbot: QtBot, tmp_path: Path, pulse_audio: PulseServer, other_app_focused: str
) -> None:
    """Real models, the virtual microphone and speaker: jfk.wav said while the key is held in
    another application; the reply is heard."""
    paths = Paths(tmp_path / "config.toml", tmp_path / "cache", tmp_path / "data")
    window = create_window(Settings(), paths)
    qtbot.addWidget(window)
    WINDOWS.append(window)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=120_000)
    display = other_app_focused
    with pulse_audio.record_speaker() as heard:
        xdotool(display, "keydown", "ctrl+alt+space")
        qtbot.waitUntil(lambda: window.talk.state is TalkState.LISTENING, timeout=5_000)
        player = subprocess.Popen(
            ["paplay", "--device=micfeed", str(FIXTURES / "jfk.wav")], env=pulse_audio.env
        )
        qtbot.waitUntil(lambda: player.poll() is not None, timeout=60_000)
        qtbot.wait(300)  # the last words travel through the virtual microphone
        xdotool(display, "keyup", "ctrl+alt+space")
        qtbot.waitUntil(
            lambda: window.talk.state is TalkState.READY and len(window.view.bubbles) >= 3,
            timeout=120_000,
        )
    user, reply = [(b.role, b.text) for b in window.view.bubbles[-2:]]
    assert user[0] == "user" and word_error_rate(JFK_TEXT, user[1]) <= 0.15, user
    assert reply[0] == "assistant" and reply[1].strip()
    (samples,) = heard
    assert (np.abs(samples) > 0.02).sum() / 16_000 > 0.3, "the reply was not heard"


def test_the_overlay_shows_a_global_dictation_and_its_level_without_taking_the_focus(
    qtbot: QtBot, paths: Paths, other_app_focused: str
) -> None:
    window, devices = open_window(qtbot, paths, global_keys=True)
    overlay = window.overlay
    flags = overlay.windowFlags()
    assert flags & Qt.WindowType.WindowStaysOnTopHint
    assert flags & Qt.WindowType.WindowDoesNotAcceptFocus
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    shown: list[str] = []
    window.dictate_anywhere.progress.connect(lambda state: shown.append(state.name))
    display = other_app_focused
    xdotool(display, "keydown", "ctrl+alt+d")
    qtbot.waitUntil(lambda: overlay.isVisible(), timeout=5_000)
    assert overlay.label.text() == TalkState.DICTATING.text
    (microphone,) = devices.live  # the talk key's stream, lent to dictation
    microphone.say(tone(0.6), wait=False)
    qtbot.waitUntil(lambda: overlay.level.value() > 50, timeout=5_000)
    microphone.say(pause(0.5))
    xdotool(display, "keyup", "ctrl+alt+d")
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=10_000)
    assert shown == ["DICTATING", "TRANSCRIBING", "READY"]
    assert window.dictate_anywhere.inserted == ["how are you"]


def test_the_overlay_follows_a_turn_of_the_global_talk_key_and_can_be_turned_off(
    qtbot: QtBot, paths: Paths, other_app_focused: str
) -> None:
    window, devices = open_window(qtbot, paths, global_keys=True)
    window.activateWindow()
    overlay = window.overlay
    texts: list[str] = []
    window.bridge.relayed.connect(lambda _: texts.append(overlay.label.text()))
    display = other_app_focused
    if window.isActiveWindow():  # the window shows its own state: no overlay over it
        xdotool(display, "keydown", "ctrl+alt+space")
        qtbot.waitUntil(lambda: window.talk.state is TalkState.LISTENING, timeout=5_000)
        assert not overlay.isVisible()
        xdotool(display, "keyup", "ctrl+alt+space")
        qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=5_000)
    window.isActiveWindow = lambda: False  # type: ignore[method-assign]  # another app has it
    xdotool(display, "keydown", "ctrl+alt+space")
    qtbot.waitUntil(lambda: overlay.isVisible(), timeout=5_000)
    assert overlay.label.text() == TalkState.LISTENING.text
    devices.live[0].say(np.concatenate([tone(0.8), pause(0.3)]))
    xdotool(display, "keyup", "ctrl+alt+space")
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=10_000)
    assert TalkState.SPEAKING.text in texts  # it followed the turn to its reply
    window.settings.ui.overlay = False
    xdotool(display, "keydown", "ctrl+alt+space")
    qtbot.waitUntil(lambda: window.talk.state is TalkState.LISTENING, timeout=5_000)
    assert not overlay.isVisible()
    xdotool(display, "keyup", "ctrl+alt+space")


def test_on_wayland_the_desktop_portal_gives_the_talk_key(
    qtbot: QtBot, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in GlobalShortcuts portal on a private session bus: the window binds its keys
    there, and the portal's Activated and Deactivated make a turn, as a held key does."""
    from fake_portal import FakePortal, session_bus

    with session_bus() as bus:
        monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus)
        portal = FakePortal(bus)
        try:
            window, devices = open_window(qtbot, paths, global_keys=True)
            grabber = window.global_keys._grabber
            qtbot.waitUntil(lambda: len(getattr(grabber, "bound", {})) == 2, timeout=5_000)
            portal.press("voicebuddy-0", True)  # Ctrl+Alt+Space, as the desktop bound it
            qtbot.waitUntil(lambda: window.talk.state is TalkState.LISTENING, timeout=5_000)
            devices.live[0].say(np.concatenate([tone(1.0), pause(0.3)]))
            portal.press("voicebuddy-0", False)
            qtbot.waitUntil(lambda: settled(window, 3), timeout=10_000)
            assert window.view.bubbles[1].text == "how are you"
            window.close()
            assert portal.closed.wait(5), "the portal session outlived the window"
        finally:
            portal.close()


def test_on_wayland_without_a_portal_the_window_says_to_bind_ctl(
    qtbot: QtBot, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fake_portal import session_bus

    from voicebuddy.portal_keys import NO_PORTAL

    with session_bus() as bus:
        monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus)
        window, _ = open_window(qtbot, paths, global_keys=True)
        assert window.talk.notice.text() == NO_PORTAL
