"""The terminal's push-to-talk: Enter to talk, Enter to stop, and Enter while the character
answers interrupts it, as the window's key does (issue 12)."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest
from fake_devices import FakeDevices, tone

from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.cli.talk import _voice_loop
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.fakes import FakeChat, FakeEndOfTurn, FakeSTT, FakeTTS
from voicebuddy.events import TurnEnded
from voicebuddy.runtime import Runtime, State
from voicebuddy.runtime.engines import EngineLoaders
from voicebuddy.storage import Store


def test_enter_while_it_answers_interrupts_and_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data")
    chat = FakeChat("This goes on and on. " * 100, delay_s=0.005)
    loaders = EngineLoaders(
        chat=lambda s, p: chat,
        stt=lambda s, p: FakeSTT("how are you"),  # type: ignore[arg-type,return-value]
        tts=lambda v, r: FakeTTS(),
        vad=lambda name: EnergyVAD(),
        end_of_turn=FakeEndOfTurn,
    )
    devices = FakeDevices(realtime=True)
    store = Store(paths.store_file)
    runtime = Runtime(Settings(), paths, store=store, loaders=loaders, devices=devices)
    ended: list[TurnEnded] = []
    runtime.subscribe(lambda e: ended.append(e) if isinstance(e, TurnEnded) else None)
    runtime.start(opening="new").result(5)
    read, write = os.pipe()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.FileIO(read, "r")))
    keys = io.FileIO(write, "w")
    finished: list[BaseException] = []

    def loop() -> None:
        try:
            _voice_loop(runtime)
        except BaseException as error:  # EOFError at the end of input
            finished.append(error)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        for _ in range(2):
            keys.write(b"\n")  # Enter: talk (the second time: while it speaks)
            deadline = time.monotonic() + 5
            while runtime.state is not State.LISTENING:
                assert time.monotonic() < deadline, runtime.state
                time.sleep(0.01)
            (stream,) = devices.live
            stream.say(tone(0.6))
            keys.write(b"\n")  # Enter: stop
            deadline = time.monotonic() + 5
            while runtime.state is not State.SPEAKING:
                assert time.monotonic() < deadline, runtime.state
                time.sleep(0.01)
            time.sleep(0.3)
        runtime.stop()
        keys.close()  # Ctrl-D
        thread.join(10)
        assert isinstance(finished[0], EOFError)
        assert [e.interrupted for e in ended] == [True, True]  # the first by Enter
        assert [e.transcript for e in ended] == ["how are you", "how are you"]
    finally:
        runtime.close()
