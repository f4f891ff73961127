"""The conversation runtime: engines, turns, listening and dictation, for every front end.

One engine thread does all engine work, in the order it was asked for (`Inbox`). Front ends
call `Runtime`'s methods from any thread; none of them waits for the engine thread, and what
happens comes back as events (`subscribe`). Stopping is immediate: every turn has a
`CancelToken` from the moment it is accepted, so a stop or a barge-in that lands before the
turn begins still stops it.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np

import voicebuddy.runtime.commands as c
from voicebuddy.audio.end_of_turn import EndOfTurnModel
from voicebuddy.audio.listener import HeardUtterance
from voicebuddy.audio.push_to_talk import PushToTalkCapture, Recording
from voicebuddy.audio.types import AudioSink, Samples
from voicebuddy.config import Paths, Settings
from voicebuddy.conversation import Conversation
from voicebuddy.dictation import AudioSource, DictationOptions
from voicebuddy.engines.live_transcript import LiveTranscript, WhileTalking
from voicebuddy.engines.llm import default_threads
from voicebuddy.engines.transcription import Transcription
from voicebuddy.errors import AudioError, VoiceBuddyError
from voicebuddy.events import (
    AudioStarted,
    Event,
    Failed,
    HeardSoFar,
    Listener,
    Notice,
    SpeechBegan,
    TranscriptReady,
    TurnStarted,
    UtteranceHeard,
)
from voicebuddy.first_start import character_name
from voicebuddy.memory.model_notes import ModelNotes
from voicebuddy.memory.remembering import Remembering
from voicebuddy.memory.store import MemoryStore
from voicebuddy.memory.writer import MemoryWriter
from voicebuddy.pipeline import Audio, TurnInput, VoicePipeline
from voicebuddy.runtime.conversations import Conversations
from voicebuddy.runtime.devices import AudioDevices, Devices
from voicebuddy.runtime.dictation_jobs import DictationJobs
from voicebuddy.runtime.engines import EngineLoaders, Engines
from voicebuddy.runtime.events import HandsFreeChanged, ModelsLoaded
from voicebuddy.runtime.inbox import Inbox
from voicebuddy.runtime.microphones import HandsFree, LentStream, PushToTalk
from voicebuddy.runtime.state import TURN_STATES, State, StateMachine
from voicebuddy.runtime.turn_end import SoundAndWords, sound_and_words
from voicebuddy.runtime.turns import PendingTurns, TurnTicket, run_turn, turn_pipeline
from voicebuddy.storage import Store
from voicebuddy.text.transcript import tidy_transcript

MIN_PRESS_S = 0.2  # a shorter recording is a slip of the key, not speech
_LONGEST_UTTERANCE_S = 30.0  # speech begun longer ago than this has ended, heard or not


# Why a press of the talk key does nothing now, by state (else a reply is under way).
NOT_NOW = {
    State.LOADING: "The models are still loading: talk once VoiceBuddy is ready.",
    State.DICTATING: "Dictation has the microphone: stop it to talk.",
    State.TRANSCRIBING_FILES: "Files are being transcribed: talk when that is done.",
}


class Runtime:
    """Owns the engines (on its engine thread), the open conversation, the turn queue, the
    state (see `voicebuddy.runtime.state`) and the microphones.

    `store` None keeps the conversation in memory only. `push_to_talk` opens a microphone
    for the talk key; `speak` opens the speaker (`settings.tts.speak_replies` also counts).
    `engines` is for the bench, which measures the same engines afterwards on its own thread.
    """

    def __init__(
        self,
        settings: Settings,
        paths: Paths,
        *,
        store: Store | None = None,
        loaders: EngineLoaders | None = None,
        devices: Devices | None = None,
        push_to_talk: bool = True,
        speak: bool = True,
        engines: Engines | None = None,
    ) -> None:
        self.paths = paths
        self._settings = copy.deepcopy(settings)  # never changed in place: a snapshot
        self._closing = threading.Event()
        self._speech_began: float | None = None  # hands-free speech not yet an utterance
        self._store = store
        self._engines = engines or Engines(self._settings, paths, loaders)
        self._devices: Devices = devices or AudioDevices()
        self._wants_microphone = push_to_talk
        self._speak = speak
        self._listeners: list[Listener] = []
        self._listeners_lock = threading.Lock()
        self._inbox: Inbox[c.Command] = Inbox()
        self._machine = StateMachine(self._emit, self._inbox.wake)
        self._turns = PendingTurns()
        self._press_lock = threading.Lock()
        self._ready = False  # the models of the last successful load are in use
        self._conversations = Conversations(
            store, paths, self._emit, lambda: self._settings.chat.user_name
        )
        self._memory = self._remembering(store)
        self._prepared = -1  # the conversation's version the read-ahead has seen
        self._sink: AudioSink | None = None
        self._working = False  # the engine thread is doing something (or reading ahead)
        self._push = PushToTalk(self._devices, self._emit, self._while_talking)
        self._hands_free = HandsFree(self._devices, self._heard, self.barge_in, self._emit)
        self._turn_end: SoundAndWords | None = None  # the smart listener's judge, if any
        self._dictation = DictationJobs(
            self._engines, self._devices, self._emit, self._machine.enter
        )
        self._thread = threading.Thread(target=self._loop, name="engines", daemon=True)

    def _remembering(self, store: Store | None) -> Remembering | None:
        """Long-term memory in `store`; a capable chat model writes it on its own thread,
        in a second context of the same file, while the user is not talking."""
        if store is None:
            return None
        memories = MemoryStore(store)

        def open_notes(model: Path) -> ModelNotes:
            llm = self._settings.llm
            return ModelNotes(
                model, self._wanted, llm.threads or default_threads(), llm.gpu_layers,
                stopped=self._closing,
            )  # fmt: skip

        return Remembering(memories, self._settings.memory, MemoryWriter(memories, open_notes))

    def _wanted(self) -> bool:
        """Whether the user or a turn wants the cores: background work waits meanwhile."""
        began = self._speech_began  # an utterance still going (a cough may never end one)
        talking = began is not None and time.monotonic() - began < _LONGEST_UTTERANCE_S
        return talking or self.busy or self._working

    # ----- front ends' side: any thread, never waits for the engines
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """`listener` gets every event, on the thread it happens on; keep it short."""
        with self._listeners_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def start(self, opening: c.Opening | None = "last") -> Future[ModelsLoaded]:
        """Start the engine thread: it opens a conversation (the last one, or a new one) and
        loads the models. The future holds ModelsLoaded, or raises the load's
        VoiceBuddyError. With `opening` None (dictation only) nothing is loaded yet."""
        load = c.Load(self._settings, opening)
        if opening is not None:
            self._inbox.put(load)
        else:
            self._machine.enter(State.IDLE)
            load.done.set_result(ModelsLoaded(description="", voices=(), voice="", can_talk=False))
        self._thread.start()
        return load.done

    @property
    def state(self) -> State:
        return self._machine.state

    @property
    def settings(self) -> Settings:
        """The settings in use (a copy: change it and `reload` it)."""
        return copy.deepcopy(self._settings)

    @property
    def can_talk(self) -> bool:
        return self._push.available

    @property
    def hands_free(self) -> bool:
        return self._hands_free.active

    @property
    def busy(self) -> bool:
        """A turn is queued or under way, or the talk key is held."""
        return bool(self._turns) or self._push.recording or self.state is not State.IDLE

    def submit(self, turn_input: TurnInput) -> TurnTicket:
        """Queue a turn: typed text, recorded audio, or Regenerate (the last reply again)."""
        turn = self._turns.accept(turn_input, self._settings)
        self._inbox.put(turn)
        return TurnTicket(turn.request.turn_id, turn.done)

    def talk_pressed(self) -> None:
        """The talk key went down: start recording. While the character thinks or speaks, the
        press stops it first (`[listen] press_interrupts`), as talking over it does."""
        at = time.monotonic()
        with self._press_lock:
            if self._turns.closed or self._hands_free.active or not self._push.available:
                return
            pressed_again = self._push.released  # still hearing out the last press's end
            if pressed_again:
                self._push.finish()  # that recording is complete now
            elif self._push.recording:
                return
            interrupts = self._settings.listen.press_interrupts
            if (self.state in TURN_STATES or pressed_again) and interrupts:
                self._turns.cancel_all(barge_in=True)
            elif self.state is not State.IDLE:
                message = NOT_NOW.get(self.state, "Wait for the reply, or press Stop.")
                self._emit(
                    Notice(code="not_now", message=message, topic="status", cause=self.state.value)
                )
                return
            try:
                self._push.press(at)
            except AudioError as error:
                self._emit(Notice(code=error.code, message=error.message, topic="microphone"))
                return
        self._inbox.put(c.Press())

    def talk_released(self, at: float | None = None) -> TurnTicket | None:
        """The talk key went up (at `at`, a time.monotonic(); None: now): what was said becomes
        a turn (None: nothing to answer). The recording goes on while the last word is still
        being said (see PushToTalkCapture)."""
        at = time.monotonic() if at is None else min(at, time.monotonic())
        with self._press_lock:
            if self._push.released:
                return None
            if not self._push.recording:  # dropped meanwhile (a reload took the microphone)
                self._inbox.put(c.Release(None))
                return None
            pressed_for = at - self._push.pressed_at
            if pressed_for < MIN_PRESS_S:
                self._push.discard()
                message = "Too short: hold the key while you speak."
                self._emit(Notice(code="too_short", message=message, topic="turn"))
                self._inbox.put(c.Release(None))
                return None
            turn = self._turns.accept(Audio(np.zeros(0, np.float32), at), self._settings)

        def recorded(recording: Recording) -> None:
            audio = Audio(
                recording.samples,
                recording.speech_ended_at,
                speech=recording.speech,
                while_talking=self._push.take_transcript(),
            )
            request = dataclasses.replace(turn.request, input=audio)
            self._inbox.put(c.Release(c.Turn(request, turn.settings, turn.done)))

        self._push.release(at, recorded)
        return TurnTicket(turn.request.turn_id, turn.done)

    def _while_talking(self, capture: PushToTalkCapture) -> WhileTalking | None:
        """What transcribes a press while the key is held (`[listen]
        transcribe_while_talking`), with the conversation's whisper once it is loaded; the
        chat model reads what was said so far, so the reply reads little more."""
        settings = self._settings
        current = self._conversations.current
        if not self._ready or not settings.listen.transcribe_while_talking or current is None:
            return None
        stt = self._engines.loaded_stt_for(current.character)
        if stt is None:
            return None
        pipeline = self._reader(current)
        script = settings.dictation.chinese_script

        def heard(so_far: Transcription) -> None:
            words = tidy_transcript(so_far.text, so_far.language, script)
            if words:
                self._emit(HeardSoFar(text=words))
                with contextlib.suppress(VoiceBuddyError):  # the turn will tell
                    pipeline.words_end(current, words)

        return WhileTalking(LiveTranscript(stt), capture, heard)

    def _reader(self, conversation: Conversation) -> VoicePipeline:
        """A pipeline that assembles `conversation`'s next prompt as its turn will (the same
        options, memories and summary: see turn_pipeline), for reading the user's words
        ahead: the memory note that goes just before them is then in the model's cache by the
        end of the turn, not read after it."""
        engines = self._engines  # the loaded model: this may run on the microphone's thread
        return turn_pipeline(self._settings, engines, conversation, self._memory, engines.chat())

    def input_level(self) -> float:
        """The level of what is being recorded, by the talk key or for dictation (RMS of the
        latest block; 0.0 when nothing is)."""
        return max(self._push.level(), self._dictation.level())

    def stop(self) -> None:
        """The user's stop: every queued or running turn ends now (keeping what was said and
        what was generated); a recording in progress is dropped."""
        self._turns.cancel_all(barge_in=False)
        if self._push.recording and not self._push.released:
            self._push.discard()
            self._inbox.put(c.Release(None))

    def barge_in(self) -> None:
        """The user talked over the character: the reply stops, keeping what was heard."""
        self._turns.cancel_all(barge_in=True)

    def reload(self, settings: Settings) -> Future[ModelsLoaded]:
        """Switch to `settings` between turns; the old engines stay if a new one fails."""
        load = c.Load(copy.deepcopy(settings))
        self._inbox.put(load)
        return load.done

    def open_character(self, name: str) -> None:
        self._inbox.put(c.OpenCharacter(name))

    def open_conversation(self, conversation_id: int) -> None:
        self._inbox.put(c.OpenConversation(conversation_id))

    def new_conversation(self) -> None:
        self._inbox.put(c.NewConversation())

    def edit_message(self, index: int, text: str) -> None:
        self._inbox.put(c.EditMessage(index, text))

    def delete_message(self, index: int) -> None:
        self._inbox.put(c.DeleteMessage(index))

    def next_greeting(self) -> None:
        self._inbox.put(c.NextGreeting())

    def set_hands_free(self, on: bool) -> None:
        self._inbox.put(c.SetHandsFree(on))

    def prepare_dictation(self, settings: Settings) -> None:
        """Load the speech model for `settings.dictation` (DictationReady or Failed)."""
        self._inbox.put(c.PrepareDictation(copy.deepcopy(settings)))

    def start_dictation(self, options: DictationOptions, cleanup: bool = False) -> None:
        self._inbox.put(self._dictation.request(options, cleanup))

    def stop_dictation(self) -> None:
        """Stop listening; DictationStopped follows once the last words are transcribed."""
        self._dictation.stop_live()

    def transcribe_files(
        self, paths: Sequence[Path], options: DictationOptions, cleanup: bool = False
    ) -> None:
        self._dictation.files_cancel.clear()
        self._inbox.put(c.TranscribeFiles(tuple(paths), options, cleanup))

    def cancel_files(self) -> None:
        self._dictation.files_cancel.set()

    def close(self, timeout: float = 30.0) -> None:
        """Stop everything, let the engine thread finish, then close the store: nothing is
        written after this returns."""
        with self._press_lock:
            if self._turns.closed:
                return
            self._turns.closed = True
        self._turns.cancel_all(barge_in=False)
        self._push.close()  # a recording already let go of still becomes its turn
        self._hands_free.stop()
        self._dictation.stop_live()
        self._dictation.files_cancel.set()
        self._inbox.put(c.Close())
        self._closing.set()  # the model's memory writing stops at its next token
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._memory is not None and self._memory.writer is not None:
            self._memory.writer.close()
        if self._store is not None:
            self._store.close()

    def wait_until_idle(self, timeout: float) -> bool:
        """Whether the runtime went idle with nothing queued within `timeout` (tests, CLI)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            quiet = not self._working and not self._inbox.items()
            if quiet and not self.busy:
                return True
            time.sleep(0.005)
        return False

    # ----- the callers' threads
    def hear(self, utterance: HeardUtterance) -> TurnTicket:
        """A hands-free utterance, as the listener hands it over (on its thread); the
        transcript made while the user paused goes with it (whether the words, the sound or
        the longest pause ended it: the speech is the same). Raises VoiceBuddyError when
        closing."""
        judged = self._turn_end
        early = None
        if judged is not None:
            early = judged.transcription_for(utterance.samples, utterance.speech)
        audio = Audio(
            utterance.samples,
            utterance.speech_ended_at,
            hands_free=True,
            speech=utterance.speech,
            transcription=early,
        )
        turn = self._turns.accept(audio, self._settings)
        self._hands_free.reply_started()  # from now on, talking over it is a barge-in
        self._inbox.put(turn)
        return TurnTicket(turn.request.turn_id, turn.done)

    def listening_judge(self) -> EndOfTurnModel | None:
        """What judges the ends of turns in smart hands-free listening now (None: a fixed
        pause ends them); the bench replays recordings through it."""
        return self._end_of_turn_model(self._settings)

    def _heard(self, utterance: HeardUtterance) -> None:
        with contextlib.suppress(VoiceBuddyError):  # closing
            self.hear(utterance)

    def _emit(self, event: Event) -> None:
        if isinstance(event, SpeechBegan | UtteranceHeard):  # hands-free: is the user talking?
            self._speech_began = time.monotonic() if isinstance(event, SpeechBegan) else None
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)

    def _on_turn_event(self, event: Event) -> None:
        """The pipeline's events (engine and speaking threads): the state follows them."""
        if isinstance(event, TurnStarted):
            self._machine.enter(State.TRANSCRIBING if event.source == "audio" else State.THINKING)
        elif isinstance(event, TranscriptReady):
            self._machine.enter(State.THINKING)
        elif isinstance(event, AudioStarted):
            self._machine.enter(State.SPEAKING)
        self._emit(event)

    # ----- the engine thread
    def _runnable(self, command: c.Command) -> bool:
        """While the talk key is held (or its recording is being finished) only the press and
        its release run: nothing may take the microphone away from the user."""
        if self.state is State.LISTENING or self._push.recording:
            return isinstance(command, c.Press | c.Release | c.Close)
        return True

    def _loop(self) -> None:
        conversations, dictation = self._conversations, self._dictation
        handlers: dict[type, Callable[[Any], None]] = {
            c.Load: self._load,
            c.Turn: self._turn,
            c.Press: lambda _command: self._machine.enter(State.LISTENING),
            c.Release: self._release,
            c.OpenCharacter: conversations.open_character,
            c.OpenConversation: conversations.open_conversation,
            c.NewConversation: conversations.new,
            c.EditMessage: conversations.edit,
            c.DeleteMessage: conversations.delete,
            c.NextGreeting: conversations.next_greeting,
            c.SetHandsFree: self._set_hands_free,
            c.PrepareDictation: dictation.prepare,
            c.StartDictation: self._start_dictation,
            c.TranscribeFiles: dictation.transcribe_files,
        }
        while True:
            command = self._inbox.take(self._runnable, block=False)
            if command is None:
                self._read_ahead()  # the one place: only when nothing else is waiting
                self._working = False
                command = self._inbox.take(self._runnable)
            assert command is not None
            self._working = True
            if isinstance(command, c.Close):
                self._finish()
                return
            try:
                handlers[type(command)](command)
            except Exception as error:  # a bug must not end the engine thread silently
                message = f"Unexpected error: {type(error).__name__}: {error}"
                self._emit(Failed(code="internal_error", message=message, about="command"))
                self._machine.recover()

    def _finish(self) -> None:
        self._hands_free.stop()
        self._push.close()
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        self._machine.enter(State.CLOSED)

    def _read_ahead(self) -> None:
        """Read the known part of the next prompt into the model's cache (see
        VoicePipeline.prepare), while the user is idle or talking."""
        conversation = self._conversations.current
        version = self._conversations.version
        if version == self._prepared or not self._ready or conversation is None:
            return
        self._working, self._prepared = True, version
        engines = self._engines
        with contextlib.suppress(VoiceBuddyError):  # the turn itself will report it
            chat = engines.chat_for(conversation.character)  # the engine thread: may load it
            # as the turn will assemble it: the summary of dropped history included
            turn_pipeline(self._settings, engines, conversation, self._memory, chat).prepare(
                conversation
            )

    # ----- loading
    def _load(self, command: c.Load) -> None:
        """Open the first conversation (once), load the engines, open the devices; the state
        is back to IDLE before ModelsLoaded or Failed is told."""
        self._machine.enter(State.LOADING)
        try:
            loaded = self._load_engines(command)
        except VoiceBuddyError as error:
            self._machine.enter(State.IDLE)
            self._emit(Failed(code=error.code, message=error.message, about="load"))
            command.done.set_exception(error)
            return
        except Exception as error:
            self._machine.enter(State.IDLE)
            command.done.set_exception(error)
            raise
        self._machine.enter(State.IDLE)
        self._emit(loaded)
        command.done.set_result(loaded)
        if self._hands_free.active and self._hands_free.listens_otherwise(command.settings.listen):
            self._hands_free.stop()  # listen again with the new pauses and end of turn
            self._set_hands_free(c.SetHandsFree(True))

    def _load_engines(self, command: c.Load) -> ModelsLoaded:
        if command.opening is not None:
            chat = command.settings.chat
            first = character_name(command.settings)
            self._conversations.open_first(command.opening, first, chat.user_name)
        current = self._conversations.current
        character = current.character if current else None
        self._engines.reload(command.settings, character)
        tts = self._engines.text_to_speech(character)
        self._settings = command.settings
        if self._memory is not None:
            self._memory.settings = command.settings.memory
        self._open_devices()
        self._ready, self._prepared = True, -1
        self._tell_notices()
        return ModelsLoaded(
            description=self._engines.describe(character),
            voices=tuple(self._engines.voices()),
            voice=tts.voice_id,
            can_talk=self._push.available,
        )

    def _tell_notices(self) -> None:
        for notice in self._engines.take_notices():
            self._emit(notice)

    def _open_devices(self) -> None:
        settings = self._settings
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        notice = Notice(code="speaker_ready", message="", topic="speaker")
        if self._speak and settings.tts.speak_replies:
            try:
                self._sink = self._devices.open_speaker(settings.audio.output_device)
            except AudioError as error:
                message = f"{error.message} Replies are shown, not spoken."
                notice = Notice(
                    code="not_spoken", message=message, topic="speaker", cause=error.message
                )
        self._emit(notice)
        if not self._wants_microphone:
            return
        notice = Notice(code="microphone_ready", message="", topic="microphone")
        listen = settings.listen
        try:
            vad = self._engines.voice_detector()
            self._push.use(settings.audio.input_device, vad, listen.keep_microphone_open)
            if self._hands_free.active:
                self._push.pause()
        except VoiceBuddyError as error:
            self._push.close()
            message = f"{error.message} Text-only mode: type your messages."
            notice = Notice(
                code="text_only", message=message, topic="microphone", cause=error.message
            )
        self._emit(notice)

    # ----- turns
    def _release(self, command: c.Release) -> None:
        if command.turn is None:
            self._machine.enter(State.IDLE)
            return
        self._machine.enter(State.TRANSCRIBING)
        self._turn(command.turn)

    def _turn(self, turn: c.Turn) -> None:
        self._hands_free.reply_started()  # talking over any reply interrupts it
        try:
            ended = run_turn(
                turn,
                self._conversations.current,
                self._engines,
                self._sink,
                self._hands_free.playback,
                self._on_turn_event,
                self._conversations.changed,
                self._memory,
            )
        except VoiceBuddyError as error:
            turn.done.set_exception(error)
        except Exception as error:
            turn.done.set_exception(
                VoiceBuddyError("internal_error", f"{type(error).__name__}: {error}")
            )
        else:
            turn.done.set_result(ended)
        finally:
            if not self._turns.ended(turn.request.turn_id):
                self._hands_free.reply_ended()  # no utterance waits: a barge-in means nothing
            self._conversations.changed()
            self._machine.enter(State.IDLE)

    # ----- listening
    def _set_hands_free(self, command: c.SetHandsFree, *, push_after: bool = True) -> None:
        """`push_after`: turning hands-free off gives the microphone back to the talk key."""
        if command.on and not self._hands_free.active:
            settings = self._settings
            try:
                vad = self._engines.voice_detector()
                end_of_turn = self._end_of_turn_model(settings)
                self._push.pause()  # one listener at a time
                self._hands_free.start(
                    settings.listen, settings.audio.input_device, vad, end_of_turn
                )
            except VoiceBuddyError as error:
                self._push.resume()
                failed = Failed(
                    code=error.code, message=error.message, about="command", subject="hands_free"
                )
                self._emit(HandsFreeChanged(on=False))
                self._emit(failed)
                return
        elif not command.on:
            self._hands_free.stop()
            if push_after:
                self._push.resume()
        mode = "hands_free" if command.on else "push"
        listen = dataclasses.replace(self._settings.listen, mode=mode)
        self._settings = dataclasses.replace(self._settings, listen=listen)
        self._emit(HandsFreeChanged(on=command.on))

    def _end_of_turn_model(self, settings: Settings) -> EndOfTurnModel | None:
        """The model that judges pauses in smart mode; None in pause mode, or when it cannot
        be loaded (the user is told, and a fixed pause ends each turn instead)."""
        if settings.listen.end_of_turn != "smart":
            return None
        try:
            self._turn_end = sound_and_words(
                self._engines,
                lambda: self._settings,
                lambda: self._conversations.current,
                self._reader,
            )
            return self._turn_end
        except VoiceBuddyError as error:
            self._emit(
                Notice(
                    code=error.code,
                    message=f"{error.message} A pause of {settings.listen.end_pause_ms} ms "
                    "ends each turn instead.",
                    topic="status",
                )
            )
            return None

    def _start_dictation(self, command: c.StartDictation) -> None:
        if self._hands_free.active:
            self._set_hands_free(c.SetHandsFree(False), push_after=False)
        push = self._push
        own_stream = self._dictation.microphone(self._settings.audio.input_device)

        def open_source(
            on_samples: Callable[[Samples, float], None], on_error: Callable[[AudioError], None]
        ) -> AudioSource:
            # The talk key's open stream keeps the words said as the key went down.
            if push.lend(command.pressed_at, on_samples, on_error):
                return LentStream(push)
            push.pause()  # one listener at a time
            return own_stream(on_samples, on_error)

        try:
            self._dictation.run_live(command, open_source)
        finally:
            push.take_back()
            push.resume()
