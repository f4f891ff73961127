"""The speaking stage: sentences in, audio out, while the model keeps writing.

Two threads, so the next sentence is synthesized while the current one plays.
"""

from __future__ import annotations

import functools
import queue
import re
import threading
from collections.abc import Callable

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


class Speaker:
    """Speaks the sentences of one reply in order; `on_audio_start(index)` per sentence."""

    def __init__(
        self,
        tts: TextToSpeech,
        sink: AudioSink,
        on_audio_start: Callable[[int], None],
        on_error: Callable[[VoiceBuddyError], None],
    ) -> None:
        self._tts = tts
        self._sink = sink
        self._on_audio_start = on_audio_start
        self._on_error = on_error
        self._texts: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self._clips: queue.Queue[tuple[int, Clip] | None] = queue.Queue(maxsize=2)
        self._stopped = threading.Event()
        self._threads = [
            threading.Thread(target=self._synthesize_loop, name="tts-synth", daemon=True),
            threading.Thread(target=self._play_loop, name="tts-play", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def say(self, index: int, sentence: str) -> None:
        text = speakable(sentence)
        if text and not self._stopped.is_set():
            self._texts.put((index, text))

    def finish(self) -> None:
        """No more sentences; `wait()` returns once everything queued has been spoken."""
        self._texts.put(_DONE)

    def wait(self) -> None:
        for thread in self._threads:
            thread.join()

    def stop(self) -> None:
        """Stop speaking now, dropping whatever is still queued."""
        self._stopped.set()
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
                if clip.samples.size:
                    self._put_clip((index, clip))
        finally:
            self._put_clip(_DONE)

    def _put_clip(self, item: tuple[int, Clip] | None) -> None:
        while True:
            try:
                self._clips.put(item, timeout=0.05)
                return
            except queue.Full:
                if self._stopped.is_set() and item is not _DONE:
                    return

    def _started(self, index: int) -> None:
        # A stop() that landed between the check in _play_loop and play() would be lost.
        if self._stopped.is_set():
            self._sink.stop()
            return
        self._on_audio_start(index)

    def _play_loop(self) -> None:
        while (item := self._clips.get()) is not _DONE:
            if self._stopped.is_set():
                continue  # drain so the synthesizer never blocks
            index, clip = item
            try:
                self._sink.play(clip, on_start=functools.partial(self._started, index))
            except VoiceBuddyError as error:
                self._on_error(error)
                self._stopped.set()
