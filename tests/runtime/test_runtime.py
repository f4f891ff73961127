"""The conversation runtime with fake engines and devices: turns, stops and barge-ins that land
at awkward moments, push-to-talk, hands-free, reloads and closing."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from fake_devices import FakeDevices, FakeStream, hold_the_key, pause, tone

from voicebuddy.audio.vad import EnergyVAD
from voicebuddy.config import Paths, Settings
from voicebuddy.dictation import DictationOptions
from voicebuddy.engines.fakes import FakeChat, FakeEndOfTurn, FakeSTT, FakeTTS
from voicebuddy.errors import ModelError, VoiceBuddyError
from voicebuddy.events import Event, Failed, Notice, TurnEnded, TurnStarted, UtteranceHeard
from voicebuddy.first_start import character_name
from voicebuddy.memory.facts import Fact
from voicebuddy.memory.store import MemoryStore
from voicebuddy.messages import Message
from voicebuddy.runtime import Audio, Regenerate, Runtime, State, Text
from voicebuddy.runtime.engines import EngineLoaders, find
from voicebuddy.runtime.events import (
    DictationStarted,
    DictationStopped,
    HandsFreeChanged,
    MicrophoneOpen,
    StateChanged,
)
from voicebuddy.runtime.state import allowed
from voicebuddy.runtime.turns import TurnTicket
from voicebuddy.storage import Store

REPLY = "Hello there! Nice to hear you."


class Gate:
    """A FakeSTT that waits at `hold` until released: a transcription that takes a while."""

    def __init__(self, text: str = "how are you") -> None:
        self.stt = FakeSTT(text)
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    @property
    def multilingual(self) -> bool:
        return True

    def transcribe(self, samples: np.ndarray, language: str | None = None):  # type: ignore[no-untyped-def]
        self.entered.set()
        assert self.release.wait(10)
        return self.stt.transcribe(samples, language)


class Harness:
    def __init__(self, tmp_path: Path, chat: FakeChat, stt: object, devices: FakeDevices) -> None:
        self.paths = Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data")
        self.store = Store(self.paths.store_file)
        self.devices = devices
        self.loaders = EngineLoaders(
            chat=lambda s, p: chat,
            stt=lambda s, p: stt,  # type: ignore[arg-type,return-value]
            tts=lambda v, r: FakeTTS(),
            vad=lambda name: EnergyVAD(),
            end_of_turn=FakeEndOfTurn,
        )
        self.runtime = Runtime(
            Settings(), self.paths, store=self.store, loaders=self.loaders, devices=devices
        )
        self.events: list[Event] = []
        self.runtime.subscribe(self.events.append)
        self.runtime.start(opening="new").result(5)

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in list(self.events) if isinstance(e, kind)]

    def stored(self) -> list[tuple[str, str]]:
        (info,) = Store(self.paths.store_file).conversations()
        return [(m.role, m.content) for m in Store(self.paths.store_file).messages(info.id)]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make_(
        chat: FakeChat | None = None, stt: object = None, devices: FakeDevices | None = None
    ) -> Harness:
        made.append(
            Harness(
                tmp_path,
                chat or FakeChat(REPLY),
                stt or FakeSTT("how are you"),
                devices or FakeDevices(),
            )
        )
        return made[-1]

    yield make_
    for harness in made:
        harness.runtime.close()


def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def test_a_typed_turn_is_answered_stored_and_every_state_change_is_in_the_table(
    make: Callable[..., Harness],
) -> None:
    h = make()
    ended = h.runtime.submit(Text("Hello!")).wait(5)
    assert ended.reply == REPLY and not ended.interrupted
    assert h.stored()[1:] == [("user", "Hello!"), ("assistant", REPLY)]
    changes = h.of(StateChanged)
    assert [c.state for c in changes] == [State.IDLE, State.THINKING, State.SPEAKING, State.IDLE]
    assert all(allowed(c.previous, c.state) for c in changes)


def test_a_barge_in_between_accepting_an_utterance_and_starting_its_turn_stops_it(
    make: Callable[..., Harness],
) -> None:
    """The utterance is queued behind a turn that is still being transcribed; the user talks
    again before it starts. The old code cleared the stop when the turn began and answered."""
    gate = Gate()
    chat = FakeChat(REPLY)
    h = make(chat=chat, stt=gate)
    gate.release.clear()
    first = h.runtime.submit(Audio(tone(1.0), hands_free=True))
    assert gate.entered.wait(5)  # the first turn is transcribing
    second = h.runtime.submit(Audio(tone(1.0), hands_free=True))  # accepted, not started
    h.runtime.barge_in()  # the user starts talking again
    assert [e.turn_id for e in h.of(TurnStarted)] == [first.turn_id]
    gate.release.set()
    assert first.wait(5).interrupted and first.wait(5).reply == ""
    ended = second.wait(5)
    assert ended.interrupted and ended.reply == "" and not chat.prompts
    # the words are kept, joined into one unanswered message
    assert h.stored()[1:] == [("user", "how are you how are you")]
    # what they say next is joined too, and all of it is answered together
    third = h.runtime.submit(Text("and the weather?")).wait(5)
    assert third.user_text == "how are you how are you and the weather?"
    assert h.stored()[1:] == [("user", third.user_text), ("assistant", REPLY)]


def test_every_turn_ends_with_exactly_one_end_or_failure(make: Callable[..., Harness]) -> None:
    h = make(stt=FakeSTT(""))
    tickets = [
        h.runtime.submit(Text("one")),
        h.runtime.submit(Audio(tone(0.5))),  # heard as nothing: no_speech
        h.runtime.submit(Regenerate()),
        h.runtime.submit(Text("two")),
    ]
    with pytest.raises(VoiceBuddyError) as failed:
        tickets[1].wait(5)
    assert failed.value.code == "no_speech"
    for ticket in (tickets[0], tickets[2], tickets[3]):
        ticket.wait(5)
    assert h.runtime.wait_until_idle(5)
    ends = [e.turn_id for e in h.events if isinstance(e, TurnEnded | Failed) and e.turn_id]
    assert sorted(ends) == [t.turn_id for t in tickets]
    assert len(h.of(TurnStarted)) == 4


def test_the_users_stop_ends_the_running_and_the_queued_turns(
    make: Callable[..., Harness],
) -> None:
    chat = FakeChat("This goes on and on. " * 100, delay_s=0.005)
    h = make(chat=chat)
    first = h.runtime.submit(Text("talk"))
    queued = h.runtime.submit(Text("and then?"))
    wait_for(lambda: chat.prompts)
    h.runtime.stop()
    assert first.wait(5).interrupted and queued.wait(5).interrupted
    stored = h.stored()
    assert stored[1] == ("user", "talk") and stored[2][0] == "assistant"
    assert stored[3] == ("user", "and then?") and len(stored) == 4  # kept, not answered


def test_holding_the_talk_key_records_and_the_release_is_a_turn(
    make: Callable[..., Harness],
) -> None:
    h = make()
    assert [e.open for e in h.of(MicrophoneOpen)] == [True]  # kept open for the talk key
    ticket = hold_the_key(h.runtime, h.devices, tone(1.0))
    assert isinstance(ticket, TurnTicket) and ticket.wait(5).transcript == "how are you"
    assert StateChanged(state=State.LISTENING, previous=State.IDLE, at=0) in [
        StateChanged(state=e.state, previous=e.previous, at=0) for e in h.of(StateChanged)
    ]
    assert hold_the_key(h.runtime, h.devices, tone(0.1)) is None  # too short: said so
    wait_for(lambda: h.runtime.state is State.IDLE)
    assert [e.code for e in h.events if getattr(e, "code", "") == "too_short"] == ["too_short"]


def test_what_is_said_is_transcribed_and_read_while_the_key_is_still_held(
    make: Callable[..., Harness],
) -> None:
    """The person stops talking and lets go a moment later: the transcript and the chat
    model's reading of it are made before the release, and nothing is transcribed after it."""
    stt, chat = FakeSTT("how are you"), FakeChat(REPLY)
    h = make(stt=stt, chat=chat)
    h.runtime.talk_pressed()
    (stream,) = h.devices.live
    stream.say(np.concatenate([tone(1.0), pause(0.3)]))
    wait_for(lambda: stt.calls and chat.judged)  # while the key is still held
    assert chat.judged == ["how are you"]
    ticket = h.runtime.talk_released()
    assert isinstance(ticket, TurnTicket) and ticket.wait(5).transcript == "how are you"
    assert len(stt.calls) == 1


class ReadingChat(FakeChat):
    """A FakeChat that keeps the prompts `ending_probability` read, up to the user's words."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.read: list[list[Message]] = []

    def ending_probability(self, messages: Sequence[Message], user_index: int) -> float:
        self.read.append(list(messages[: user_index + 1]))
        return super().ending_probability(messages, user_index)


def remember_the_colour(h: Harness) -> Fact:
    """The character knows the user's favourite colour; the fact."""
    character = find(h.paths, character_name(Settings()))
    fact = Fact("User's favourite colour is green", "favourite colour", "", "green")
    MemoryStore(h.store).remember(character.key, [fact])
    return fact


def test_the_memories_recalled_are_read_with_the_words_while_the_key_is_still_held(
    make: Callable[..., Harness],
) -> None:
    """The memory note goes just before the user's words, and is recalled by them: read with
    them while the key is held, the reply's prompt begins with what was read, note and all,
    and the model's cache holds it at the release."""
    stt, chat = FakeSTT("what is my favourite colour"), ReadingChat(REPLY)
    h = make(stt=stt, chat=chat)
    fact = remember_the_colour(h)
    h.runtime.talk_pressed()
    (stream,) = h.devices.live
    stream.say(np.concatenate([tone(1.0), pause(0.3)]))
    wait_for(lambda: chat.read)  # while the key is still held
    ticket = h.runtime.talk_released()
    assert isinstance(ticket, TurnTicket) and ticket.wait(5).reply == REPLY
    read, (prompt,) = chat.read[-1], chat.prompts
    assert any(fact.text in m.content for m in read if m.role == "system")
    assert prompt[: len(read)] == read


def test_with_transcription_while_talking_off_the_release_transcribes(
    make: Callable[..., Harness],
) -> None:
    stt = FakeSTT("how are you")
    h = make(stt=stt)
    settings = Settings()
    settings.listen.transcribe_while_talking = False
    h.runtime.reload(settings).result(5)
    h.runtime.talk_pressed()
    (stream,) = h.devices.live
    stream.say(np.concatenate([tone(1.0), pause(0.4)]))
    assert stt.calls == []
    ticket = h.runtime.talk_released()
    assert isinstance(ticket, TurnTicket) and ticket.wait(5).transcript == "how are you"
    assert len(stt.calls) == 1


def test_a_microphone_that_stalls_while_the_key_is_held_still_gives_the_turn(
    make: Callable[..., Harness],
) -> None:
    """No error, no more audio: the end of speech never comes, and the release must not wait
    for it for ever."""
    h = make()
    h.runtime.talk_pressed()
    (stream,) = h.devices.live
    stream.say(tone(0.8))
    stream.stop()  # the sound server stops delivering, silently
    ticket = h.runtime.talk_released()
    assert isinstance(ticket, TurnTicket)
    assert ticket.wait(5).transcript == "how are you"


def test_pressing_the_talk_key_while_the_character_speaks_stops_it_and_listens(
    make: Callable[..., Harness],
) -> None:
    chat = FakeChat("This goes on and on. " * 100, delay_s=0.005)
    h = make(chat=chat, devices=FakeDevices(realtime=True))
    first = h.runtime.submit(Text("talk"))
    wait_for(lambda: h.runtime.state is State.SPEAKING)
    time.sleep(0.5)  # a sentence or two into the reply
    second = hold_the_key(h.runtime, h.devices, tone(0.8))
    ended = first.wait(5)
    assert ended.interrupted and ended.reply.endswith("…")  # kept as far as it was heard
    assert isinstance(second, TurnTicket)
    wait_for(lambda: h.runtime.state is State.SPEAKING)  # the next reply, to what was said
    h.runtime.stop()
    assert second.wait(5).transcript == "how are you"
    stored = h.stored()
    assert stored[2] == ("assistant", ended.reply) and stored[3] == ("user", "how are you")


def test_hands_free_utterances_during_a_turn_are_queued_not_dropped(
    make: Callable[..., Harness],
) -> None:
    chat = FakeChat("A reply of some length. " * 6, delay_s=0.01)
    h = make(chat=chat, devices=FakeDevices())
    settings = h.runtime.settings
    settings.listen.barge_in = False
    settings.listen.duplex = "full"
    h.runtime.reload(settings).result(5)
    h.runtime.set_hands_free(True)
    wait_for(lambda: h.of(HandsFreeChanged))
    (stream,) = h.devices.live  # the talk key's microphone was let go
    stream.say(np.concatenate([tone(1.0), pause(1.0)]))
    wait_for(lambda: chat.prompts)
    stream.say(np.concatenate([tone(1.0), pause(1.0)]))  # while the first reply is generated
    wait_for(lambda: len(h.of(TurnEnded)) == 2, timeout=10)
    users = [content for role, content in h.stored() if role == "user"]
    assert users == ["how are you", "how are you"]


def test_a_reload_waits_for_the_turn_and_a_failed_one_keeps_the_old_engines(
    make: Callable[..., Harness],
) -> None:
    chat = FakeChat(REPLY, delay_s=0.01)
    h = make(chat=chat)
    loads: list[str] = []

    def load_chat(settings: Settings, _paths: Paths) -> FakeChat:
        loads.append(settings.llm.model)
        if settings.llm.model == "broken.gguf":
            raise ModelError("llm_model_invalid", "broken.gguf is not a GGUF model file.")
        return FakeChat("new model")

    h.runtime._engines.loaders = EngineLoaders(  # the same runtime, other model files
        chat=load_chat, stt=h.loaders.stt, tts=h.loaders.tts, vad=h.loaders.vad
    )
    turn = h.runtime.submit(Text("hi"))
    broken = Settings()
    broken.llm.model = "broken.gguf"
    with pytest.raises(ModelError):
        h.runtime.reload(broken).result(5)
    assert turn.wait(5).reply == REPLY  # the turn ran on the engines it started with
    assert h.runtime.settings.llm.model == ""
    assert h.runtime.submit(Text("still there?")).wait(5).reply == REPLY
    fixed = Settings()
    fixed.llm.model = "other.gguf"
    h.runtime.reload(fixed).result(5)
    assert h.runtime.submit(Text("and now?")).wait(5).reply == "new model"
    assert loads == ["broken.gguf", "other.gguf"]


def test_closing_during_a_turn_lets_the_engine_thread_finish_before_the_store_closes(
    make: Callable[..., Harness],
) -> None:
    chat = FakeChat("Words and words. " * 200, delay_s=0.005)
    h = make(chat=chat)
    ticket = h.runtime.submit(Text("talk a while"))
    wait_for(lambda: chat.prompts)
    h.runtime.close()
    assert h.runtime.state is State.CLOSED
    ended = ticket.wait(0)  # already over when close() returned
    assert ended.interrupted
    stored = h.stored()
    assert stored[-1][0] == "assistant" and stored[-1][1] == ended.reply
    with pytest.raises(VoiceBuddyError) as closed:
        h.runtime.submit(Text("too late"))
    assert closed.value.code == "closed"
    assert h.stored() == stored  # nothing was written after close
    with pytest.raises(VoiceBuddyError) as refused:
        h.store.add_message(1, "user", "after close")
    assert refused.value.code == "store_closed"


def test_the_read_ahead_happens_once_per_change_of_the_conversation(
    make: Callable[..., Harness],
) -> None:
    chat = FakeChat(REPLY)
    h = make(chat=chat)
    assert h.runtime.wait_until_idle(5)
    assert len(chat.prepared) == 1  # after loading
    h.runtime.submit(Text("hi")).wait(5)
    assert h.runtime.wait_until_idle(5)
    assert len(chat.prepared) == 2  # after the turn, for the next one
    assert chat.prepared[-1][-1].content == REPLY  # it ends with the last reply


def test_a_press_that_cannot_start_a_recording_says_why(make: Callable[..., Harness]) -> None:
    h = make(chat=FakeChat(REPLY, delay_s=0.05))
    settings = Settings()
    settings.listen.press_interrupts = False
    h.runtime.reload(settings).result(5)
    ticket = h.runtime.submit(Text("Tell me a story."))
    wait_for(lambda: h.runtime.state in (State.THINKING, State.SPEAKING))
    h.runtime.talk_pressed()  # not an interruption when the setting is off: said so
    notices = [e for e in h.of(Notice) if e.code == "not_now"]
    assert len(notices) == 1 and notices[0].cause in ("thinking", "speaking")
    assert notices[0].message == "Wait for the reply, or press Stop."
    assert not ticket.wait(10).interrupted
    assert h.runtime.talk_released() is None  # that press recorded nothing


def hands_free_on_a_headset(h: Harness) -> FakeStream:
    """Hands-free on, the microphone hearing only the user; its stream."""
    settings = h.runtime.settings
    settings.listen.duplex = "full"
    h.runtime.reload(settings).result(5)
    h.runtime.set_hands_free(True)
    wait_for(lambda: h.of(HandsFreeChanged))
    (stream,) = h.devices.live
    return stream


def test_hands_free_reads_the_memories_recalled_with_the_words_in_the_pause(
    make: Callable[..., Harness],
) -> None:
    """As with the talk key: the words judged in the pause are read with the memory note the
    turn will have, so the reply's prompt begins with what was read."""
    stt, chat = FakeSTT("what is my favourite colour"), ReadingChat(REPLY)
    h = make(chat=chat, stt=stt, devices=FakeDevices())
    fact = remember_the_colour(h)
    stream = hands_free_on_a_headset(h)
    stream.say(np.concatenate([tone(1.0), pause(2.5)]))
    wait_for(lambda: len(h.of(TurnEnded)) == 1)
    read, (prompt,) = chat.read[-1], chat.prompts
    assert any(fact.text in m.content for m in read if m.role == "system")
    assert prompt[: len(read)] == read


def test_hands_free_listens_again_when_the_end_of_turn_settings_change(
    make: Callable[..., Harness],
) -> None:
    h = make(chat=FakeChat(REPLY), devices=FakeDevices())
    stream = hands_free_on_a_headset(h)
    stream.say(np.concatenate([tone(1.0), pause(2.0)]))
    wait_for(lambda: len(h.of(TurnEnded)) == 1)
    settings = h.runtime.settings
    settings.listen.end_of_turn = "pause"
    h.runtime.reload(settings).result(5)
    wait_for(lambda: h.devices.live and h.devices.live[0] is not stream)
    (stream,) = h.devices.live
    stream.say(np.concatenate([tone(1.0), pause(2.0)]))
    wait_for(lambda: len(h.of(TurnEnded)) == 2)
    assert [e.reason for e in h.of(UtteranceHeard)] == ["model", "pause"]
    assert h.runtime.hands_free


def test_without_its_model_smart_listening_says_so_and_waits_for_the_pause(
    make: Callable[..., Harness],
) -> None:
    h = make(chat=FakeChat(REPLY), devices=FakeDevices())

    def missing() -> FakeEndOfTurn:
        raise ModelError("model_not_installed", "The end-of-turn model is not installed.")

    h.runtime._engines.loaders = dataclasses.replace(h.loaders, end_of_turn=missing)
    settings = h.runtime.settings
    settings.listen.duplex = "full"
    h.runtime.reload(settings).result(5)
    h.runtime.set_hands_free(True)
    wait_for(lambda: h.of(HandsFreeChanged))
    (notice,) = [n for n in h.of(Notice) if n.code == "model_not_installed"]
    assert "A pause of 700 ms ends each turn instead." in notice.message
    (stream,) = h.devices.live
    stream.say(np.concatenate([tone(1.0), pause(2.0)]))
    wait_for(lambda: len(h.of(TurnEnded)) == 1)
    assert [e.reason for e in h.of(UtteranceHeard)] == ["pause"]


@pytest.mark.parametrize(
    ("heard", "reason", "transcriptions"),
    [("how are you", "model", 1), ("so what should I cook", "max_pause", 2)],
)
def test_hands_free_judges_the_words_in_the_pause_and_the_turn_reuses_them(
    make: Callable[..., Harness], heard: str, reason: str, transcriptions: int
) -> None:
    stt = FakeSTT(heard)
    chat = FakeChat(REPLY)
    h = make(chat=chat, stt=stt, devices=FakeDevices())
    stream = hands_free_on_a_headset(h)
    stream.say(np.concatenate([tone(1.0), pause(2.5)]))
    wait_for(lambda: len(h.of(TurnEnded)) == 1)
    assert [e.reason for e in h.of(UtteranceHeard)] == [reason]
    assert heard in chat.judged  # the chat model was asked whether the words end there
    # the turn reuses the transcript made in the pause, also when the longest pause ended it;
    # words that seemed to go on at the first frame of silence were heard once more
    assert len(stt.calls) == transcriptions
    assert [content for role, content in h.stored() if role == "user"] == [heard]


class HeardSTT(FakeSTT):
    """A FakeSTT that keeps the audio it was given."""

    def __init__(self) -> None:
        super().__init__("dictated words")
        self.heard: list[np.ndarray] = []

    def transcribe(self, samples: np.ndarray, language: str | None = None):  # type: ignore[no-untyped-def]
        self.heard.append(samples.copy())
        return super().transcribe(samples, language)


def test_dictation_keeps_the_words_said_as_its_key_went_down(
    make: Callable[..., Harness],
) -> None:
    """Dictation takes over the talk key's open microphone with its last 0.3 s, as a press
    of the talk key does: a stream opened at the press would lose the first word."""
    stt = HeardSTT()
    h = make(stt=stt)
    (stream,) = h.devices.live
    stream.say(tone(0.25))  # the first word, said as the key goes down
    h.runtime.start_dictation(DictationOptions())
    stream.say(tone(0.3))  # the rest of it
    stream.say(pause(0.6))
    h.runtime.stop_dictation()
    wait_for(lambda: h.of(DictationStopped))
    (stopped,) = h.of(DictationStopped)
    assert stopped.transcription.text.strip() == "dictated words"
    audio = max(stt.heard, key=len)
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160)  # 10 ms
    loud_s = int(np.sum(np.sqrt(np.mean(frames**2, axis=1)) > 0.05)) / 100
    assert loud_s >= 0.5, f"only {loud_s:.2f} s of the 0.55 s of speech was heard"
    assert len(h.devices.streams) == 1  # no second stream was opened for it
    assert h.runtime.input_level() == 0.0  # nothing is recorded any more


def test_dictation_opens_its_own_stream_when_the_talk_key_keeps_none(
    make: Callable[..., Harness],
) -> None:
    stt = HeardSTT()
    h = make(stt=stt)
    h.runtime.set_hands_free(True)  # hands-free has the microphone: the talk key's is closed
    wait_for(lambda: len(h.devices.live) == 1 and h.devices.live[0] is not h.devices.streams[0])
    h.runtime.start_dictation(DictationOptions())
    wait_for(lambda: h.of(DictationStarted))
    (stream,) = h.devices.live
    levels: list[float] = []
    stream.say(tone(0.5))
    levels.append(h.runtime.input_level())
    stream.say(pause(0.6))
    h.runtime.stop_dictation()
    wait_for(lambda: h.of(DictationStopped))
    assert h.of(DictationStopped)[0].transcription.text.strip() == "dictated words"
    assert levels[0] > 0.05  # the window's and the overlay's meter
