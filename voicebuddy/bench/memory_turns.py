"""Voice-to-voice with long-term memory on and off, in the same run, on the same engines.

The turns go through one runtime with a conversation store of its own: a SQLite file in a
temporary folder of the cache, removed afterwards. Its character already knows SEEDED things
about the user, kept as the app keeps what a user says (`Remembering.learn`), several of them
about what the bench's questions ask, so that a turn with memory on really recalls some into
its prompt. With memory on a turn recalls and, once over, learns from the user's words, as the
app's turns do; with memory off it does neither. Both sides store the conversation.

The sides take turns in blocks of BLOCK, on-off then off-on (a shared machine's drifting load
falls on both), switched as the app switches memory: by reloading the settings, which waits
for the runtime to be idle. Within a block the turns follow each other at once, as in the
voice-to-voice bench, so what a turn leaves the next one to do is measured too.

The key goes up as the clip ends, or (`as_people_press`) as people let go of it: a seeded
random lead and tail from the pressing bench (LEAD_S, TAIL_S), the same ones on both sides.
Then the words are heard at the pause before the release and the prompt, memory note
included, is read while the key is still held; at an instant release the note that the user's
words recall is read after it.

Reported: each side's p50, the ratio on/off, the ratio of the first token's p50 (what memory
itself adds: after the first token, the time to the first audio depends on how long the reply's
first phrase is, which the note changes), how many "on" turns had a memory note in their
prompt (0 would mean memory was silently off) and, per side, the prompt tokens the reply had
to read after the release (not already in the model's cache).
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicebuddy.bench.clips import SpeechClip
from voicebuddy.bench.pressing import LEAD_S, TAIL_S
from voicebuddy.bench.spy import Call, recording_calls
from voicebuddy.bench.stats import median, percentile
from voicebuddy.bench.timed_tts import TimedTTS
from voicebuddy.bench.turns import TurnRecord, VoiceTurns, stage_summary
from voicebuddy.characters.character import Character
from voicebuddy.config import Paths, Settings
from voicebuddy.memory.remembering import Remembering
from voicebuddy.memory.store import MemoryStore
from voicebuddy.messages import Message
from voicebuddy.runtime.engines import Engines
from voicebuddy.storage import Store

BLOCK = 2  # turns in a row on one side, between two reloads
PRESS_SEED = 18  # the leads and tails of `as_people_press`

# What a user has told the character in earlier conversations, as they would say it: the
# app's own fact patterns (and "remember that ...") turn each into a memory. Some are about
# what the bench asks (the weather, dinner, a joke, the weekend, a movie).
SEEDED = (
    "My name is Alex.",
    "I live in Leeds.",
    "I work as a nurse at the children's hospital.",
    "I love cooking Thai curries for dinner.",
    "I hate cold and rainy weather.",
    "My favourite movie is Spirited Away.",
    "I enjoy science fiction movies.",
    "I'm going to visit Mum and Dad this weekend.",
    "My dog is called Biscuit.",
    "I'm 34 years old.",
    "My favourite food is lasagne.",
    "I don't like mushrooms.",
    "I like terrible puns and silly jokes.",
    "My sister's name is Mia.",
    "I love hiking in the Yorkshire Dales at the weekend.",
    "I'm planning to run a half marathon in the spring.",
    "My birthday is in May.",
    "I'm a vegetarian.",
    "I enjoy playing the violin.",
    "My husband is called David.",
    "I like jazz music.",
    "I'm from Spain.",
    "I have a cat named Tom.",
    "My favourite colour is green.",
    "I'm planning to learn Japanese.",
    "My son's name is Leo.",
    "I love sunny weather in the summer.",
    "I can't stand horror movies.",
    "Remember that I cook dinner for my family most nights.",
    "Remember that I tell my son a joke every night at bedtime.",
    "My best friend is called Sam.",
    "Remember that I have a night shift at the hospital tonight.",
    "My car is called Betsy.",
    "I like watching old comedies on Friday nights.",
    "I enjoy baking sourdough bread.",
    "My favourite season is autumn.",
    "I'm going to the cinema with Sam on Saturday.",
    "I hate driving in snow.",
    "My hobby is gardening.",
    "Remember that I check the weather every morning before I cycle to work.",
)


@dataclass
class MemoryTurn:
    memory: bool  # the side: memory on or off
    record: TurnRecord
    note_tokens: int | None = None  # the memory note in its prompt; None: there was none
    read_tokens: int | None = None  # prompt tokens the reply read (not in the model's cache)

    def as_json(self) -> dict[str, object]:
        record = self.record
        return {
            "memory": "on" if self.memory else "off",
            "clip": record.clip,
            "voice_to_voice_ms": _round(record.voice_to_voice_ms),
            "prompt_tokens": record.prompt_tokens,
            "prompt_tokens_read": self.read_tokens,
            "memory_note_tokens": self.note_tokens,
            **({"error": record.error} if record.error else {}),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def with_memory(settings: Settings, on: bool) -> Settings:
    """`settings` with long-term memory on (for every character) or off."""
    memory = dataclasses.replace(settings.memory, enabled=on, off_for=[])
    return dataclasses.replace(settings, memory=memory)


def seed(store: Store, character: Character, settings: Settings) -> list[str]:
    """Teach `character` SEEDED as the app learns from a user's message; returns the facts
    kept."""
    remembering = Remembering(MemoryStore(store), with_memory(settings, True).memory)
    kept: dict[int, str] = {}
    for said in SEEDED:
        learnt = remembering.learn(character.key, settings.chat.user_name, Message("user", said))
        kept.update((memory.id, memory.fact) for memory in learnt)
    return list(kept.values())


def memory_note(messages: Sequence[Message], facts: Sequence[str]) -> Message | None:
    """The system message after the definition that holds one of `facts`, if any."""
    lines = {f"- {fact.strip()}" for fact in facts}
    for message in messages[1:]:
        if message.role == "system" and lines.intersection(message.content.splitlines()):
            return message
    return None


def schedule() -> Iterator[bool]:
    """The sides of the blocks, memory on (True) or off: on-off, off-on, on-off, ..."""
    while True:
        yield from (True, False, False, True)


def compare_memory(
    engines: Engines,
    settings: Settings,
    paths: Paths,
    character: Character,
    clips: Sequence[SpeechClip],
    runs: int,
    progress: Callable[[str], None] = lambda _: None,
    timed: TimedTTS | None = None,
    as_people_press: bool = False,
) -> dict[str, Any]:
    """`runs` voice turns with memory on and `runs` with it off (see the module), after one
    cold turn that is not counted; the figures for bench.json."""
    sides = {True: with_memory(settings, True), False: with_memory(settings, False)}
    folder = paths.cache_dir / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="memory-", dir=folder) as temporary:
        store = Store(Path(temporary) / "voicebuddy.sqlite3")
        try:
            facts = seed(store, character, settings)
            chat = engines.chat()
            with recording_calls(chat, "stream_reply") as calls:
                turns = VoiceTurns(engines, sides[True], paths, timed, store)
                try:
                    presses = _presses(as_people_press)
                    taken = _alternate(turns, sides, clips, runs, progress, calls, facts, presses)
                    learnt = len(MemoryStore(store).memories(character.key)) - len(facts)
                finally:
                    turns.close()  # the runtime closes the store
        finally:
            store.close()
    return {**summary(taken, len(facts), learnt), "release": _release(as_people_press)}


Presses = dict[bool, Callable[[], tuple[float, float]]]


def _presses(as_people_press: bool) -> Presses:
    """Per side, the lead and tail of its next press: the same sequence on both sides."""
    if not as_people_press:
        return {side: lambda: (0.0, 0.0) for side in (True, False)}

    def drawing(seeded: random.Random) -> Callable[[], tuple[float, float]]:
        return lambda: (seeded.uniform(*LEAD_S), seeded.uniform(*TAIL_S))

    return {side: drawing(random.Random(PRESS_SEED)) for side in (True, False)}


def _release(as_people_press: bool) -> str:
    if not as_people_press:
        return "as the clip ends"
    return f"as people press: {TAIL_S[0]:g}-{TAIL_S[1]:g} s after the clip ends"


def _alternate(
    turns: VoiceTurns,
    sides: dict[bool, Settings],
    clips: Sequence[SpeechClip],
    runs: int,
    progress: Callable[[str], None],
    calls: list[Call],
    facts: Sequence[str],
    presses: Presses,
) -> list[MemoryTurn]:
    """The cold turn, then blocks of turns on either side until each has `runs` turns that
    were heard (a turn without spoken audio is kept but does not count)."""
    chat = turns.engines.chat()
    empty = chat.count_tokens([Message("system", "")])
    counted = {True: 0, False: 0}
    tried = {True: 0, False: 0}

    def done(on: bool) -> bool:
        return counted[on] >= runs or tried[on] >= 2 * runs + 2

    def one(on: bool) -> MemoryTurn:
        progress(f"memory {'on' if on else 'off'}: turn {counted[on] + 1}/{runs}")
        before = len(calls)
        lead, tail = presses[on]()
        turn = MemoryTurn(on, turns.turn(clips[(tried[on] + 1) % len(clips)], lead, tail))
        tried[on] += 1
        counted[on] += turn.record.voice_to_voice_ms is not None
        if len(calls) > before:  # the prompt the reply was made from, and what it read
            note = memory_note(calls[-1].args[0], facts)
            if note is not None:
                turn.note_tokens = chat.count_tokens([note]) - empty
            stats = chat.last_stats
            turn.read_tokens = stats.prompt_tokens - stats.reused_tokens
        return turn

    progress("memory: cold turn")
    turns.turn(clips[0])
    taken: list[MemoryTurn] = []
    for on in schedule():
        if done(True) and done(False):
            break
        if done(on):
            continue
        turns.runtime.reload(sides[on]).result()  # as the app switches memory
        for _ in range(BLOCK):
            if not done(on):
                taken.append(one(on))
    return taken


def _side(turns: Sequence[MemoryTurn]) -> dict[str, Any]:
    timed = [t for t in turns if t.record.voice_to_voice_ms is not None]
    latencies = [t.record.voice_to_voice_ms for t in timed if t.record.voice_to_voice_ms]
    read = [t.read_tokens for t in timed if t.read_tokens is not None]
    notes = [t.note_tokens for t in timed if t.note_tokens is not None]
    speeds = [t.record.tokens_per_s for t in timed if t.record.tokens_per_s]
    return {
        "p50": round(percentile(latencies, 50), 1) if latencies else None,
        "p90": round(percentile(latencies, 90), 1) if latencies else None,
        "turns": len(latencies),
        "failed_turns": sum(1 for t in turns if t.record.error),
        "turns_with_a_memory_note": len(notes),
        "memory_note_tokens_p50": round(median(notes), 1) if notes else None,
        "prompt_tokens_read_p50": round(median(read), 1) if read else None,
        "llm_tokens_per_s": round(median(speeds), 1) if speeds else None,
        "stages": stage_summary([t.record for t in timed]),
    }


def summary(turns: Sequence[MemoryTurn], seeded: int, learnt: int) -> dict[str, Any]:
    on = _side([t for t in turns if t.memory])
    off = _side([t for t in turns if not t.memory])
    ratio = round(on["p50"] / off["p50"], 3) if on["p50"] and off["p50"] else None
    tokens = [side["stages"].get("llm_first_token", {}).get("at_ms") for side in (on, off)]
    first = round(tokens[0] / tokens[1], 3) if tokens[0] and tokens[1] else None
    return {
        "on": on,
        "off": off,
        "ratio_on_over_off": ratio,
        "first_token_ratio_on_over_off": first,
        "notes_inserted": on["turns_with_a_memory_note"],
        "memories_seeded": seeded,
        "memories_learnt": learnt,
        "block": BLOCK,
        "runs": [t.as_json() for t in turns],
    }
