"""Shared test helpers and fixtures."""

from __future__ import annotations

import os

# Qt windows in tests are real but offscreen, unless a test run picks a display on purpose.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pulse import PulseServer


@pytest.fixture(scope="session")
def ggml_model(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Returns get(name): the installed Whisper model `name` ("tiny.en", "base") as a ggml file,
    converted once per test session into a temporary cache."""
    from voicebuddy.models.defaults import default_stt_source
    from voicebuddy.models.whisper_convert import ensure_ggml

    cache_dir = tmp_path_factory.mktemp("stt-cache")
    done: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in done:
            done[name] = ensure_ggml(default_stt_source(name), cache_dir, name)
        return done[name]

    return get


@pytest.fixture(scope="session")
def ggml_tiny_en(ggml_model: Callable[[str], Path]) -> Path:
    return ggml_model("tiny.en")


@pytest.fixture(scope="session")
def ggml_base(ggml_model: Callable[[str], Path]) -> Path:
    return ggml_model("base")


@pytest.fixture(scope="session")
def pulse_audio() -> Iterator[PulseServer]:
    """A private PulseAudio daemon with a virtual speaker and microphone (see tests/pulse.py).

    Fails (does not skip) when PulseAudio is missing. PortAudio is re-initialized on entry and
    exit, because it only enumerates devices when it starts.
    """
    from pulse import private_pulseaudio

    from voicebuddy.audio.playback import refresh_devices

    with private_pulseaudio() as server:
        refresh_devices()
        yield server
    refresh_devices()
