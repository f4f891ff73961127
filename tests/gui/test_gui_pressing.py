"""Push-to-talk as people press it, in the real window (issue 12).

The app runs as its own process, as `make run` starts it, on a virtual X screen with keyboard
auto-repeat on. Space is held with real X key events (xdotool), speech is played into the
virtual PulseAudio microphone between them, and what the app heard is read back from its
SQLite file. The lead (key down to speech) and tail (speech to key up) are random but seeded,
0.2-1.2 s, as people press.
"""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from app_process import App
from pulse import PulseServer
from testdata import JFK, JFK_TEXT, word_error_rate
from x_screen import need, virtual_screen

from voicebuddy.text.repetition import is_loop

SENTENCES = (
    "What is the weather like today?",
    "Can you tell me a short joke?",
    "Please remind me to call my sister tomorrow.",
    "I would like to learn how to play the guitar.",
    "What time does the museum open on Sunday?",
    "How do I make a good cup of tea?",
)
PRESSES = 20
RATE = 16_000


@pytest.fixture
def x_screen() -> Iterator[str]:
    """A virtual X screen with keyboard auto-repeat on, as on a desktop."""
    with virtual_screen() as display:
        yield display


@pytest.fixture
def launch(
    tmp_path: Path, x_screen: str, pulse_audio: PulseServer, ggml_tiny_en: Path
) -> Iterator[Callable[[int], App]]:
    """Starts the app with replies of at most so many tokens, and closes it after the test."""
    started: list[App] = []

    def start(reply_tokens: int) -> App:
        running = App(tmp_path / "home", x_screen, pulse_audio, ggml_tiny_en, reply_tokens)
        started.append(running)
        running.wait_ready()
        return running

    (tmp_path / "home").mkdir()
    try:
        yield start
    finally:
        for running in started:
            running.close()


def _clips(folder: Path) -> list[tuple[Path, str]]:
    """The sentences spoken by eSpeak NG at a natural pace, and jfk.wav (a recorded person)."""
    need("espeak-ng")
    clips = []
    for number, text in enumerate(SENTENCES):
        wav = folder / f"sentence-{number}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "165", "-w", str(wav), text], check=True)
        clips.append((wav, text))
    return [*clips, (JFK, JFK_TEXT)]


@pytest.mark.real
@pytest.mark.slow
def test_twenty_presses_as_people_press_lose_nothing(
    launch: Callable[[int], App], tmp_path: Path
) -> None:
    clips = _clips(tmp_path)
    app = launch(24)
    rng = random.Random(12)
    heard: list[tuple[str, str, float, float]] = []
    for number in range(PRESSES):
        clip, said = clips[number % len(clips)]
        lead, tail = rng.uniform(0.2, 1.2), rng.uniform(0.2, 1.2)
        app.press(clip, lead, tail)
        messages = app.wait_for("assistant", number + 2)  # the greeting, and each reply
        user = [text for role, text in messages if role == "user"]
        assert len(user) == number + 1, (number, user)  # no turn lost, none merged
        heard.append((said, user[-1], lead, tail))
    report = "\n".join(
        f"{word_error_rate(s, h):.2f}  lead {a:.2f} tail {b:.2f}  {h}" for s, h, a, b in heard
    )
    print(report)
    assert not [h for _, h, _, _ in heard if is_loop(h)], report  # no repeated phrase
    mean_wer = float(np.mean([word_error_rate(s, h) for s, h, _, _ in heard]))
    assert mean_wer <= 0.10, report


@pytest.mark.real
@pytest.mark.slow
def test_pressing_space_while_it_speaks_stops_it_and_listens(
    launch: Callable[[int], App], pulse_audio: PulseServer, tmp_path: Path
) -> None:
    clips = _clips(tmp_path)
    app = launch(160)  # a long reply, to interrupt
    with pulse_audio.record_speaker() as recorded:
        started = time.monotonic()
        app.press(JFK, 0.3, 0.4)
        app.wait_for("user", 1)
        time.sleep(3.0)  # the reply is being spoken
        pressed_at = time.monotonic()
        app.xdotool("keydown", "space")
        time.sleep(0.3)
        app.pulse.play_into_mic(clips[1][0])
        time.sleep(0.4)
        app.xdotool("keyup", "space")
        messages = app.wait_for("user", 2)
    (samples,) = recorded
    user = [text for role, text in messages if role == "user"]
    assert word_error_rate(SENTENCES[1], user[-1]) <= 0.2, user  # the next turn was heard
    replies = [text for role, text in messages if role == "assistant"]
    assert len(replies) >= 2 and replies[1].strip(), replies  # the reply heard so far is kept

    press = round((pressed_at - started) * RATE)
    loud = np.abs(samples) > 0.02
    assert loud[press - RATE // 2 : press].any(), "the reply was not being spoken at the press"
    # while the key is held (2.5 s) nothing more may be heard: when did the sound stop?
    after = np.flatnonzero(loud[press : press + 5 * RATE // 2])
    stopped_ms = (after[-1] + 1) * 1000 / RATE if after.size else 0.0
    print(f"the speech stopped {stopped_ms:.0f} ms after Space went down")
    assert stopped_ms <= 200
