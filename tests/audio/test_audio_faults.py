"""Audio devices that fail under a running app: the microphone or the speaker vanishes and
comes back, and a consumer that falls behind. Nothing is lost, and listening resumes."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from pulse import PulseServer
from test_audio import run_python

from voicebuddy.audio.stream import MicrophoneStream
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples

pytestmark = pytest.mark.real


def test_the_microphone_stream_reports_a_vanished_device_and_resumes_when_it_returns() -> None:
    # Kills and restarts a private sound server, so it runs in its own process and server.
    code = """
import json, sys, threading, time
sys.path.insert(0, "tests")
from pulse import private_pulseaudio
from voicebuddy.audio.stream import MicrophoneStream
with private_pulseaudio() as pulse:
    got, errors, recovered = [], [], threading.Event()
    stream = MicrophoneStream(lambda s, t: got.append(s.size), on_error=errors.append,
                              on_recovered=recovered.set, retry_s=0.3)
    stream.start()
    deadline = time.monotonic() + 10
    while sum(got) < 16000 and time.monotonic() < deadline:
        time.sleep(0.02)
    pulse.crash()
    while not errors and time.monotonic() < deadline + 10:
        time.sleep(0.02)
    time.sleep(1.0)  # still gone: the retries fail quietly
    during = sum(got)
    pulse.restart()
    back = recovered.wait(20)
    before = sum(got)
    deadline = time.monotonic() + 8  # a new stream on an idle null sink starts late
    while sum(got) - before < 16000 and time.monotonic() < deadline:
        time.sleep(0.05)
    after = sum(got)
    stream.stop()
    print(json.dumps({"errors": [e.code for e in errors], "back": back,
                      "message": errors[0].message if errors else "",
                      "after_return_s": (after - before) / 16000, "running": stream.running}))
"""
    done = run_python(code, dict(os.environ))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == ["input_device_failed"]
    assert "as soon as it is back" in result["message"]
    assert result["back"] is True
    assert result["after_return_s"] >= 1.0  # audio flows again
    assert result["running"] is False


def test_a_reply_survives_the_speaker_vanishing_and_the_next_is_heard() -> None:
    code = """
import json, sys, threading, time
sys.path.insert(0, "tests")
from pulse import private_pulseaudio
from voicebuddy.audio.playback import SpeakerSink
from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.character import Character
from voicebuddy.conversation import Conversation
from voicebuddy.engines.fakes import FakeChat, FakeTTS
from voicebuddy.events import Notice
from voicebuddy.pipeline import Text, TurnRequest, VoicePipeline
reply = "First sentence of the reply. " * 6
with private_pulseaudio() as pulse:
    failures = []
    pipeline = VoicePipeline(
        None, FakeChat(reply), (FakeTTS(seconds_per_char=0.03), SpeakerSink()),
        emit=lambda e: failures.append(e.code) if isinstance(e, Notice) else None,
    )
    conversation = Conversation.start(Character(CharacterCard(name="Rowan")), "Ann")
    threading.Timer(0.6, pulse.crash).start()
    first = pipeline.run_turn(conversation, TurnRequest(1, Text("Tell me something.")))
    pulse.restart()
    with pulse.record_speaker() as heard:
        second = pipeline.run_turn(conversation, TurnRequest(2, Text("Again, please.")))
    print(json.dumps({"failures": failures, "first": first.reply, "stored": [
        m.content for m in conversation.messages if m.role == "assistant"],
        "second_audio": second.timings.first_audio is not None,
        "peak": float(abs(heard[0]).max())}))
"""
    done = run_python(code, dict(os.environ))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["failures"] == ["playback_failed"]  # said once, in one sentence
    assert result["first"] == ("First sentence of the reply. " * 6).strip()  # the text is kept
    assert result["stored"] == [result["first"], result["first"]]
    assert result["second_audio"] and result["peak"] > 0.05  # the speaker works again


def test_a_consumer_that_falls_behind_loses_no_audio(pulse_audio: PulseServer) -> None:
    received: list[tuple[int, float]] = []  # samples, capture time
    stalled = threading.Event()

    def slow_consumer(samples: Samples, at: float) -> None:
        if not stalled.is_set():
            stalled.set()
            time.sleep(1.5)  # a long garbage collection, a busy machine
        received.append((samples.size, at))

    stream = MicrophoneStream(slow_consumer)
    stream.start()
    deadline = time.monotonic() + 15
    while (not received or received[-1][1] - received[0][1] < 3.0) and time.monotonic() < deadline:
        time.sleep(0.05)
    stream.stop()
    assert stalled.is_set() and received
    captured_s = received[-1][1] - received[0][1] + received[0][0] / STT_SAMPLE_RATE
    got_s = sum(size for size, _ in received) / STT_SAMPLE_RATE
    assert captured_s >= 3.0
    assert got_s == pytest.approx(captured_s, abs=0.1)  # every block, despite the stall
    assert stream.overflows == 0
