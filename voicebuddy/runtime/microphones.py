"""The runtime's two ways of listening: the talk key's recording, and hands-free listening.

Both are driven from the callers' threads (a key press, the microphone's own thread), so each
keeps its state under a lock; neither waits for the engine thread.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import numpy as np

from voicebuddy.audio.end_of_turn import EndOfTurnModel
from voicebuddy.audio.listener import HandsFreeListener, HeardUtterance, ListenOptions
from voicebuddy.audio.push_to_talk import STALL_S, TAIL_S, PushToTalkCapture, Recording
from voicebuddy.audio.types import Clip, Samples
from voicebuddy.audio.vad import VoiceActivityDetector
from voicebuddy.config import ListenSettings
from voicebuddy.engines.live_transcript import WhileTalking
from voicebuddy.errors import AudioError
from voicebuddy.events import Event, Notice
from voicebuddy.runtime.devices import Devices, InputStream
from voicebuddy.runtime.events import MicrophoneOpen


class PushToTalk:
    """The talk key's microphone. Kept open (`keep_open`) it feeds a `PushToTalkCapture` all
    the time, so a press keeps the audio from just before it; otherwise a stream is opened at
    each press, and how long that took is told, since the first words said meanwhile are lost.
    """

    def __init__(
        self,
        devices: Devices,
        emit: Callable[[Event], None],
        live: Callable[[PushToTalkCapture], WhileTalking | None] = lambda _: None,
    ) -> None:
        self._devices = devices
        self._emit = emit
        self._live = live  # what transcribes a recording while the key is held (None: nothing)
        self._while_talking: WhileTalking | None = None
        self._lock = threading.Lock()
        self._stream: InputStream | None = None
        self._capture: PushToTalkCapture | None = None
        self._device = ""
        self._keep_open = True
        self._opened_at = 0.0  # when a per-press stream was asked for
        self._first_block = False
        self._lent_to: Callable[[Samples, float], None] | None = None
        self._lent_after = 0.0  # blocks captured up to then went with the kept audio
        self._lent_error: Callable[[AudioError], None] | None = None
        self.error: AudioError | None = None  # the stream failed during this recording

    @property
    def available(self) -> bool:
        return self._capture is not None

    @property
    def recording(self) -> bool:
        capture = self._capture
        return capture is not None and capture.recording

    @property
    def pressed_at(self) -> float:
        capture = self._capture
        return capture.pressed_at if capture is not None else 0.0

    @property
    def released(self) -> bool:
        """The key is up and the end of what was said is being waited for."""
        capture = self._capture
        return capture is not None and capture.released

    def use(self, device: str, vad: VoiceActivityDetector, keep_open: bool) -> None:
        """Take the microphone `device` ("": the default); raises AudioError when there is
        none (then the talk key does nothing)."""
        self.close()
        self._capture, self._device, self._keep_open = None, device, keep_open
        stream = self._open_stream()  # opened once even if not kept: is there a microphone?
        self._capture = PushToTalkCapture(vad)
        if not keep_open:
            stream.stop()
            return
        with self._lock:
            self._stream = stream
        self._emit(MicrophoneOpen(open=True))

    def lend(
        self,
        at: float,
        on_samples: Callable[[Samples, float], None],
        on_error: Callable[[AudioError], None],
    ) -> bool:
        """Give the kept-open stream's audio to another listener (dictation): `on_samples`
        gets the audio from just before `at` now, then every block until `take_back()`, so
        the words said as the key went down are kept. False when no stream is open."""
        capture = self._capture
        with self._lock:
            if self._stream is None or capture is None or capture.recording:
                return False
            kept, self._lent_after = capture.recent(at)
            self._lent_to, self._lent_error = on_samples, on_error
            if kept.size:
                on_samples(kept, self._lent_after)
        return True

    def take_back(self) -> None:
        with self._lock:
            self._lent_to = self._lent_error = None

    def pause(self) -> None:
        """Let go of the microphone (hands-free or dictation takes it); `resume` takes it back."""
        self.close(forget=False)

    def resume(self) -> None:
        if self._capture is None or not self._keep_open or self._stream is not None:
            return
        try:
            stream = self._open_stream()
        except AudioError as error:
            self._emit(Notice(code=error.code, message=error.message, topic="microphone"))
            return
        with self._lock:
            self._stream = stream
        self._emit(MicrophoneOpen(open=True))

    def close(self, forget: bool = True) -> None:
        """Close the stream. A recording whose key is already up is handed over as it is (its
        turn was accepted); one still held is dropped."""
        self.finish()
        with self._lock:
            stream, self._stream = self._stream, None
            if self._capture is not None:
                self._capture.cancel()
            if forget:
                self._capture = None
        if stream is not None:
            stream.stop()
            self._emit(MicrophoneOpen(open=False))

    def _open_stream(self) -> InputStream:
        stream = self._devices.open_stream(self._device, self._feed, self._failed, lambda: None)
        stream.start()
        return stream

    def press(self, at: float) -> None:
        """Start recording; raises AudioError when the microphone cannot be opened."""
        capture = self._capture
        if capture is None or capture.recording:
            return
        self.error = None
        if self._stream is None:  # opened for this press only
            self._opened_at, self._first_block = at, False
            stream = self._open_stream()
            with self._lock:
                self._stream = stream
        capture.press(at)
        self._talking(capture)

    def _talking(self, capture: PushToTalkCapture) -> None:
        """Start transcribing the new recording while the key is held, if wanted."""
        self.take_transcript()
        self._while_talking = self._live(capture)

    def take_transcript(self) -> WhileTalking | None:
        """The transcript made while the key was held for the recording just handed over
        (None: none); its passes stop when the key goes up."""
        made, self._while_talking = self._while_talking, None
        if made is not None:
            made.stop()
        return made

    def release(self, at: float, on_done: Callable[[Recording], None]) -> None:
        capture = self._capture
        if capture is None:
            return

        def done(recording: Recording) -> None:
            if not self._keep_open:
                threading.Thread(target=self.close, args=(False,), daemon=True).start()
            on_done(recording)

        pressed_at = capture.pressed_at
        capture.release(at, done)
        if self.error is not None:  # no more audio is coming
            capture.flush()
        elif capture.released:  # a stream can stall without failing: never wait for ever
            timer = threading.Timer(TAIL_S + STALL_S, capture.flush, args=(pressed_at,))
            timer.daemon = True
            timer.start()

    def finish(self) -> None:
        """Hand over a recording whose key is up now, without waiting for the rest of it."""
        capture = self._capture
        if capture is not None and capture.released:
            capture.flush()

    def discard(self) -> None:
        self.take_transcript()
        capture = self._capture
        if capture is not None:
            capture.cancel()
        if not self._keep_open:
            self.close(forget=False)

    def level(self) -> float:
        capture = self._capture
        return capture.level() if capture is not None else 0.0

    # The microphone's thread.
    def _feed(self, samples: Samples, captured_at: float) -> None:
        capture = self._capture
        if capture is None:
            return
        if not self._keep_open and not self._first_block:
            self._first_block = True
            delay_ms = (captured_at - self._opened_at) * 1000
            message = (
                f"The microphone took {delay_ms:.0f} ms to open: words said before that are "
                "lost. Keeping it open (Settings) keeps them."
            )
            self._emit(
                Notice(
                    code="microphone_start_delay",
                    message=message,
                    topic="status",
                    cause=f"{delay_ms:.0f}",
                )
            )
        capture.feed(samples, captured_at)  # the ring first: lend() takes the kept audio from it
        if self._lent_to is not None:
            with self._lock:
                if self._lent_to is not None and captured_at > self._lent_after:
                    self._lent_to(samples, captured_at)

    def _failed(self, error: AudioError) -> None:
        lent_error = self._lent_error
        if lent_error is not None:
            lent_error(error)
        capture = self._capture
        if capture is not None and capture.recording:
            self.error = error
            kept = f"{error.message} What was recorded is kept."
            self._emit(
                Notice(code="recording_kept", message=kept, topic="microphone", cause=error.message)
            )
            capture.flush()


class LentStream:
    """The talk key's kept-open stream as dictation's source (`PushToTalk.lend`)."""

    def __init__(self, push: PushToTalk) -> None:
        self._push = push

    def start(self) -> None:
        pass  # lent already: the audio from just before the press has gone out

    def stop(self) -> None:
        self._push.take_back()


class HandsFree:
    """The microphone open all the time, the voice detector deciding when the user talks.

    Utterances and barge-ins are called back on the microphone's thread; a barge-in stops
    the reply right there, without waiting for anything else."""

    def __init__(
        self,
        devices: Devices,
        on_utterance: Callable[[HeardUtterance], None],
        on_barge_in: Callable[[], None],
        emit: Callable[[Event], None],
    ) -> None:
        self._devices = devices
        self._on_utterance = on_utterance
        self._on_barge_in = on_barge_in
        self._emit = emit
        self._stream: InputStream | None = None
        self._listener: HandsFreeListener | None = None
        self._lock = threading.Lock()
        self._listen: ListenSettings | None = None  # what the listener was started with

    @property
    def active(self) -> bool:
        return self._stream is not None

    def start(
        self,
        listen: ListenSettings,
        input_device: str,
        vad: VoiceActivityDetector,
        end_of_turn: EndOfTurnModel | None,
    ) -> None:
        """Open the microphone and listen; raises VoiceBuddyError when that cannot be done.
        Without `end_of_turn`, a fixed pause ends each turn whatever `listen` says."""
        with self._lock:
            if self._stream is not None:
                return
            listener = HandsFreeListener(
                vad,
                ListenOptions.from_settings(listen, smart=end_of_turn is not None),
                on_utterance=self._on_utterance,
                on_barge_in=self._on_barge_in,
                on_event=self._emit,
                end_of_turn=end_of_turn,
            )
            self._listener = listener
            try:
                stream = self._devices.open_stream(
                    input_device, self._feed, self._failed, self._recovered
                )
                stream.start()
            except BaseException:
                self._listener = None
                listener.close()
                raise
            self._stream = stream
            self._listen = listen

    def listens_otherwise(self, listen: ListenSettings) -> bool:
        """Whether `listen` would listen differently from the running listener."""
        started = self._listen
        return started is None or dataclasses.replace(started, mode="") != dataclasses.replace(
            listen, mode=""
        )

    def stop(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
            listener, self._listener = self._listener, None
        if stream is not None:
            stream.stop()
        if listener is not None:
            listener.close()

    # The pipeline's side: what is playing, and whether a reply is under way.
    def playback(self, clip: Clip | None, at: float) -> None:
        listener = self._listener
        if listener is not None:
            listener.playback(clip, at)

    def reply_started(self) -> None:
        listener = self._listener
        if listener is not None:
            listener.reply_started()

    def reply_ended(self) -> None:
        listener = self._listener
        if listener is not None:
            listener.reply_ended()

    # The microphone's thread.
    def _feed(self, samples: Samples, captured_at: float) -> None:
        listener = self._listener
        if listener is not None:
            listener.feed(np.asarray(samples, dtype=np.float32), captured_at)

    def _failed(self, error: AudioError) -> None:
        listener = self._listener
        if listener is not None:
            listener.fail(error)

    def _recovered(self) -> None:
        listener = self._listener
        if listener is not None:
            listener.resumed()
