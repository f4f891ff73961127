"""The chat model writing memories and summaries (voicebuddy/memory/model_notes.py), with the
real default model made to do it: its answers are held to the JSON schema by llama.cpp's
grammar, so they always parse, and it waits while the user is busy."""

from __future__ import annotations

import threading

import pytest

from voicebuddy.memory.model_notes import ModelNotes, is_capable
from voicebuddy.messages import Message
from voicebuddy.models.defaults import default_llm_path

pytestmark = [pytest.mark.real]


def test_the_small_default_model_is_not_asked_to_write_memories() -> None:
    assert not is_capable(default_llm_path())  # 135M parameters: the patterns serve it


def test_the_model_writes_facts_and_a_summary_that_parse_and_waits_for_the_user() -> None:
    calls = {"busy": 0, "while_busy": 0}

    def busy() -> bool:  # the user talks through the first 20 looks
        calls["busy"] += 1
        return calls["busy"] <= 20

    notes = ModelNotes(default_llm_path(), busy, threads=2, context_size=1024)
    evaluated = []
    real_eval = notes._llama.eval
    notes._llama.eval = lambda tokens: (evaluated.append(calls["busy"]), real_eval(tokens))[1]
    facts = notes.facts("Ann", "My dog is called Biscuit and I live in Leeds.")
    assert calls["busy"] > 20 and evaluated and min(evaluated) > 20  # nothing read while busy
    assert facts, "the grammar-held answer did not parse into facts"
    for fact in facts:
        assert fact.text and fact.value and fact.key.startswith("about: ")
    summary = notes.summary(
        "Ann", "Rowan", "",
        [Message("user", "My dog is called Biscuit."), Message("assistant", "What a name!")],
    )  # fmt: skip
    assert summary.strip()
    print(f"\nfacts: {[f.text for f in facts]}\nsummary: {summary!r}")


def test_writing_stops_when_the_app_closes() -> None:
    stopped = threading.Event()
    stopped.set()
    notes = ModelNotes(default_llm_path(), lambda: True, threads=1, context_size=512,
                       stopped=stopped)  # fmt: skip
    assert notes.facts("Ann", "My dog is called Biscuit.") == []
