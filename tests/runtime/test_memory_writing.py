"""A capable chat model writes the memories after a turn, in the runtime as the window and
the terminal use it: on the memory writer's thread, in a second context of the same model
file, replacing what the patterns kept. The default model is made to write (it is too small
to be asked otherwise)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_devices import FakeDevices

from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.config import MemorySettings, Paths, Settings
from voicebuddy.engines.fakes import FakeEndOfTurn, FakeSTT, FakeTTS
from voicebuddy.engines.llm import LlamaCppChat, LlamaSettings
from voicebuddy.memory.store import MemoryStore
from voicebuddy.models.defaults import default_llm_path
from voicebuddy.runtime import Runtime, Text
from voicebuddy.runtime.engines import EngineLoaders
from voicebuddy.storage import Store


@pytest.mark.real
def test_after_a_turn_the_model_writes_the_memories_on_its_own_thread(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data")
    chat = LlamaCppChat(LlamaSettings(default_llm_path(), context_size=2048, threads=2, seed=3))
    loaders = EngineLoaders(
        chat=lambda s, p: chat,
        stt=lambda s, p: FakeSTT("unused"),
        tts=lambda v, r: FakeTTS(),
        vad=lambda name: EnergyVAD(),
        end_of_turn=FakeEndOfTurn,
    )
    settings = Settings()
    settings.memory = MemorySettings(model_writes="always")
    store = Store(paths.store_file)
    runtime = Runtime(settings, paths, store=store, loaders=loaders, devices=FakeDevices())
    try:
        runtime.start(opening="new").result(30)
        runtime.submit(Text("My dog is called Biscuit and I live in Leeds.")).wait(60)
        kept = MemoryStore(store).memories()
        assert kept, "nothing was kept"
        writer = runtime._memory.writer if runtime._memory else None
        assert writer is not None and writer.wait(120)
        written = MemoryStore(store).memories()
        print(f"\npatterns: {[m.fact for m in kept]}\nmodel: {[m.fact for m in written]}")
        # the model's facts (keys "about: …") took the place of the patterns' for the message
        assert written and all(m.key.startswith("about: ") for m in written)
        assert {m.message_id for m in written} == {m.message_id for m in kept}
    finally:
        runtime.close()
