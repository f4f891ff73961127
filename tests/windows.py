"""The window tests' helpers: open a window on fake engines and devices."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fake_devices import FakeDevices
from pytestqt.qtbot import QtBot

from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.fakes import FakeChat, FakeEndOfTurn, FakeSTT, FakeTTS
from voicebuddy.gui.launch import create_window
from voicebuddy.gui.main_window import MainWindow
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.models.local_models import OFFERED_MARKER
from voicebuddy.runtime.engines import EngineLoaders

REPLY = "*smiles* Hello there! Nice to hear you."

# Windows stay referenced until closed (tests/gui/conftest.py closes them after each test):
# a window that Python collects while its runtime runs would take the relay of its events
# with it.
WINDOWS: list[MainWindow] = []


def fake_loaders(chat: FakeChat | None = None, heard: str = "how are you") -> EngineLoaders:
    chat = chat or FakeChat(REPLY)
    return EngineLoaders(
        chat=lambda s, p: chat,
        stt=lambda s, p: FakeSTT(heard),
        tts=lambda v, r: FakeTTS(),
        vad=lambda name: EnergyVAD(),
        end_of_turn=FakeEndOfTurn,
    )


def open_window(
    qtbot: QtBot,
    paths: Paths,
    chat: FakeChat | None = None,
    devices: FakeDevices | None = None,
    settings: Settings | None = None,
    loaders: EngineLoaders | None = None,
    offer_models: bool = False,
    global_keys: bool = False,
) -> tuple[MainWindow, FakeDevices]:
    """`offer_models`: let the first load look for the user's own models and offer one (as
    on a first run); otherwise that was done already, and its note stays out of the way.
    `global_keys`: grab the settings' global keys (on a developer's desktop the tests would
    otherwise take Ctrl+Alt+Space from it, once per window)."""
    settings = settings if settings is not None else Settings()
    if not global_keys:
        settings.keys.talk = settings.keys.dictate = settings.keys.stop = ""
    if not offer_models:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
        (paths.data_dir / OFFERED_MARKER).touch()
    devices = devices or FakeDevices()
    window = create_window(settings, paths, loaders or fake_loaders(chat), devices)
    qtbot.addWidget(window)
    window.show()
    WINDOWS.append(window)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=10_000)
    return window, devices


def bubble_texts(window: MainWindow) -> list[tuple[str, str]]:
    return [(b.role, b.text) for b in window.view.bubbles]


def settled(window: MainWindow, bubbles: int) -> bool:
    return window.talk.state is TalkState.READY and len(window.view.bubbles) == bubbles
