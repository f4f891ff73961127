"""The bench's memory on/off comparison with fake engines: both sides run, alternating, in one
runtime with a store of its own, and the "on" side's prompts really hold recalled memories."""

from __future__ import annotations

from pathlib import Path

from speechlike import speechlike

from voicebuddy.audio.types import Clip
from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.bench.clips import SpeechClip
from voicebuddy.bench.memory_turns import (
    SEEDED,
    MemoryTurn,
    _presses,
    compare_memory,
    memory_note,
    schedule,
    summary,
)
from voicebuddy.bench.pressing import LEAD_S, TAIL_S
from voicebuddy.bench.report import _memory_lines
from voicebuddy.bench.turns import TurnRecord
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.fakes import FakeChat, FakeEndOfTurn, FakeSTT, FakeTTS
from voicebuddy.first_start import character_name
from voicebuddy.runtime.engines import EngineLoaders, Engines, find

QUESTION = "What should I cook for dinner tonight?"


def test_memory_on_and_off_both_run_and_only_the_on_side_recalls(tmp_path: Path) -> None:
    settings = Settings()
    settings.memory.enabled = False  # the user's choice: the bench turns it on for its side
    paths = Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data")
    chat = FakeChat("Sure.")
    loaders = EngineLoaders(
        chat=lambda s, p: chat,
        stt=lambda s, p: FakeSTT(QUESTION),
        tts=lambda v, r: FakeTTS(seconds_per_char=0.01),
        vad=lambda name: EnergyVAD(),
        end_of_turn=FakeEndOfTurn,
    )
    engines = Engines(settings, paths, loaders)
    character = find(paths, character_name(settings))
    clip = SpeechClip("cook", QUESTION, Clip(speechlike(0.5), 16_000))

    data = compare_memory(engines, settings, paths, character, [clip], runs=2)

    on, off = data["on"], data["off"]
    assert on["turns"] == off["turns"] == 2, data
    assert on["failed_turns"] == off["failed_turns"] == 0, data
    assert [t["memory"] for t in data["runs"]] == ["on", "on", "off", "off"]
    assert data["ratio_on_over_off"] == round(on["p50"] / off["p50"], 3)
    assert data["release"] == "as the clip ends"
    # every "on" prompt held recalled memories; no "off" prompt did
    assert data["notes_inserted"] == on["turns_with_a_memory_note"] == 2, data
    assert off["turns_with_a_memory_note"] == 0 and off["memory_note_tokens_p50"] is None
    assert on["memory_note_tokens_p50"] > 0
    assert data["memories_seeded"] == len(SEEDED)
    prompts = chat.prompts[1:]  # after the cold turn
    notes = [memory_note(p, ["User loves cooking Thai curries for dinner"]) for p in prompts]
    assert [n is not None for n in notes] == [True, True, False, False]
    # the bench's store was its own, and is gone
    assert not list((paths.cache_dir / "bench").iterdir())
    assert not paths.store_file.exists()
    lines = _memory_lines(data)
    assert "on / off = " in lines[0] and "a memory note in 2 of 2 prompts" in lines[1]


def test_the_sides_alternate_in_blocks_on_off_off_on() -> None:
    sides = schedule()
    assert [next(sides) for _ in range(8)] == [True, False, False, True] * 2


def test_as_people_press_both_sides_get_the_same_leads_and_tails() -> None:
    presses = _presses(True)
    on, off = [presses[True]() for _ in range(6)], [presses[False]() for _ in range(6)]
    assert on == off and len(set(on)) == 6
    assert all(LEAD_S[0] <= lead <= LEAD_S[1] and TAIL_S[0] <= tail <= TAIL_S[1]
               for lead, tail in on)  # fmt: skip
    assert _presses(False)[True]() == _presses(False)[False]() == (0.0, 0.0)


def _turn(
    on: bool, ms: float | None, note: int | None, read: int, first_token: float = 50.0
) -> MemoryTurn:
    record = TurnRecord("q", 2.0, "q", voice_to_voice_ms=ms)
    record.marks = {"llm_first_token": first_token}
    return MemoryTurn(on, record, note_tokens=note, read_tokens=read)


def test_the_summary_is_each_sides_p50_their_ratio_and_the_notes_counted() -> None:
    turns = [
        _turn(True, 330.0, 60, 70, first_token=60.0),
        _turn(True, 300.0, None, 5, first_token=60.0),
        _turn(True, None, 60, 70),  # no audio: not counted
        _turn(False, 300.0, None, 5),
        _turn(False, 280.0, None, 3),
    ]
    data = summary(turns, seeded=40, learnt=1)
    assert (data["on"]["p50"], data["off"]["p50"]) == (315.0, 290.0)
    assert data["ratio_on_over_off"] == round(315 / 290, 3)
    assert data["first_token_ratio_on_over_off"] == round(60 / 50, 3)
    assert data["notes_inserted"] == 1 and data["on"]["turns"] == 2
    assert data["on"]["prompt_tokens_read_p50"] == 37.5
    assert (data["memories_seeded"], data["memories_learnt"]) == (40, 1)
