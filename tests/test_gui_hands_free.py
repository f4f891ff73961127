"""Hands-free in the window, with fakes: just talk, barge in, and the mode is remembered."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot
from test_gui_window import WINDOWS, FakeDevices, close_windows, open_window

from voicebuddy.app import EngineLoaders
from voicebuddy.audio.playback import CollectingSink
from voicebuddy.audio.types import Samples
from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.config import Paths, load_settings
from voicebuddy.engines.fakes import FakeChat, FakeSTT, FakeTTS
from voicebuddy.errors import AudioError
from voicebuddy.gui.app import create_window
from voicebuddy.gui.main_window import MainWindow
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.handsfree import BargedIn

__all__ = ["close_windows"]  # the autouse fixture that closes windows after each test
RATE = 16_000
LONG_REPLY = " ".join(f"Sentence number {n} of a long reply." for n in range(12))


class FakeStream:
    def __init__(
        self,
        on_samples: Callable[[Samples, float], None],
        on_error: Callable[[AudioError], None],
        on_recovered: Callable[[], None],
    ) -> None:
        self.on_samples, self.on_error, self.on_recovered = on_samples, on_error, on_recovered
        self.running = False

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def say(self, audio: Samples) -> None:
        """Deliver `audio` at once, stamped as if it had just been captured."""
        start = time.monotonic() - audio.size / RATE
        for offset in range(0, audio.size, 320):
            block = audio[offset : offset + 320]
            self.on_samples(block, start + (offset + block.size) / RATE)


class ListeningDevices(FakeDevices):
    def __init__(self, realtime: bool = False) -> None:
        super().__init__()
        self.sink = CollectingSink(realtime=realtime)
        self.streams: list[FakeStream] = []

    def open_stream(
        self,
        name: str,
        on_samples: Callable[[Samples, float], None],
        on_error: Callable[[AudioError], None],
        on_recovered: Callable[[], None],
    ) -> FakeStream:
        self.streams.append(FakeStream(on_samples, on_error, on_recovered))
        return self.streams[-1]


def speech(seconds: float) -> Samples:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.2 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)


def pause(seconds: float) -> Samples:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "config.toml", tmp_path / "cache", tmp_path / "data")


def listening_window(
    qtbot: QtBot, paths: Paths, devices: ListeningDevices, chat: FakeChat | None = None
) -> MainWindow:
    window, _ = open_window(qtbot, paths, chat=chat, devices=devices)
    window.hands_free._open_detector = lambda name: EnergyVAD()
    return window


def test_just_talking_gets_an_answer_and_the_mode_is_remembered(qtbot: QtBot, paths: Paths) -> None:
    devices = ListeningDevices()
    window = listening_window(qtbot, paths, devices)
    window.hands_free_action.trigger()
    assert window.hands_free.active and window.hands_free_action.isChecked()
    assert "just talk" in window.talk.notice.text()
    window.start_talking()  # the hold key does nothing while the detector listens
    assert window.talk.state is TalkState.READY
    devices.streams[0].say(np.concatenate([pause(0.5), speech(1.0), pause(1.0)]))
    qtbot.waitUntil(lambda: len(window.session.conversation.messages) == 3, timeout=10_000)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=10_000)
    user, reply = window.session.conversation.messages[1:]
    assert user.content == "how are you" and reply.role == "assistant"
    assert load_settings(paths.config_file).listen.mode == "hands_free"

    window.close()
    WINDOWS.remove(window)
    devices = ListeningDevices()
    loaders = EngineLoaders(
        chat=lambda s, p: FakeChat(), stt=lambda s, p: FakeSTT(""), tts=lambda v, r: FakeTTS()
    )
    again = create_window(load_settings(paths.config_file), paths, loaders, devices)  # type: ignore[arg-type]
    qtbot.addWidget(again)
    WINDOWS.append(again)
    qtbot.waitUntil(lambda: again.hands_free.active, timeout=10_000)
    again.hands_free_action.trigger()
    assert not again.hands_free.active and devices.streams[0].running is False
    assert load_settings(paths.config_file).listen.mode == "push"


def test_talking_over_the_reply_interrupts_it(qtbot: QtBot, paths: Paths) -> None:
    devices = ListeningDevices(realtime=True)
    window = listening_window(qtbot, paths, devices, chat=FakeChat(LONG_REPLY))
    # A headset: the fake microphone never hears the reply, so no echo gain is learned
    # (half duplex is tested with a real echo in test_handsfree_real.py).
    window.app.settings.listen.duplex = "full"
    window.hands_free_action.trigger()
    stream = devices.streams[0]
    stream.say(np.concatenate([speech(1.0), pause(1.0)]))
    qtbot.waitUntil(lambda: window.talk.state is TalkState.SPEAKING, timeout=10_000)
    qtbot.wait(300)
    events: list[object] = []
    window.hands_free.listen_event.connect(events.append)
    stream.say(speech(0.5))
    qtbot.waitUntil(lambda: any(isinstance(e, BargedIn) for e in events), timeout=5_000)
    stream.say(pause(1.0))  # the end of what the user said over the reply: the next turn
    qtbot.waitUntil(lambda: len(window.session.conversation.messages) == 5, timeout=15_000)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=15_000)
    first_reply = window.session.conversation.messages[2]
    assert first_reply.interrupted and first_reply.content.endswith("…")
    assert len(first_reply.content) < len(LONG_REPLY) / 2
    assert window.session.conversation.messages[3].content == "how are you"


def test_no_microphone_turns_hands_free_off_with_a_message(qtbot: QtBot, paths: Paths) -> None:
    devices = ListeningDevices()
    window = listening_window(qtbot, paths, devices)

    def no_stream(*_args: object) -> FakeStream:
        raise AudioError("no_input_device", "No microphone was found.")

    devices.open_stream = no_stream  # type: ignore[method-assign]
    window.hands_free_action.trigger()
    assert not window.hands_free.active and not window.hands_free_action.isChecked()
    assert window.talk.notice.text() == "No microphone was found."


def test_a_vanished_microphone_is_reported_and_its_return_too(qtbot: QtBot, paths: Paths) -> None:
    devices = ListeningDevices()
    window = listening_window(qtbot, paths, devices)
    window.hands_free_action.trigger()
    stream = devices.streams[0]
    stream.say(speech(0.8))  # the user is talking when the microphone goes
    stream.on_error(AudioError("input_device_failed", "The microphone stopped; retrying."))
    qtbot.waitUntil(lambda: "retrying" in window.talk.notice.text(), timeout=5_000)
    assert window.hands_free.active and window.hands_free_action.isChecked()
    # what was said before the gap is answered, not lost
    qtbot.waitUntil(lambda: len(window.session.conversation.messages) == 3, timeout=10_000)
    stream.on_recovered()
    qtbot.waitUntil(lambda: "retrying" not in window.talk.notice.text(), timeout=5_000)
