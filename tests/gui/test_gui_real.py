"""The window end to end: real models, the virtual microphone and speaker, a real SQLite file.

Holding Space records speech played into the virtual microphone; on release the transcript
and the reply appear, the reply is heard on the virtual speaker, both messages are in the
database, and the event loop never stalls for more than 250 ms meanwhile.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pulse import PulseServer
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from pytestqt.qtbot import QtBot
from testdata import FIXTURES, word_error_rate

from voicebuddy.config import Paths, Settings
from voicebuddy.gui.launch import create_window
from voicebuddy.gui.main_window import MainWindow
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.storage import Store

JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


class TickWatch:
    """Measures the longest pause between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self._clock = QElapsedTimer()
        self._timer = QTimer(interval=10)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.longest_ms = 0.0
        self._clock.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        self.longest_ms = max(self.longest_ms, float(self._clock.restart()))


@pytest.fixture
def window(qtbot: QtBot, pulse_audio: PulseServer, tmp_path: Path) -> Iterator[MainWindow]:
    paths = Paths(tmp_path / "config.toml", tmp_path / "cache", tmp_path / "data")
    window = create_window(Settings(), paths)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        qtbot.waitUntil(lambda: window.talk.state is TalkState.READY, timeout=120_000)
        yield window
    finally:
        window.close()


@pytest.mark.real
def test_hold_space_speak_release_and_hear_the_reply(
    qtbot: QtBot, window: MainWindow, pulse_audio: PulseServer
) -> None:
    assert window.talk.talk_button.isEnabled(), window.talk.notice.text()
    # the status bar names the model and where its layers run (this machine: the CPU)
    assert "SmolLM2-135M-Instruct.Q4_1 (CPU)" in window.figures.models.text()
    window.activateWindow()
    qtbot.waitActive(window)
    watch = TickWatch()
    with pulse_audio.record_speaker() as heard:
        watch.start()
        qtbot.keyPress(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: window.talk.state is TalkState.LISTENING, timeout=5_000)
        player = subprocess.Popen(
            ["paplay", "--device=micfeed", str(FIXTURES / "jfk.wav")], env=pulse_audio.env
        )
        qtbot.waitUntil(lambda: player.poll() is not None, timeout=60_000)
        time.sleep(0.2)  # the last words travel through the virtual microphone
        qtbot.keyRelease(window, Qt.Key.Key_Space)
        qtbot.waitUntil(
            lambda: window.talk.state is TalkState.READY and len(window.view.bubbles) >= 3,
            timeout=120_000,
        )
        watch.stop()

    (user, reply) = [(b.role, b.text) for b in window.view.bubbles[-2:]]
    assert user[0] == "user" and word_error_rate(JFK_TEXT, user[1]) <= 0.15, user
    assert reply[0] == "assistant" and reply[1].strip()
    (samples,) = heard
    assert (np.abs(samples) > 0.02).sum() / 16_000 > 0.3, "the reply was not heard"
    assert "voice-to-voice" in window.figures.latency.text()

    store = Store(window.runtime.paths.store_file)
    stored = [(m.role, m.content) for m in store.messages(window.conversation_id)]
    assert stored[-2:] == [user, reply]
    assert watch.longest_ms < 250, f"the window froze for {watch.longest_ms:.0f} ms"


@pytest.mark.real
@pytest.mark.slow
def test_hands_free_in_the_window_answers_a_spoken_question(
    qtbot: QtBot, window: MainWindow, pulse_audio: PulseServer, tmp_path: Path
) -> None:
    """The same hands-free listening as `voicebuddy chat --hands-free`, in the window."""
    from speech import espeak

    window.hands_free_action.trigger()
    qtbot.waitUntil(lambda: window.runtime.hands_free, timeout=10_000)
    before = len(window.view.bubbles)
    with pulse_audio.record_speaker() as heard:
        pulse_audio.play_into_mic(espeak(tmp_path, "What is the capital of France?"))
        qtbot.waitUntil(
            lambda: window.talk.state is TalkState.READY and len(window.view.bubbles) >= before + 2,
            timeout=120_000,
        )
    user, reply = [(b.role, b.text) for b in window.view.bubbles[-2:]]
    assert user[0] == "user" and "capital" in user[1].lower(), user
    assert reply[0] == "assistant" and reply[1].strip()
    (samples,) = heard
    assert np.abs(samples).max() > 0.05, "the reply was not heard"
