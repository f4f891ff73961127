"""The thread on which the chat model writes memories and summaries after turns
(voicebuddy/memory/model_notes.py), so that a turn never waits for them."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from voicebuddy.memory.facts import Fact
from voicebuddy.memory.store import MemoryStore
from voicebuddy.messages import Message

log = logging.getLogger(__name__)


class NoteWriter(Protocol):
    """What the chat model writes (ModelNotes; a fake in tests)."""

    def facts(self, user_name: str, text: str) -> list[Fact]: ...

    def summary(
        self, user_name: str, character_name: str, previous: str, messages: Sequence[Message]
    ) -> str: ...


@dataclass(frozen=True)
class _Facts:
    character: str
    user_name: str
    message: Message


@dataclass(frozen=True)
class _Summary:
    character_name: str
    user_name: str
    dropped: tuple[Message, ...]


class MemoryWriter:
    """Runs the model's note-writing one job at a time on its own thread. `open_notes(path)`
    opens the model at `path` (on this thread, when the first job for it comes)."""

    def __init__(self, memories: MemoryStore, open_notes: Callable[[Path], NoteWriter]) -> None:
        self._memories = memories
        self._open_notes = open_notes
        self._notes: tuple[Path, NoteWriter] | None = None
        self._jobs: queue.Queue[tuple[Path, _Facts | _Summary] | None] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        # started by the first job: with a small model there never is one
        self._thread = threading.Thread(target=self._run, name="memory-writer", daemon=True)

    def facts_from(self, model: Path, character: str, user_name: str, message: Message) -> None:
        """Have the model at `model` write down what `message` states; its facts take the
        place of what the patterns made of the same message."""
        self._put(model, _Facts(character, user_name, message))

    def sum_up(
        self,
        model: Path,
        character_name: str,
        user_name: str,
        dropped: Sequence[Message],
    ) -> None:
        """Have the model write what stands for `dropped`, the history the prompt no longer
        holds, unless that is written already."""
        ids = [m.id for m in dropped if m.id is not None]
        if ids and self._memories.summary_within(ids).up_to != max(ids):
            self._put(model, _Summary(character_name, user_name, tuple(dropped)))

    def wait(self, timeout: float) -> bool:
        """Until every job given so far is done (tests, closing)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """No more jobs; waits up to `timeout` for the one under way (whose model stops at
        its next token when the app closes), so nothing is written after the store closes."""
        self._jobs.put(None)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _put(self, model: Path, job: _Facts | _Summary) -> None:
        with self._lock:
            self._pending += 1
            if not self._thread.is_alive() and self._thread.ident is None:
                self._thread.start()
        self._jobs.put((model, job))

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            model, job = item
            try:
                notes = self._notes_for(model)
                if isinstance(job, _Facts):
                    self._write_facts(notes, job)
                else:
                    self._write_summary(notes, job)
            except Exception:  # a note not written loses nothing the user said
                log.exception("the model could not write a memory")
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _notes_for(self, model: Path) -> NoteWriter:
        if self._notes is None or self._notes[0] != model:
            self._notes = None  # the old context goes before the new one is made
            self._notes = (model, self._open_notes(model))
        return self._notes[1]

    def _write_facts(self, notes: NoteWriter, job: _Facts) -> None:
        if job.message.id is None:
            return
        facts = notes.facts(job.user_name, job.message.content)
        if facts:
            self._memories.replace_from_message(job.character, job.message.id, facts)

    def _write_summary(self, notes: NoteWriter, job: _Summary) -> None:
        ids = [m.id for m in job.dropped if m.id is not None]
        previous = self._memories.summary_within(ids)
        new = [m for m in job.dropped if m.id is not None and m.id > previous.up_to]
        if not new:
            return
        text = notes.summary(job.user_name, job.character_name, previous.text, new)
        if text:
            self._memories.keep_summary(max(ids), text)
