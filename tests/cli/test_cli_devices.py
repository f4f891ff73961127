"""The command line on the (virtual PulseAudio) speaker and microphone, as on a desk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from pulse import PulseServer
from testdata import FIXTURES, word_error_rate

JFK = FIXTURES / "jfk.wav"
JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def _env(pulse_audio: PulseServer, tmp_path: Path) -> dict[str, str]:
    home = {k: str(tmp_path / k) for k in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")}
    return {**os.environ, **pulse_audio.env, **home, "VOICEBUDDY_CONFIG": str(tmp_path / "c.toml")}


@pytest.mark.real
def test_turn_speaks_the_reply_on_the_speaker(pulse_audio: PulseServer, tmp_path: Path) -> None:
    with pulse_audio.record_speaker() as recorded:
        result = subprocess.run(
            [sys.executable, "-m", "voicebuddy", "turn", "--wav", str(JFK), "--json"],
            env=_env(pulse_audio, tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["reply"] and data["timings_ms"]["first_audio"] > 0
    (played,) = recorded
    loud = np.abs(played) > 0.02
    assert loud.sum() / 16_000 > 0.3, "the reply was not heard on the speaker"


@pytest.mark.real
def test_voice_chat_records_the_microphone(pulse_audio: PulseServer, tmp_path: Path) -> None:
    chat = subprocess.Popen(
        [sys.executable, "-m", "voicebuddy", "chat", "--voice", "--no-speak"],
        env=_env(pulse_audio, tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert chat.stdin is not None and chat.stdout is not None
    output: list[str] = []
    listening = threading.Event()

    def read() -> None:
        assert chat.stdout is not None
        while chunk := chat.stdout.read(1):
            output.append(chunk)
            if "listening" in "".join(output[-40:]):
                listening.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    chat.stdin.write("\n")  # Enter: start talking
    chat.stdin.flush()
    assert listening.wait(60), "".join(output)
    pulse_audio.play_into_mic(JFK)
    chat.stdin.write("\n")  # Enter: stop
    chat.stdin.close()
    assert chat.wait(timeout=300) == 0, chat.stderr.read() if chat.stderr else ""
    reader.join(5)
    assert chat.stderr is not None
    said = chat.stderr.read().split("(you said: ", 1)[1].split(")\n", 1)[0]
    assert word_error_rate(JFK_TEXT, said) <= 0.15, said
