"""The speaking stage: sentences in, audio out, while the model keeps writing.

Two threads, so the next sentence is synthesized while the current one plays.
"""

from __future__ import annotations

import functools
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from voicebuddy.audio.types import AudioSink, Clip
from voicebuddy.engines.tts import TextToSpeech
from voicebuddy.errors import VoiceBuddyError

_ACTION = re.compile(r"\*[^*]*\*")  # *smiles*: narration in character cards, not speech
_MARKUP = re.compile(r"[*_`#>~|]+")
_SPEAKABLE = re.compile(r"\w", re.UNICODE)
_DONE = None


def speakable(text: str) -> str:
    """What of a sentence is read aloud: without *actions* and markdown symbols."""
    text = _MARKUP.sub(" ", _ACTION.sub(" ", text))
    text = " ".join(text.split())
    return text if _SPEAKABLE.search(text) else ""


PlaybackMonitor = Callable[[Clip | None, float], None]
"""Told each clip as it starts playing (and None when playback stops), with the time: the
hands-free listener uses it to tell the character's own voice from the user's."""


@dataclass(frozen=True)
class SpokenSoFar:
    """How much of the reply was heard: sentences before `index` completely, and `fraction`
    of sentence `index` (by time)."""

    index: int
    fraction: float


class Speaker:
    """Speaks the sentences of one reply in order; `on_audio_start(index)` per sentence."""

    def __init__(
        self,
        tts: TextToSpeech,
        sink: AudioSink,
        on_audio_start: Callable[[int], None],
        on_error: Callable[[VoiceBuddyError], None],
        monitor: PlaybackMonitor | None = None,
    ) -> None:
        self._tts = tts
        self._sink = sink
        self._on_audio_start = on_audio_start
        self._on_error = on_error
        self._monitor = monitor
        self._playing: tuple[int, float, float] | None = None  # index, started at, duration
        self._done_index = -1  # the last sentence played to its end
        self._stopped_at: float | None = None
        self._texts: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self._clips: queue.Queue[tuple[int, Clip] | None] = queue.Queue(maxsize=2)
        self._stopped = threading.Event()
        self._first_synthesized = threading.Event()  # the first clip is ready (or failed)
        self._threads = [
            threading.Thread(target=self._synthesize_loop, name="tts-synth", daemon=True),
            threading.Thread(target=self._play_loop, name="tts-play", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def say(self, index: int, sentence: str) -> bool:
        """Queue a sentence; False when nothing of it is spoken (an *action*, say)."""
        text = speakable(sentence)
        if text and not self._stopped.is_set():
            self._texts.put((index, text))
            return True
        return False

    def wait_first_clip(self, timeout: float) -> None:
        """Until the reply's first clip is synthesized (or failed, or speech stopped).

        The pipeline waits here before it asks the model for more text: on a machine with
        few cores the model's threads would otherwise slow the synthesis of the one clip
        the user is waiting to hear, while the model is far ahead of the speech anyway."""
        self._first_synthesized.wait(timeout)

    def finish(self) -> None:
        """No more sentences; `wait()` returns once everything queued has been spoken."""
        self._texts.put(_DONE)

    def wait(self) -> None:
        for thread in self._threads:
            thread.join()

    def spoken_so_far(self) -> SpokenSoFar:
        """What was heard up to now or up to `stop()`."""
        playing = self._playing
        if playing is None:
            return SpokenSoFar(self._done_index + 1, 0.0)
        index, started_at, duration = playing
        until = self._stopped_at if self._stopped_at is not None else time.monotonic()
        fraction = (until - started_at) / duration if duration > 0 else 1.0
        return SpokenSoFar(index, min(1.0, max(0.0, fraction)))

    def stop(self) -> None:
        """Stop speaking now, dropping whatever is still queued."""
        if self._stopped_at is None:
            self._stopped_at = time.monotonic()
        self._stopped.set()
        self._first_synthesized.set()
        self._sink.stop()
        self._texts.put(_DONE)

    def _synthesize_loop(self) -> None:
        try:
            while (item := self._texts.get()) is not _DONE and not self._stopped.is_set():
                index, text = item
                try:
                    clip = self._tts.synthesize(text)
                except VoiceBuddyError as error:
                    self._on_error(error)
                    continue
                finally:
                    self._first_synthesized.set()
                if clip.samples.size:
                    self._put_clip((index, clip))
        finally:
            self._first_synthesized.set()
            self._put_clip(_DONE)

    def _put_clip(self, item: tuple[int, Clip] | None) -> None:
        while True:
            try:
                self._clips.put(item, timeout=0.05)
                return
            except queue.Full:
                if self._stopped.is_set() and item is not _DONE:
                    return

    def _started(self, index: int, clip: Clip) -> None:
        # A stop() that landed between the check in _play_loop and play() would be lost.
        if self._stopped.is_set():
            self._sink.stop()
            return
        now = time.monotonic()
        self._playing = (index, now, clip.duration_s)
        if self._monitor is not None:
            self._monitor(clip, now)
        self._on_audio_start(index)

    def _play_loop(self) -> None:
        while (item := self._clips.get()) is not _DONE:
            if self._stopped.is_set():
                continue  # drain so the synthesizer never blocks
            index, clip = item
            try:
                self._sink.play(clip, on_start=functools.partial(self._started, index, clip))
            except VoiceBuddyError as error:
                self._on_error(error)
                self._stopped.set()
            finally:
                if not self._stopped.is_set():
                    self._done_index = index
                    self._playing = None
                if self._monitor is not None:
                    self._monitor(None, time.monotonic())
