"""Wayland's global keys through the GlobalShortcuts portal, against a stand-in portal on a
private session bus (tests/fake_portal.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fake_portal import FakePortal, session_bus

from voicebuddy.errors import VoiceBuddyError
from voicebuddy.hotkeys import parse_combo
from voicebuddy.portal_keys import NO_PORTAL, PortalKeys, portal_trigger


@pytest.fixture
def bus() -> Iterator[str]:
    with session_bus() as address:
        yield address


def wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_triggers_are_written_as_the_shortcuts_specification_does() -> None:
    assert portal_trigger(parse_combo("Ctrl+Alt+Space")) == "CTRL+ALT+space"
    assert portal_trigger(parse_combo("Super+Shift+F9")) == "LOGO+SHIFT+F9"


def test_the_portal_binds_the_keys_and_its_presses_and_releases_come_through(bus: str) -> None:
    portal = FakePortal(bus)
    seen: list[tuple[str, bool]] = []
    problems: list[str] = []
    combos = [parse_combo("Ctrl+Alt+Space"), parse_combo("Ctrl+Alt+D")]
    keys = PortalKeys(combos, lambda t, p: seen.append((t, p)), problems.append, bus=bus)
    try:
        wait_for(lambda: len(keys.bound) == 2)
        assert keys.bound == {
            "voicebuddy-0": "Press CTRL+ALT+space",
            "voicebuddy-1": "Press CTRL+ALT+d",
        }
        (bind,) = [body for method, body in portal.asked if method == "BindShortcuts"]
        assert bind[0] == portal.session
        portal.press("voicebuddy-0", True)
        portal.press("voicebuddy-0", False)
        portal.press("voicebuddy-1", True)
        wait_for(lambda: len(seen) == 3)
        assert seen == [("Ctrl+Alt+Space", True), ("Ctrl+Alt+Space", False), ("Ctrl+Alt+D", True)]
        assert problems == []
    finally:
        keys.close()
    assert portal.closed.wait(5), "the portal session was not closed"
    portal.close()


def test_a_refusal_is_one_sentence(bus: str) -> None:
    portal = FakePortal(bus, refuse=True)
    problems: list[str] = []
    said = threading.Event()

    def problem(text: str) -> None:
        problems.append(text)
        said.set()

    keys = PortalKeys([parse_combo("Ctrl+Alt+Space")], lambda t, p: None, problem, bus=bus)
    try:
        assert said.wait(5)
        assert problems[0].startswith("The desktop did not give VoiceBuddy its keys")
        assert "\n" not in problems[0]
    finally:
        keys.close()
        portal.close()


def test_without_a_portal_the_user_is_told_to_bind_ctl(bus: str) -> None:
    with pytest.raises(VoiceBuddyError) as raised:
        PortalKeys([parse_combo("Ctrl+Alt+Space")], lambda t, p: None, print, bus=bus)
    assert raised.value.message == NO_PORTAL
    assert "voicebuddy ctl talk-toggle" in NO_PORTAL
