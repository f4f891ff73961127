"""The runtime with the real voices (fake chat model, speech model and devices): a bad voice
chosen in the settings leaves the voice in use speaking; a card whose voice is missing speaks
with its language's default and says so once."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from fake_devices import FakeDevices
from voice_files import bad_voice

from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.fakes import FakeChat, FakeEndOfTurn, FakeSTT
from voicebuddy.events import Event, Failed, Notice
from voicebuddy.runtime import Runtime, Text
from voicebuddy.runtime.engines import EngineLoaders, load_text_to_speech
from voicebuddy.storage import Store

pytestmark = pytest.mark.real


def start(tmp_path: Path, settings: Settings) -> tuple[Runtime, FakeDevices, list[Event]]:
    paths = Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data")
    loaders = EngineLoaders(
        chat=lambda s, p: FakeChat("Sure, I can help with that."),
        stt=lambda s, p: FakeSTT(),
        tts=load_text_to_speech,
        vad=lambda name: EnergyVAD(),
        end_of_turn=FakeEndOfTurn,
    )
    devices = FakeDevices()
    runtime = Runtime(
        settings, paths, store=Store(paths.store_file), loaders=loaders, devices=devices
    )
    events: list[Event] = []
    runtime.subscribe(events.append)
    runtime.start(opening="new").result(60)
    return runtime, devices, events


def spoken_rates(devices: FakeDevices) -> set[int]:
    return {clip.sample_rate for clip in devices.sink.clips}


@pytest.mark.parametrize("damage", ["truncated", "no config", "sample rate"])
def test_a_bad_voice_file_is_refused_and_the_voice_in_use_keeps_speaking(
    tmp_path: Path, damage: str
) -> None:
    runtime, devices, events = start(tmp_path, Settings())
    try:
        assert runtime.submit(Text("Hello!")).wait(30) is not None
        assert spoken_rates(devices) == {22_050}  # the neural voice
        settings = runtime.settings
        bad = bad_voice(tmp_path / "downloads", damage)
        with pytest.raises(Exception):  # noqa: B017 - the Future carries the ModelError
            runtime.reload(
                dataclasses.replace(settings, tts=dataclasses.replace(settings.tts, voice=str(bad)))
            ).result(60)
        (failed,) = [e for e in events if isinstance(e, Failed) and e.about == "load"]
        assert failed.code == "voice_invalid" and "\n" not in failed.message
        assert str(runtime.settings.tts.voice) == ""
        devices.sink.clips.clear()
        assert runtime.submit(Text("And now?")).wait(30) is not None
        assert spoken_rates(devices) == {22_050} and devices.sink.clips
    finally:
        runtime.close()


def test_a_cards_missing_voice_speaks_with_the_default_and_says_so_once(tmp_path: Path) -> None:
    card = {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "data": {
            "name": "Ada",
            "description": "A retired engineer.",
            "first_mes": "Hello, dear.",
            "extensions": {
                "voicebuddy": {"voice": "voices/ada-custom.onnx", "speaker": "3", "language": "en"}
            },
        },
    }
    folder = tmp_path / "data" / "characters"
    folder.mkdir(parents=True)
    (folder / "Ada.json").write_text(json.dumps(card), encoding="utf-8")
    settings = Settings()
    settings.chat.character = "Ada"
    runtime, devices, events = start(tmp_path, settings)
    try:
        for text in ("Hi Ada!", "How are you?"):
            assert runtime.submit(Text(text)).wait(30) is not None
        notices = [e for e in events if isinstance(e, Notice) and e.code == "voice_fallback"]
        assert len(notices) == 1
        assert "ada-custom.onnx" in notices[0].message
        assert "piper en_US-joe-medium" in notices[0].message
        assert spoken_rates(devices) == {22_050}
    finally:
        runtime.close()
