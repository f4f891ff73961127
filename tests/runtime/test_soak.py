"""200 voice turns through the runtime with the real engines: memory settles, no thread or
file descriptor is leaked. Latency is reported, not asserted (the machines are shared)."""

from __future__ import annotations

import os
import statistics
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from testdata import FIXTURES

from voicebuddy.audio.files import load_for_stt
from voicebuddy.audio.types import AudioSink, Clip
from voicebuddy.config import Paths, Settings
from voicebuddy.runtime import Audio, Runtime
from voicebuddy.runtime.devices import AudioDevices
from voicebuddy.sysinfo import memory_mb


class DiscardingSink:
    """An output that takes audio and keeps none of it."""

    def play(self, clip: Clip, on_start: Callable[[], None] | None = None) -> None:
        if on_start is not None and clip.samples.size:
            on_start()

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


class Discarding(AudioDevices):
    def open_speaker(self, name: str) -> AudioSink:
        return DiscardingSink()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.real
@pytest.mark.slow
def test_two_hundred_voice_turns(tmp_path: Path, ggml_tiny_en: Path) -> None:
    settings = Settings()
    settings.stt.model = str(ggml_tiny_en)
    settings.llm.max_reply_tokens = 32
    settings.llm.seed = 3
    paths = Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data")
    runtime = Runtime(settings, paths, devices=Discarding(), push_to_talk=False)
    runtime.start(opening="new").result()
    audio = load_for_stt(FIXTURES / "jfk.wav")[: 16_000 * 3]  # a 3 s question
    memory, threads, fds, latency = [], [], [], []
    for turn in range(200):
        if turn % 20 == 19:  # a new conversation now and then, as people do
            runtime.new_conversation()
        ended = runtime.submit(Audio(audio)).wait(120)
        assert runtime.wait_until_idle(60)  # the read-ahead for the next turn is done too
        if ended.timings.first_audio is not None:
            latency.append(ended.timings.first_audio)
        memory.append(memory_mb())
        threads.append(threading.active_count())
        fds.append(open_fds())
    runtime.close()
    warm = 20
    growth = max(memory[warm:]) / memory[warm]
    print(
        f"\nRSS {memory[warm]:.0f} MB after warm-up, max {max(memory[warm:]):.0f} MB "
        f"(+{(growth - 1) * 100:.1f} %); threads {threads[warm]}..{max(threads[warm:])}; "
        f"fds {fds[warm]}..{max(fds[warm:])}; first audio median "
        f"{statistics.median(latency[warm:100]):.0f} ms (turns 20-99) / "
        f"{statistics.median(latency[100:]):.0f} ms (100-199)"
    )
    assert growth < 1.10
    assert max(threads[warm:]) == threads[warm]
    assert max(fds[warm:]) == fds[warm]
    assert len(latency) >= 190  # nearly every turn was spoken
