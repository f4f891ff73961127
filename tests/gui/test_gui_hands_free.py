"""Hands-free in the window, with fakes: just talk, barge in, and the mode is remembered."""

from __future__ import annotations

import re

import numpy as np
from fake_devices import FakeDevices, pause
from fake_devices import tone as speech
from pytestqt.qtbot import QtBot
from windows import WINDOWS, fake_loaders, open_window

from voicebuddy.config import Paths, load_settings
from voicebuddy.engines.fakes import FakeChat
from voicebuddy.errors import AudioError
from voicebuddy.events import BargedIn
from voicebuddy.gui.launch import create_window
from voicebuddy.gui.talk_panel import TalkState

LONG_REPLY = " ".join(f"Sentence number {n} of a long reply." for n in range(12))


def test_just_talking_gets_an_answer_and_the_mode_is_remembered(qtbot: QtBot, paths: Paths) -> None:
    window, devices = open_window(qtbot, paths)
    window.hands_free_action.trigger()
    qtbot.waitUntil(lambda: "just talk" in window.talk.notice.text())
    assert window.runtime.hands_free and window.hands_free_action.isChecked()
    window.runtime.talk_pressed()  # the hold key does nothing while the detector listens
    assert not window.runtime.busy and window.talk.state is TalkState.READY
    (microphone,) = devices.live  # the detector's; the talk key's was let go
    microphone.say(np.concatenate([pause(0.5), speech(1.0), pause(1.0)]))
    qtbot.waitUntil(lambda: len(window.messages) == 3, timeout=10_000)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=10_000)
    user, reply = window.messages[1:]
    assert user.content == "how are you" and reply.role == "assistant"
    assert load_settings(paths.config_file).listen.mode == "hands_free"
    assert re.fullmatch(r"end of turn \d+ ms", window.figures.end_of_turn.text())

    window.close()
    WINDOWS.remove(window)
    devices = FakeDevices()
    again = create_window(load_settings(paths.config_file), paths, fake_loaders(), devices)
    qtbot.addWidget(again)
    WINDOWS.append(again)
    qtbot.waitUntil(lambda: again.hands_free_action.isChecked(), timeout=10_000)
    again.hands_free_action.trigger()
    qtbot.waitUntil(lambda: not again.runtime.hands_free and len(devices.live) == 1)
    assert devices.live[0] is not devices.streams[0]  # the talk key has its microphone back
    qtbot.waitUntil(lambda: load_settings(paths.config_file).listen.mode == "push")


def test_talking_over_the_reply_interrupts_it(qtbot: QtBot, paths: Paths) -> None:
    settings_devices = FakeDevices(realtime=True)
    window, devices = open_window(qtbot, paths, FakeChat(LONG_REPLY), settings_devices)
    # A headset: the fake microphone never hears the reply, so no echo gain is learned
    # (half duplex is tested with a real echo in test_handsfree_real.py).
    settings = window.runtime.settings
    settings.listen.duplex = "full"
    window.runtime.reload(settings).result(5)
    window.hands_free_action.trigger()
    qtbot.waitUntil(lambda: window.runtime.hands_free)
    (stream,) = devices.live
    stream.say(np.concatenate([speech(1.0), pause(1.0)]))
    qtbot.waitUntil(lambda: window.talk.state is TalkState.SPEAKING, timeout=10_000)
    qtbot.wait(300)
    events: list[object] = []
    window.bridge.relayed.connect(events.append)
    stream.say(speech(0.5))
    qtbot.waitUntil(lambda: any(isinstance(e, BargedIn) for e in events), timeout=5_000)
    stream.say(pause(1.0))  # the end of what the user said over the reply: the next turn
    qtbot.waitUntil(lambda: len(window.messages) == 5, timeout=15_000)
    qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=15_000)
    first_reply = window.messages[2]
    assert first_reply.interrupted and first_reply.content.startswith("Sentence number 0")
    assert len(first_reply.content) < len(LONG_REPLY) / 2
    assert window.messages[3].content == "how are you"


def test_no_microphone_turns_hands_free_off_with_a_message(qtbot: QtBot, paths: Paths) -> None:
    window, _ = open_window(qtbot, paths, devices=FakeDevices(microphone=False))
    window.hands_free_action.trigger()
    qtbot.waitUntil(lambda: window.talk.notice.text().endswith("No microphone was found."))
    assert not window.runtime.hands_free and not window.hands_free_action.isChecked()


def test_a_vanished_microphone_is_reported_and_its_return_too(qtbot: QtBot, paths: Paths) -> None:
    window, devices = open_window(qtbot, paths)
    window.hands_free_action.trigger()
    qtbot.waitUntil(lambda: window.runtime.hands_free)
    (stream,) = devices.live
    stream.say(speech(0.8))  # the user is talking when the microphone goes
    stream.on_error(AudioError("input_device_failed", "The microphone stopped; retrying."))
    qtbot.waitUntil(lambda: "retrying" in window.talk.notice.text(), timeout=5_000)
    assert window.runtime.hands_free and window.hands_free_action.isChecked()
    # what was said before the gap is answered, not lost
    qtbot.waitUntil(lambda: len(window.messages) == 3, timeout=10_000)
    stream.on_recovered()
    qtbot.waitUntil(lambda: "retrying" not in window.talk.notice.text(), timeout=5_000)
