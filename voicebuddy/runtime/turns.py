"""Turns in the runtime: accepted from any thread (each with its CancelToken at once), then run
one at a time on the engine thread with the engines and devices of that moment."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import Future

import voicebuddy.runtime.commands as c
from voicebuddy.audio.types import AudioSink
from voicebuddy.config import Settings
from voicebuddy.conversation import Conversation
from voicebuddy.engines.llm import ChatModel
from voicebuddy.engines.stt import SpeechToText
from voicebuddy.engines.tts import TextToSpeech
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.events import Event, Failed, TurnEnded
from voicebuddy.memory.remembering import Remembering
from voicebuddy.pipeline import (
    Audio,
    CancelToken,
    PipelineOptions,
    Regenerate,
    TurnInput,
    TurnRequest,
    VoicePipeline,
)
from voicebuddy.runtime.engines import Engines
from voicebuddy.speech_out import PlaybackMonitor
from voicebuddy.wake import strip_wake_phrase


class TurnTicket:
    """An accepted turn: its id, and a way to wait for its end."""

    def __init__(self, turn_id: int, done: Future[TurnEnded]) -> None:
        self.turn_id = turn_id
        self._done = done

    def wait(self, timeout: float | None = None) -> TurnEnded:
        """The turn's end; raises its VoiceBuddyError when it failed."""
        return self._done.result(timeout)

    def done(self) -> bool:
        return self._done.done()


class PendingTurns:
    """The turns accepted and not yet ended, so that a stop reaches them all at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, TurnRequest] = {}
        self.closed = False

    def accept(self, turn_input: TurnInput, settings: Settings) -> c.Turn:
        with self._lock:
            if self.closed:
                raise VoiceBuddyError("closed", "VoiceBuddy is closing.")
            self._next_id += 1
            request = TurnRequest(self._next_id, turn_input, CancelToken())
            self._pending[request.turn_id] = request
            return c.Turn(request, settings)

    def cancel_all(self, *, barge_in: bool) -> None:
        with self._lock:
            requests = list(self._pending.values())
        for request in requests:
            request.cancel.cancel(barge_in=barge_in)

    def ended(self, turn_id: int) -> bool:
        """Forget a turn; returns whether hands-free utterances are still waiting."""
        with self._lock:
            self._pending.pop(turn_id, None)
            return any(
                isinstance(r.input, Audio) and r.input.hands_free for r in self._pending.values()
            )

    def __bool__(self) -> bool:
        return bool(self._pending)


def run_turn(
    turn: c.Turn,
    conversation: Conversation | None,
    engines: Engines,
    sink: AudioSink | None,
    playback: PlaybackMonitor,
    emit: Callable[[Event], None],
    changed: Callable[[], None],
    memory: Remembering | None = None,
) -> TurnEnded:
    """The turn on `conversation`; emits exactly one TurnEnded or Failed. `changed` is told
    when a regeneration has taken the old reply away. With `memory`, the character recalls
    what it knows of the user, and learns from the user's message once the turn is over."""
    request = turn.request
    try:
        if conversation is None:
            raise VoiceBuddyError("no_conversation", "No conversation is open.")
        if isinstance(request.input, Regenerate) and conversation.drop_last_reply():
            changed()  # the old reply goes before the new one comes
        elif isinstance(request.input, Audio) and request.input.hands_free:
            request = _with_wake_phrase(request, turn.settings, conversation)
        character = conversation.character
        speech = (engines.text_to_speech(character), sink) if sink is not None else None
        chat = engines.chat_for(character)
        for notice in engines.take_notices():
            emit(notice)
        remembers = memory is not None and memory.on_for(character.key, character.name)
        pipeline = turn_pipeline(
            turn.settings, engines, conversation, memory, chat,
            stt=engines.stt_for(character) if isinstance(request.input, Audio) else None,
            speech=speech, emit=emit, playback=playback,
        )  # fmt: skip
    except VoiceBuddyError as error:
        emit(Failed(turn_id=request.turn_id, code=error.code, message=error.message))
        raise
    ended = pipeline.run_turn(conversation, request)
    if memory is not None and remembers:
        model = getattr(chat, "model_path", None)  # a capable model writes memories too
        said = [m for m in conversation.messages if m.role == "user"]
        if said and said[-1].id is not None:
            memory.learn(character.key, conversation.user_name, said[-1], model)
        dropped = conversation.messages[: conversation.history_start]
        memory.sum_up(character, conversation.user_name, dropped, model)
    return ended


def turn_pipeline(
    settings: Settings,
    engines: Engines,
    conversation: Conversation,
    memory: Remembering | None,
    chat: ChatModel,
    *,
    stt: SpeechToText | None = None,
    speech: tuple[TextToSpeech, AudioSink] | None = None,
    emit: Callable[[Event], None] = lambda _event: None,
    playback: PlaybackMonitor | None = None,
) -> VoicePipeline:
    """The pipeline for `conversation`'s next turn: its options, and what its character
    recalls and sums up. The turn and everything that reads its prompt ahead (while the user
    talks, at each pause) build it here, so they assemble the same prompt."""
    character = conversation.character
    remembers = memory is not None and memory.on_for(character.key, character.name)
    options = PipelineOptions(
        sampling=engines.sampling(),
        chinese_script=settings.dictation.chinese_script,
        memory_budget=settings.memory.budget_tokens,
        summary_budget=settings.memory.summary_tokens,
    )
    if memory is None or not remembers:
        return VoicePipeline(stt, chat, speech, options, emit=emit, playback_monitor=playback)
    return VoicePipeline(
        stt, chat, speech, options, emit=emit, playback_monitor=playback,
        recall=lambda history: memory.facts_for(character, history, conversation.user_name),
        summarize=lambda dropped: memory.summary_of(character, dropped),
    )  # fmt: skip


def _with_wake_phrase(
    request: TurnRequest, settings: Settings, conversation: Conversation
) -> TurnRequest:
    if not settings.listen.wake_phrase:
        return request
    names = [conversation.character.display_name, conversation.character.name]
    return dataclasses.replace(
        request, transcript_filter=lambda text: strip_wake_phrase(text, names)
    )
