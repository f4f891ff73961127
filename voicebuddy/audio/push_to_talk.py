"""Push-to-talk as people press it: nothing lost at the start or at the end.

`PushToTalkCapture` is fed a continuous 16 kHz stream (the microphone stays open). While the
key is up it keeps only the last `pre_roll_s` of audio, so a press that comes as the first
word starts still has that word. From the press on it keeps everything; after the release it
goes on while the voice detector still hears speech, up to `tail_s`, because people let go of
the key as they say the last word. Then the recording is handed over, with the moment the
speech ended (the release, or the end of the last word spoken after it).

Pure logic on samples, fed on the microphone's thread; `press`, `release` and `cancel` come
from any thread.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voicebuddy.audio.files import rms
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan, VoiceActivityDetector

PRE_ROLL_S = 0.3
TAIL_S = 0.3
# One detector frame of non-speech at or after the release ends the recording: the detector
# stays on through the short gaps inside a word, and each frame waited adds to the latency.
TAIL_QUIET_S = 0.03
# This much non-speech heard just before the release: the user had stopped talking, so the
# audio still on its way from the device (a block, and a partial detector frame) is silence
# and is not waited for. Longer than the stop closures inside words (about 50-100 ms).
SETTLED_QUIET_S = 0.09
STALL_S = 1.0  # audio this late after the longest tail: the stream stalled, finish without it


@dataclass(frozen=True)
class Recording:
    samples: Samples
    pressed_at: float
    released_at: float
    speech_ended_at: float  # the release, or the end of speech heard after it
    tail_s: float  # how much was recorded after the release
    speech: SpeechSpan | None = None  # where the detector heard speech in `samples`


@dataclass(frozen=True)
class Progress:
    """How far a recording has got, in samples: recorded, heard by the detector, and the end
    of the last speech it heard (0: none yet)."""

    recorded: int
    judged: int
    speech_end: int


class PushToTalkCapture:
    def __init__(
        self,
        vad: VoiceActivityDetector | None,
        *,
        pre_roll_s: float = PRE_ROLL_S,
        tail_s: float = TAIL_S,
        threshold: float = 0.5,
    ) -> None:
        self._vad = vad
        self._threshold = threshold
        self._frame = vad.frame_samples if vad is not None else 512
        self._pre_roll = round(pre_roll_s * STT_SAMPLE_RATE)
        self._tail = round(tail_s * STT_SAMPLE_RATE)
        self._quiet_frames = max(1, round(TAIL_QUIET_S * STT_SAMPLE_RATE / self._frame))
        self._settled_frames = max(1, round(SETTLED_QUIET_S * STT_SAMPLE_RATE / self._frame))
        self._lock = threading.Lock()
        self._ring: deque[tuple[Samples, float]] = deque()  # (block, time of its last sample)
        self._ring_samples = 0
        self._taken: list[Samples] = []
        self._pressed_at: float | None = None
        self._released_at: float | None = None
        self._on_done: Callable[[Recording], None] | None = None
        self._latest: Samples | None = None
        # what the detector has heard of the recording: frames fed, and the last speech one
        self._pending = np.zeros(0, dtype=np.float32)
        self._fed = 0  # samples of the recording fed to the detector
        self._recorded = 0  # samples of the recording
        self._quiet = 0  # non-speech frames in a row
        self._last_speech_end = 0  # position (samples) after the last speech frame
        self._first_speech = -1  # position of the first speech frame (-1: none yet)
        self._voiced = 0  # speech frames
        self._start_at = 0.0  # the time of the recording's first sample

    @property
    def recording(self) -> bool:
        return self._pressed_at is not None

    @property
    def pressed_at(self) -> float:
        return self._pressed_at or 0.0

    @property
    def released(self) -> bool:
        return self._released_at is not None

    def level(self) -> float:
        latest = self._latest
        return rms(latest) if latest is not None and self.recording else 0.0

    # ----- the key (any thread)
    def press(self, at: float) -> None:
        """Start a recording that begins up to `pre_roll_s` before `at`."""
        with self._lock:
            if self._pressed_at is not None:
                return
            blocks, end_at = self._before(at)
            self._taken = blocks
            self._recorded = sum(b.size for b in blocks)
            self._start_at = end_at - self._recorded / STT_SAMPLE_RATE
            self._pressed_at = at
            self._released_at = None
            self._on_done = None
            self._pending = np.zeros(0, dtype=np.float32)
            self._fed = self._quiet = self._last_speech_end = self._voiced = 0
            self._first_speech = -1
            if self._vad is not None:
                self._vad.reset()
            if blocks:
                self._listen(np.concatenate(blocks))

    def release(self, at: float, on_done: Callable[[Recording], None]) -> None:
        """Finish the recording: `on_done` gets it once the tail is decided (on the
        microphone's thread, or at once here when nothing more is needed)."""
        with self._lock:
            if self._pressed_at is None or self._released_at is not None:
                return
            self._released_at, self._on_done = at, on_done
            done = self._finished()
        if done is not None:
            on_done(done)

    def flush(self, pressed_at: float | None = None) -> None:
        """The stream ended, failed or stalled: once the key is up, what there is goes to
        `on_done` now, since no more audio is coming. With `pressed_at`, only the recording
        of that press."""
        with self._lock:
            callback = self._on_done
            if self._pressed_at is None or self._released_at is None or callback is None:
                return
            if pressed_at is not None and pressed_at != self._pressed_at:
                return
            recording = self._hand_over(self._position(self._released_at))
        callback(recording)

    def cancel(self) -> None:
        with self._lock:
            self._pressed_at = self._released_at = self._on_done = None
            self._taken = []

    def recent(self, at: float) -> tuple[Samples, float]:
        """The kept audio from `pre_roll_s` before `at` on (for another listener that starts
        at a key press: dictation), and when its last sample was captured."""
        with self._lock:
            blocks, end_at = self._before(at)
        return (np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)), end_at

    def progress(self) -> Progress | None:
        """How far the recording of the key held now has got (None: the key is up)."""
        with self._lock:
            if self._pressed_at is None or self._released_at is not None:
                return None
            speech_end = self._last_speech_end if self._first_speech >= 0 else 0
            return Progress(self._recorded, self._fed, speech_end)

    def so_far(self) -> tuple[Samples, SpeechSpan | None] | None:
        """The recording of the key held now, as it is (None: the key is up), with where the
        detector heard speech in it."""
        with self._lock:
            if self._pressed_at is None or self._released_at is not None:
                return None
            audio = np.concatenate(self._taken) if self._taken else np.zeros(0, np.float32)
            return audio, self._speech(self._fed)

    # ----- the microphone's thread
    def feed(self, samples: Samples, captured_at: float) -> None:
        samples = np.asarray(samples, dtype=np.float32)
        self._latest = samples
        with self._lock:
            self._ring.append((samples, captured_at))
            self._ring_samples += samples.size
            while self._ring and self._ring_samples - self._ring[0][0].size >= self._pre_roll:
                self._ring_samples -= self._ring.popleft()[0].size
            if self._pressed_at is None:
                return
            self._taken.append(samples)
            self._recorded += samples.size
            self._listen(samples)
            callback = self._on_done
            done = self._finished()
        if done is not None and callback is not None:
            callback(done)

    # ----- inside the lock
    def _before(self, at: float) -> tuple[list[Samples], float]:
        """The ring's audio from `pre_roll_s` before `at` on, and the time its end was captured."""
        if not self._ring:
            return [], at
        end_at = self._ring[-1][1]
        wanted = self._pre_roll + max(0, round((end_at - at) * STT_SAMPLE_RATE))
        blocks: list[Samples] = []
        have = 0
        for block, _ in reversed(self._ring):
            if have >= wanted:
                break
            take = block if have + block.size <= wanted else block[block.size - (wanted - have) :]
            blocks.insert(0, take)
            have += take.size
        return blocks, end_at

    def _listen(self, samples: Samples) -> None:
        if self._vad is None:
            return
        self._pending = np.concatenate([self._pending, samples])
        while self._pending.size >= self._frame:
            frame, self._pending = self._pending[: self._frame], self._pending[self._frame :]
            self._fed += frame.size
            if self._vad.speech_probability(frame) >= self._threshold:
                self._quiet = 0
                self._voiced += 1
                if self._first_speech < 0:
                    self._first_speech = self._fed - frame.size
                self._last_speech_end = self._fed
            else:
                self._quiet += 1

    def _position(self, at: float) -> int:
        return round((at - self._start_at) * STT_SAMPLE_RATE)

    def _finished(self) -> Recording | None:
        """The recording, once the tail after the release is decided: the detector has heard
        `TAIL_QUIET_S` of non-speech at or after the release (or `SETTLED_QUIET_S` just before
        it), or `tail_s` has passed."""
        if self._released_at is None:
            return None
        release = self._position(self._released_at)
        if self._recorded < release:
            settled = self._vad is not None and self._quiet >= self._settled_frames
            # else the audio up to the release has not all arrived yet
            return self._hand_over(release) if settled else None
        judged = self._fed >= release - self._frame
        quiet = self._vad is None or (judged and self._quiet >= self._quiet_frames)
        if quiet or self._recorded >= release + self._tail:
            return self._hand_over(release)
        return None

    def _speech(self, size: int) -> SpeechSpan | None:
        """Where the detector heard speech; None without a detector (or when it has not
        judged all of the recording: the stream failed), so whisper's engine measures it."""
        if self._vad is None or self._fed < size - self._frame:
            return None
        if self._first_speech < 0:
            return SpeechSpan(0.0, 0.0, 0.0)
        return SpeechSpan(
            self._first_speech / STT_SAMPLE_RATE,
            min(self._last_speech_end, size) / STT_SAMPLE_RATE,
            self._voiced * self._frame / STT_SAMPLE_RATE,
        )

    def _hand_over(self, release: int) -> Recording:
        assert self._pressed_at is not None and self._released_at is not None
        audio = np.concatenate(self._taken) if self._taken else np.zeros(0, dtype=np.float32)
        audio = audio[: release + self._tail]
        speech_end = self._start_at + self._last_speech_end / STT_SAMPLE_RATE
        recording = Recording(
            samples=audio.copy(),
            pressed_at=self._pressed_at,
            released_at=self._released_at,
            speech_ended_at=max(
                self._released_at, min(speech_end, self._start_at + audio.size / STT_SAMPLE_RATE)
            ),
            tail_s=max(0.0, (audio.size - release) / STT_SAMPLE_RATE),
            speech=self._speech(audio.size),
        )
        self._pressed_at = self._released_at = self._on_done = None
        self._taken = []
        return recording
