"""A card may name the model its character talks with (extensions.voicebuddy.model): the
runtime loads it for that character's conversations, and a missing one gives way to the
settings' model with one notice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from fake_devices import FakeDevices
from gguf_file import write_gguf

from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.fakes import FakeChat, FakeEndOfTurn, FakeSTT, FakeTTS
from voicebuddy.events import Event, Notice
from voicebuddy.runtime import Runtime, Text
from voicebuddy.runtime.engines import EngineLoaders
from voicebuddy.storage import Store


def card(folder: Path, name: str, model: str) -> None:
    data = {"name": name, "first_mes": "Hello.", "extensions": {"voicebuddy": {"model": model}}}
    body = {"spec": "chara_card_v2", "spec_version": "2.0", "data": data}
    (folder / f"{name}.json").write_text(json.dumps(body), encoding="utf-8")


def test_each_character_talks_with_its_own_model_or_is_told_why_not(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "characters"
    (folder / "models").mkdir(parents=True)
    own = write_gguf(folder / "models" / "rowan.gguf", {"general.architecture": "llama"},
                     {"w": np.zeros((2, 2), dtype=np.float32)})  # fmt: skip
    card(folder, "Rowan", "models/rowan.gguf")  # relative to the card
    card(folder, "Iris", "ollama:not-here:7b")
    loaded: list[str] = []

    def chat(settings: Settings, _paths: Paths) -> FakeChat:
        loaded.append(settings.llm.model)
        return FakeChat(f"I am on {settings.llm.model or 'the default'}.")

    loaders = EngineLoaders(
        chat=chat, stt=lambda s, p: FakeSTT(), tts=lambda r, p: FakeTTS(),
        vad=lambda name: EnergyVAD(), end_of_turn=FakeEndOfTurn,
    )  # fmt: skip
    paths = Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data")
    settings = Settings()
    settings.chat.character = "Rowan"
    runtime = Runtime(settings, paths, store=Store(paths.store_file), loaders=loaders,
                      devices=FakeDevices())  # fmt: skip
    events: list[Event] = []
    runtime.subscribe(events.append)
    try:
        runtime.start(opening="new").result(60)
        reply = runtime.submit(Text("Which model?")).wait(30)
        assert reply is not None and reply.reply == f"I am on {own}."
        runtime.open_character("Iris")
        for text in ("Hi Iris!", "And you?"):
            reply = runtime.submit(Text(text)).wait(30)
            assert reply is not None and reply.reply == "I am on the default."
        notices = [e for e in events if isinstance(e, Notice) and e.code == "model_fallback"]
        assert len(notices) == 1 and "\n" not in notices[0].message
        assert "Iris prefers the model 'ollama:not-here:7b'" in notices[0].message
        runtime.open_character("Rowan")
        reply = runtime.submit(Text("Back?")).wait(30)
        assert reply is not None and reply.reply == f"I am on {own}."
        assert loaded == [str(own), "", str(own)]  # loaded when the character changed
    finally:
        runtime.close()
