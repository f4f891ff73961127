"""The runtime's states and every transition between them, in one table."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from voicebuddy.events import Event


class State(Enum):
    LOADING = "loading"  # models are being loaded
    IDLE = "idle"  # ready; in hands-free mode the voice detector listens meanwhile
    LISTENING = "listening"  # push-to-talk: recording while the talk key is held
    TRANSCRIBING = "transcribing"  # a turn's speech is being turned into text
    THINKING = "thinking"  # the model reads the prompt and writes the reply
    SPEAKING = "speaking"  # the reply is being spoken (and may still be written)
    DICTATING = "dictating"  # live dictation has the microphone
    TRANSCRIBING_FILES = "transcribing_files"  # dictation of audio files
    CLOSED = "closed"


_S = State
TRANSITIONS: dict[State, frozenset[State]] = {
    _S.LOADING: frozenset({_S.IDLE, _S.CLOSED}),
    _S.IDLE: frozenset(
        {
            _S.LOADING,
            _S.LISTENING,
            _S.TRANSCRIBING,
            _S.THINKING,
            _S.DICTATING,
            _S.TRANSCRIBING_FILES,
            _S.CLOSED,
        }
    ),
    _S.LISTENING: frozenset({_S.IDLE, _S.TRANSCRIBING, _S.CLOSED}),
    # A turn stopped before its reply began ends without thinking or speaking.
    _S.TRANSCRIBING: frozenset({_S.THINKING, _S.IDLE, _S.CLOSED}),
    _S.THINKING: frozenset({_S.SPEAKING, _S.IDLE, _S.CLOSED}),
    _S.SPEAKING: frozenset({_S.IDLE, _S.CLOSED}),
    _S.DICTATING: frozenset({_S.IDLE, _S.CLOSED}),
    _S.TRANSCRIBING_FILES: frozenset({_S.IDLE, _S.CLOSED}),
    _S.CLOSED: frozenset(),
}
# The states in which a turn is under way (the talk key interrupts it, see Runtime).
TURN_STATES = frozenset({_S.TRANSCRIBING, _S.THINKING, _S.SPEAKING})


def allowed(before: State, after: State) -> bool:
    return after in TRANSITIONS[before]


class StateMachine:
    """The current state, moved only along the table; every move is told (StateChanged)."""

    def __init__(self, emit: Callable[[Event], None], moved: Callable[[], None]) -> None:
        self._emit = emit
        self._moved = moved  # after each move (the engine thread's queue looks again)
        self._state = State.LOADING
        self._lock = threading.RLock()

    @property
    def state(self) -> State:
        return self._state

    def enter(self, state: State) -> None:
        """Move to `state`; a move the table does not allow is a bug."""
        with self._lock:
            previous = self._state
            if state is previous:
                return
            if not allowed(previous, state):
                raise RuntimeError(f"runtime state {previous.name} -> {state.name} not allowed")
            self._state = state
            self._emit(StateChanged(state=state, previous=previous))
        self._moved()

    def recover(self) -> None:
        """Back to IDLE after a bug, whatever the table says (the move is still told)."""
        with self._lock:
            previous = self._state
            if previous in (State.IDLE, State.LISTENING):
                return
            self._state = State.IDLE
            self._emit(StateChanged(state=State.IDLE, previous=previous))
        self._moved()


@dataclass(frozen=True, kw_only=True)
class StateChanged(Event):
    state: State
    previous: State
