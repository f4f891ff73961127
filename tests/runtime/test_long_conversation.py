"""300 turns with the default model and its context window, long-term memory on: the prompt
always fits, always starts with the character, once history is dropped it sums up what was
dropped, and the tokens the model reads per turn do not grow with the length of the history
or the number of memories (counted, not timed)."""

from __future__ import annotations

import re
import statistics
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from voicebuddy.characters.character import BUNDLED_DIR, find_character
from voicebuddy.config import MemorySettings
from voicebuddy.engines.llm import LlamaCppChat, LlamaSettings, ReplyStats, Sampling
from voicebuddy.memory.remembering import Remembering
from voicebuddy.memory.store import MemoryStore
from voicebuddy.messages import Message
from voicebuddy.models.defaults import default_llm_path
from voicebuddy.pipeline import PipelineOptions, Text, TurnRequest, VoicePipeline
from voicebuddy.session import ChatSession
from voicebuddy.storage import Store


class RecordingChat:
    """The real chat model, recording each prompt it is given and what it had to read."""

    def __init__(self, chat: LlamaCppChat) -> None:
        self.chat = chat
        self.first_messages: list[Message] = []
        self.read: list[int] = []  # prompt tokens not served from the cache, per turn
        self.sizes: list[int] = []
        self.notes: list[int] = []  # memory notes in each prompt
        self.summaries: list[str] = []  # what stood for the dropped history ("" for nothing)

    name = property(lambda self: self.chat.name)
    context_size = property(lambda self: self.chat.context_size)
    last_stats = property(lambda self: self.chat.last_stats)

    def count_tokens(self, messages: Sequence[Message]) -> int:
        return self.chat.count_tokens(messages)

    def prepare(self, messages: Sequence[Message], user_index: int) -> int:
        return self.chat.prepare(messages, user_index)

    def stream_reply(
        self,
        messages: Sequence[Message],
        sampling: Sampling,
        stop: Sequence[str] = (),
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        self.first_messages.append(messages[0])
        self.notes.append(sum(1 for m in messages[1:] if m.content.startswith("What Rowan")))
        summary = messages[1].content if messages[1].content.startswith("Earlier in") else ""
        self.summaries.append(summary)
        yield from self.chat.stream_reply(messages, sampling, stop, cancel)
        stats: ReplyStats = self.chat.last_stats
        self.read.append(stats.prompt_tokens - stats.reused_tokens)
        self.sizes.append(stats.prompt_tokens + stats.completion_tokens)


@pytest.mark.real
@pytest.mark.slow
def test_three_hundred_turns_stay_in_the_window_and_keep_the_character(tmp_path: Path) -> None:
    chat = LlamaCppChat(LlamaSettings(default_llm_path(), context_size=2048, threads=2, seed=5))
    recording = RecordingChat(chat)
    options = PipelineOptions(sampling=Sampling(max_tokens=24, seed=5))
    store = Store(tmp_path / "voicebuddy.sqlite3")
    memory = Remembering(MemoryStore(store), MemorySettings())
    rowan = find_character("Rowan", [BUNDLED_DIR])
    pipeline = VoicePipeline(
        None, recording, None, options,  # type: ignore[arg-type]
        recall=lambda history: [m.fact for m in memory.recall("Rowan", history)],
        summarize=lambda dropped: memory.summary_of(rowan, dropped),
    )  # fmt: skip
    conversation = ChatSession.new(store, rowan, "Ann").conversation
    for turn in range(300):
        said = [f"I love book number {turn}.", f"Tell me about book number {turn}, please.",
                f"My favourite book is number {turn}."][turn % 3]  # fmt: skip
        pipeline.run_turn(conversation, TurnRequest(turn + 1, Text(said)))
        memory.learn("Rowan", "Ann", conversation.messages[-2])
    assert len(memory.memories.memories("Rowan")) > 90  # kept, the favourite replaced
    store.close()
    # Once old turns are dropped, what Ann said in them is summed up after the definition:
    # the books of the dropped turns, never of the turns still in the prompt.
    summed = [(i, s) for i, s in enumerate(recording.summaries) if s]
    assert summed and summed[0][0] < 150, "history was never dropped, or never summed up"
    assert all(recording.summaries[i] for i in range(summed[0][0], 300))
    for turn, summary in summed:
        books = [int(n) for n in re.findall(r"Ann loves book number (\d+)", summary)]
        assert books and max(books) < turn - 3, (turn, summary)  # dropped turns' books
    assert len(conversation.messages) > 500
    # recalled into every prompt: in the note before the newest message, or already in the
    # summary (a memory is not said twice)
    assert all(recording.notes[i] == 1 or recording.summaries[i] for i in range(10, 300))
    assert sum(recording.notes) > 150
    description = "Rowan runs a small secondhand bookshop on a rainy street."
    for first in recording.first_messages:  # the definition, whatever the lorebook adds
        assert first.role == "system" and first.content.startswith("You are Rowan")
        assert description in first.content
    assert max(recording.sizes) <= 2048
    early = statistics.median(recording.read[50:150])
    late = statistics.median(recording.read[200:300])
    rereads = sum(1 for n in recording.read[1:] if n > 400)
    print(
        f"\nread per turn: median {early:.0f} / {late:.0f}, max {max(recording.read)}, "
        f"rereads {rereads}, largest prompt {max(recording.sizes)} of 2048 tokens"
    )
    assert late <= early * 1.5, (early, late)  # no growth with the history
    # the whole history is read again only now and then, when old messages are dropped
    assert rereads <= 30, rereads
