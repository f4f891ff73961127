"""The runtime driven at random (hypothesis): turns typed, recorded and heard hands-free,
regenerations, stops, barge-ins, reloads (some failing), character switches, the talk key and
closing, in any order and at any moment. Whatever happens, nothing deadlocks, every turn ends
exactly once, the state only moves as its table allows, and the SQLite file holds each of the
user's words exactly once and no reply twice."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from fake_devices import FakeDevices, pause
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.config import Paths, Settings
from voicebuddy.engines.fakes import FakeChat, FakeEndOfTurn, FakeTTS
from voicebuddy.engines.llm import Sampling
from voicebuddy.engines.transcription import Segment, Transcription
from voicebuddy.errors import ModelError
from voicebuddy.events import Event, Failed, TurnEnded
from voicebuddy.messages import Message
from voicebuddy.runtime import Audio, Regenerate, Runtime, State, Text
from voicebuddy.runtime.engines import EngineLoaders
from voicebuddy.runtime.events import ConversationChanged, ConversationOpened, StateChanged
from voicebuddy.runtime.state import allowed
from voicebuddy.storage import Store

STEP_BOUND_S = 10.0  # no step, and no settling at the end, may take longer than this


def tagged(number: int, seconds: float = 0.5) -> Samples:
    """Speech whose loudness says which it is (TaggedSTT reads it back)."""
    t = np.arange(int(seconds * STT_SAMPLE_RATE)) / STT_SAMPLE_RATE
    return ((0.1 + number * 0.001) * np.sin(2 * np.pi * 150 * t)).astype(np.float32)


class TaggedSTT:
    """Hears "utterance N" in the audio `tagged(N)` made."""

    multilingual = True

    def transcribe(self, samples: Samples, language: str | None = None) -> Transcription:
        loudest = float(np.abs(samples).max()) if samples.size else 0.0
        if loudest < 0.05:
            return Transcription((), "en")
        number = round((loudest - 0.1) / 0.001)
        return Transcription((Segment(0.0, 1.0, f"utterance {number}"),), "en")


class NumberedChat(FakeChat):
    """Each reply is different from its first piece on ("#007 is my reply."), so a reply
    stored twice shows, even one stopped after its first piece."""

    def __init__(self) -> None:
        super().__init__("", piece_chars=4, delay_s=0.0005)
        self.count = 0
        self._lock = threading.Lock()

    def stream_reply(
        self,
        messages: Sequence[Message],
        sampling: Sampling,
        stop: Sequence[str] = (),
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        with self._lock:
            self.count += 1
            self.reply = f"#{self.count:03d} is my reply."
        yield from super().stream_reply(messages, sampling, stop, cancel)


def load_chat(settings: Settings, _paths: Paths) -> FakeChat:
    if settings.llm.model == "broken.gguf":
        raise ModelError("llm_model_invalid", "broken.gguf is not a GGUF model file.")
    return NumberedChat()


class RuntimeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="vb-runtime-"))
        self.paths = Paths(self.folder / "c.toml", self.folder / "cache", self.folder / "data")
        self.devices = FakeDevices()
        loaders = EngineLoaders(
            chat=load_chat,
            stt=lambda s, p: TaggedSTT(),
            tts=lambda v, r: FakeTTS(seconds_per_char=0.001),
            vad=lambda name: EnergyVAD(),
            end_of_turn=FakeEndOfTurn,
        )
        start = Settings()
        start.listen.duplex = "full"  # the fake microphone never hears the fake speaker
        start.listen.end_pause_ms = 300
        self.runtime = Runtime(
            start, self.paths, store=Store(self.paths.store_file), loaders=loaders,
            devices=self.devices,
        )  # fmt: skip
        self.events: list[Event] = []
        self.bad_moves: list[str] = []
        self.last_state = State.LOADING
        self.lock = threading.Lock()
        self.runtime.subscribe(self.observe)
        self.said: list[str] = []  # every user word that must end up stored
        self.regenerations = 0
        self.next_tag = 0
        self.closed = False
        self.spoke_hands_free = False  # an utterance may still be waiting for its pause
        self.runtime.start(opening="new").result(STEP_BOUND_S)

    def observe(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)
            if isinstance(event, StateChanged):
                if event.previous is not self.last_state or not allowed(
                    event.previous, event.state
                ):
                    self.bad_moves.append(f"{event.previous} -> {event.state}")
                self.last_state = event.state

    def tag(self) -> int:
        self.next_tag += 1
        return self.next_tag

    # ----- what people do
    @precondition(lambda self: not self.closed)
    @rule()
    def type_a_message(self) -> None:
        number = self.tag()
        self.runtime.submit(Text(f"typed {number}"))
        self.said.append(f"typed {number}")

    @precondition(lambda self: not self.closed)
    @rule()
    def send_a_recording(self) -> None:
        number = self.tag()
        self.runtime.submit(Audio(tagged(number)))
        self.said.append(f"utterance {number}")

    @precondition(lambda self: not self.closed)
    @rule()
    def regenerate(self) -> None:
        self.runtime.submit(Regenerate())
        self.regenerations += 1

    @rule()
    def stop(self) -> None:
        self.runtime.stop()

    @rule()
    def barge_in(self) -> None:
        self.runtime.barge_in()

    @rule(temperature=st.sampled_from([0.2, 0.7]), broken=st.booleans())
    def reload(self, temperature: float, broken: bool) -> None:
        settings = self.runtime.settings
        settings.llm.temperature = temperature
        settings.llm.model = "broken.gguf" if broken else ""
        self.runtime.reload(settings)

    @rule(name=st.sampled_from(["Buddy", "Rowan", "Nobody"]))
    def switch_character(self, name: str) -> None:
        self.runtime.open_character(name)

    @rule()
    def new_conversation(self) -> None:
        self.runtime.new_conversation()

    @rule(on=st.booleans())
    def hands_free(self, on: bool) -> None:
        self.runtime.set_hands_free(on)

    @precondition(lambda self: not self.closed)
    @rule(overlap=st.booleans())
    def speak_hands_free(self, overlap: bool) -> None:
        if not self.runtime.hands_free:
            return
        number = self.tag()
        # With the shorter pause the utterance is still open: the next one continues it.
        audio = np.concatenate([tagged(number, 0.6), pause(0.2 if overlap else 0.5)])
        for stream in self.devices.live:
            stream.say(audio, wait=False)
            self.spoke_hands_free = True  # heard in real time, while other things happen

    @precondition(lambda self: not self.closed)
    @rule()
    def press_and_release(self) -> None:
        if self.runtime.hands_free or not self.devices.live:
            return
        number = self.tag()
        self.runtime.talk_pressed()
        self.devices.live[-1].say(tagged(number, 0.3))
        if self.runtime.talk_released() is not None:
            self.said.append(f"utterance {number}")

    @rule(ms=st.sampled_from([0, 1, 5, 20]))
    def wait(self, ms: int) -> None:
        time.sleep(ms / 1000)

    @precondition(lambda self: not self.closed)
    @rule()
    def close(self) -> None:
        started = time.monotonic()
        self.runtime.close(timeout=STEP_BOUND_S)
        assert time.monotonic() - started < STEP_BOUND_S
        self.closed = True

    @invariant()
    def moves_follow_the_table(self) -> None:
        assert self.bad_moves == []
        assert self.runtime.state in State

    def teardown(self) -> None:
        try:
            if not self.closed:
                deadline = time.monotonic() + STEP_BOUND_S
                while not all(s.silent() for s in self.devices.live):
                    assert time.monotonic() < deadline, "the microphone never finished"
                    time.sleep(0.01)
                if self.spoke_hands_free:
                    time.sleep(0.4)  # the end of an utterance is heard after a pause
                assert self.runtime.wait_until_idle(STEP_BOUND_S), "the runtime never settled"
                self.runtime.close(timeout=STEP_BOUND_S)
            assert self.runtime.state is State.CLOSED
            self.check()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    # ----- what must hold once it is over
    def check(self) -> None:
        assert self.bad_moves == []
        ends = Counter(
            e.turn_id for e in self.events if isinstance(e, TurnEnded | Failed) and e.turn_id
        )
        turns = max(ends, default=0)
        assert all(ends[i] == 1 for i in range(1, turns + 1)), ends  # each turn ended once

        store = Store(self.paths.store_file)
        try:
            stored = {info.id: store.messages(info.id) for info in store.conversations()}
        finally:
            store.close()
        views = [e for e in self.events if isinstance(e, ConversationOpened | ConversationChanged)]
        if views:  # the conversation open last is in the file exactly as the runtime had it
            last = views[-1]
            rows = stored[last.conversation_id]
            assert [(m.role, m.content) for m in rows] == [
                (m.role, m.content) for m in last.messages
            ]
        user_text = " | ".join(
            m.content for rows in stored.values() for m in rows if m.role == "user"
        )
        for words in self.said:  # typed, recorded: each exactly once
            assert _count(user_text, words) == 1, (words, user_text)
        for e in self.events:  # hands-free ones that became turns: each exactly once too
            if isinstance(e, TurnEnded) and e.transcript.startswith("utterance"):
                assert _count(user_text, e.transcript) == 1, (e.transcript, user_text)
        replies = [m.content for rows in stored.values() for m in rows[1:] if m.role == "assistant"]
        assert len(replies) == len(set(replies)), replies  # no reply stored twice
        answered = [e.reply for e in self.events if isinstance(e, TurnEnded) and e.reply]
        assert set(replies) <= set(answered)
        assert len(answered) - self.regenerations <= len(replies) <= len(answered)


def _count(haystack: str, words: str) -> int:
    """How often `words` occurs as whole words ("utterance 1" is not in "utterance 12")."""
    return len(re.findall(rf"(?<![\w]){re.escape(words)}(?![\w])", haystack))


RuntimeMachine.TestCase.settings = settings(
    max_examples=500,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_the_runtime_holds_up_to_anything = RuntimeMachine.TestCase
