"""The end of a hands-free turn judged by its words and by its sound.

At a short pause the utterance so far is transcribed (speculatively: the turn uses that
transcript if this pause ends the turn) and the chat model is asked how likely the user's
message ends with those words: "What should I cook" is unlikely to end there, "What should
I cook for dinner tonight" is likely to. Asking evaluates the prompt for these words, so the
reply then starts from a warm cache: the pause's work is not lost. Where the words leave it
open, the end-of-turn model's verdict on the sound decides (it hears intonation, but calls
many half-sentences of synthetic speech complete, hence the words' veto).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voicebuddy.audio.end_of_turn import EndOfTurnModel
from voicebuddy.audio.listener import COMPLETE
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.config import Settings
from voicebuddy.conversation import Conversation
from voicebuddy.engines.live_transcript import LiveTranscript
from voicebuddy.engines.stt import SpeechToText
from voicebuddy.engines.transcription import Transcription
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.pipeline import VoicePipeline
from voicebuddy.runtime.engines import Engines
from voicebuddy.text.transcript import tidy_transcript

_TRAILING_MARKS = re.compile(r"[\s.?!,;:…。？！，、；：\"'”’)）-]+$")
# Below this, the chat model finds that the words go on (measured with SmolLM2-135M, the
# trailing mark whisper adds taken off: half sentences such as "Tell me about" or "Do you
# have any plans for" 0.0002-0.05; whole ones, "How are you" to "What should I cook for
# dinner tonight", 0.10-0.86).
WORDS_COMPLETE = 0.06
WORDS_SURE = 0.1  # from here the words end the turn whatever the sound (whole sentences 0.10-0.86)
RECHECK_AFTER_S = 0.1  # see `SoundAndWords._heard_too_soon`
LONG_PAUSE_S = 0.45  # past a breath, words that may end the turn do


@dataclass(frozen=True)
class _Heard:
    speech: SpeechSpan
    samples: Samples
    transcription: Transcription
    words_probability: float


class SoundAndWords:
    """An `EndOfTurnModel`: the sound's verdict, vetoed by the words' when they go on.

    `transcribe` turns the utterance into text (tidied as a turn would) and `words_end`
    gives the chat model's probability that the message ends with it; both run on the
    end-of-turn worker, while the user is silent."""

    def __init__(
        self,
        sound: EndOfTurnModel,
        transcribe: Callable[[Samples, SpeechSpan | None], tuple[Transcription, str]],
        words_end: Callable[[str], float],
    ) -> None:
        self._sound = sound
        self._transcribe = transcribe
        self._words_end = words_end
        self._heard: _Heard | None = None
        self._lock = threading.Lock()

    def probability(self, samples: Samples, speech: SpeechSpan | None = None) -> float:
        """Words that go on keep the turn open (their probability is returned); words that
        surely end it, or a pause past `LONG_PAUSE_S` after words that may, close it; else
        the sound decides."""
        heard = self._words_of(samples, speech) if speech is not None else None
        if heard is None:
            return self._sound.probability(samples, speech)
        words = heard.words_probability
        if words < WORDS_COMPLETE:
            return words
        pause_s = samples.size / STT_SAMPLE_RATE - heard.speech.end_s
        if words >= WORDS_SURE or pause_s >= LONG_PAUSE_S:
            return max(words, COMPLETE)
        return self._sound.probability(samples, speech)

    def prepare(self, samples: Samples, speech: SpeechSpan | None = None) -> None:
        """The words of this pause, at its first frames of silence (see `PreparingModel`)."""
        if speech is not None:
            self._words_of(samples, speech)

    def transcription_for(
        self, samples: Samples, speech: SpeechSpan | None
    ) -> Transcription | None:
        """The transcript made during the pause, when `samples` are the utterance it was made
        of (the same speech, perhaps more of the pause after it)."""
        heard = self._same(samples, speech)
        return heard.transcription if heard is not None else None

    def _same(self, samples: Samples, speech: SpeechSpan | None) -> _Heard | None:
        """What was heard of this utterance already, if anything."""
        with self._lock:
            heard = self._heard
        if heard is None or speech is None or speech != heard.speech:
            return None
        size = heard.samples.size
        if samples.size < size or not np.array_equal(samples[:size], heard.samples):
            return None
        return heard

    @staticmethod
    def _heard_too_soon(heard: _Heard, samples: Samples) -> bool:
        """Whether words that seemed to go on were heard at the first frames of silence, and
        the pause has gone on since: a soft last sound (the "s" of "Americans") can come
        after the detector's end of speech, so they are heard again, once, with it."""
        if heard.words_probability >= WORDS_COMPLETE:
            return False
        pause_then = heard.samples.size / STT_SAMPLE_RATE - heard.speech.end_s
        pause_now = samples.size / STT_SAMPLE_RATE - heard.speech.end_s
        return pause_then < RECHECK_AFTER_S <= pause_now

    def _words_of(self, samples: Samples, speech: SpeechSpan) -> _Heard | None:
        heard = self._same(samples, speech)
        if heard is not None and not self._heard_too_soon(heard, samples):
            return heard  # the same pause asked again: the words have not changed
        try:
            transcription, text = self._transcribe(samples, speech)
            if not text.strip():
                return None
            bare = _TRAILING_MARKS.sub("", text)  # whisper ends even half a sentence with "."
            heard = _Heard(speech, samples, transcription, self._words_end(bare) if bare else 1.0)
        except VoiceBuddyError:
            return None  # the turn itself will tell what is wrong
        with self._lock:
            self._heard = heard
        return heard


JUDGED_PAUSE_S = 0.06  # the listener asks from its early pause on (`early_pause_ms`)


class PauseByPause:
    """The utterance being judged, transcribed pause by pause with local agreement: words
    that the pass at one pause and the pass at the next agree on are not transcribed at the
    pauses after that (in a long utterance with many pauses, each pause would otherwise
    transcribe it all again, and the judgement would come later and later)."""

    def __init__(self) -> None:
        self._live: LiveTranscript | None = None
        self._samples: Samples | None = None

    def heard(
        self, stt: SpeechToText, samples: Samples, speech: SpeechSpan | None
    ) -> Transcription:
        """What was said in `samples` (the utterance so far; a new one when it does not
        begin with the last one's samples); nothing when whisper failed."""
        live, before = self._live, self._samples
        goes_on = (
            before is not None
            and samples.size >= before.size
            and np.array_equal(samples[: before.size], before)
        )
        if live is None or live.stt is not stt or not goes_on:
            live = LiveTranscript(stt, pause_s=JUDGED_PAUSE_S)
        made = live.hear(samples, speech)
        self._live, self._samples = live, samples
        return live.so_far() if made else Transcription((), "")


def sound_and_words(
    engines: Engines,
    settings: Callable[[], Settings],
    conversation: Callable[[], Conversation | None],
    reader: Callable[[Conversation], VoicePipeline],
) -> SoundAndWords:
    """The judge the app listens with: the engines' end-of-turn model, then the words as the
    turn would hear them (the current settings and conversation, asked at each pause).
    `reader(conversation)` assembles the prompt as the turn will (its memories included,
    see turns.turn_pipeline), so that what the judgement reads is what the turn reads."""

    utterance = PauseByPause()

    def transcribe(samples: Samples, speech: SpeechSpan | None) -> tuple[Transcription, str]:
        current = conversation()
        stt = engines.stt_for(current.character if current else None)
        transcription = utterance.heard(stt, samples, speech)
        script = settings().dictation.chinese_script
        return transcription, tidy_transcript(transcription.text, transcription.language, script)

    def words_end(text: str) -> float:
        current = conversation()
        if current is None:
            return 1.0
        return reader(current).words_end(current, text)

    return SoundAndWords(engines.end_of_turn(), transcribe, words_end)
