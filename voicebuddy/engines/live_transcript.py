"""Transcription while the person talks: by the release, most of it is done.

While the talk key is held, what was said is transcribed (`hear`) at each pause of
`PASS_QUIET_S`, and again once the person has talked on for `CONFIRM_S` after it. When the
second pass repeats the first one's words word for word, they are agreed, as in
whisper_streaming's local agreement: kept, and their audio never transcribed again. The cut
falls in the pause, never inside a word (cutting where whisper's word times said a word ended
lost or garbled words at the seam: WER 0.37 against 0.08 on the bench's questions and jfk).
A pass that could not agree with anything (no pause before it) is not made: it would only
hold whisper when the key goes up.

At the release (`transcription`), only what is not yet agreed is transcribed, prompted with
the agreed words; and when the last pass already heard all the speech (the person stopped and
then let go of the key), nothing is transcribed at all.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from voicebuddy.audio.push_to_talk import PushToTalkCapture
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.engines.stt import SpeechToText, transcribe_with
from voicebuddy.engines.transcription import Segment, Transcription
from voicebuddy.errors import VoiceBuddyError

PASS_QUIET_S = 0.15  # a pause this long while the key is held: transcribe what was said
CONFIRM_S = 0.5  # speech after such a pause, heard again with it, to agree on its words
# The cut, this long after the end of the agreed speech: early in the pause, so that the rest
# begins with silence, as whisper expects (cut at the end of a 0.15 s pause, tiny.en heard
# jfk's "ask" as "as" twice).
CUT_AFTER_S = 0.05
MIN_SPEECH_S = 0.3  # too little speech for a pass to be worth it

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_END_MARKS = re.compile(r"[\s.?!,;:…。？！，、；：]+$")


def words_of(text: str) -> list[str]:
    """The words of `text` as agreement compares them: without case or punctuation (whisper
    ends a phrase with "." in one pass and "," in the next). Chinese: character by character."""
    found: list[str] = []
    for word in _WORD.findall(text.lower()):
        if any("\u3400" <= ch <= "\u9fff" for ch in word):
            found.extend(word)
        else:
            found.append(word)
    return found


@dataclass(frozen=True)
class _Pass:
    start: int  # samples of the recording: the cut it began at
    end: int  # where the audio it heard ended
    speech_end: int  # the end of the last speech the detector had heard by then
    transcription: Transcription
    agreed_before: int  # the agreed segments its words follow


class LiveTranscript:
    """One recording's transcription, made while it is recorded.

    `hear` runs on one worker thread, `transcription` on the turn's thread after the worker
    has stopped; `agreed_text` may be read from anywhere."""

    def __init__(
        self, stt: SpeechToText, language: str | None = None, pause_s: float = PASS_QUIET_S
    ) -> None:
        """`pause_s`: the silence after speech at which a pass counts as ended in a pause
        (hands-free's passes come at pauses its detector already judged)."""
        self.stt = stt
        self._language = language
        self._pause = round(pause_s * STT_SAMPLE_RATE)
        self._prompt = str(getattr(stt, "initial_prompt", "") or "")  # the engine's vocabulary
        self._lock = threading.Lock()
        self._agreed: list[Segment] = []
        # the word after each cut as the pass that heard on past it wrote it (by agreed count)
        self._next_words: dict[int, str] = {}
        self._cut = 0
        self._last: _Pass | None = None
        self.passes = 0

    @property
    def agreed_text(self) -> str:
        with self._lock:
            return " ".join(s.text.strip() for s in self._agreed)

    def so_far(self) -> Transcription:
        """Everything heard so far: the agreed words and the last pass's."""
        with self._lock:
            last = self._last
            if last is None:
                return Transcription(tuple(self._agreed), self._language or "")
            found = last.transcription
            return replace(found, segments=self._joined(last.agreed_before, found.segments))

    @property
    def cut(self) -> int:
        return self._cut

    def due(self, recorded: int, speech_end: int) -> bool:
        """Whether a pass would tell something new: the person paused after speech no pass
        has heard, or talked on for `CONFIRM_S` after the pause the last pass ended in."""
        last = self._last
        cut = self._cut
        if last is None or last.start != cut:
            heard_until, last_paused = cut, False
        else:
            heard_until = last.end
            last_paused = last.end - last.speech_end >= self._pause
        if speech_end - cut < MIN_SPEECH_S * STT_SAMPLE_RATE or speech_end <= heard_until:
            return False
        if recorded - speech_end >= self._pause:
            return True
        return last_paused and speech_end - heard_until >= CONFIRM_S * STT_SAMPLE_RATE

    def hear(self, samples: Samples, speech: SpeechSpan | None) -> bool:
        """One pass over what is not agreed yet of `samples` (the recording so far), then the
        agreement with the pass before; False when no pass was made."""
        cut = self._cut
        if samples.size - cut < MIN_SPEECH_S * STT_SAMPLE_RATE:
            return False
        speech_end = samples.size if speech is None else round(speech.end_s * STT_SAMPLE_RATE)
        try:
            heard = self._transcribe(samples[cut:], speech, cut)
        except VoiceBuddyError:
            return False  # the turn's own transcription will tell what is wrong
        self.passes += 1
        with self._lock:
            this = _Pass(cut, samples.size, speech_end, heard, len(self._agreed))
            before, self._last = self._last, this
            agreed = before is not None and before.start == cut
            if before is not None and agreed and self._agrees(before, this, self._pause):
                self._agree(before, this)
                after_speech = before.speech_end + round(CUT_AFTER_S * STT_SAMPLE_RATE)
                self._cut = min(before.end, after_speech)
                # `this` began before the new cut: its words still tell what was said, but
                # the next pass begins at the cut and agrees with the one after it
        return True

    def transcription(
        self, samples: Samples, speech: SpeechSpan | None, language: str | None = None
    ) -> Transcription:
        """The whole recording's transcript: the agreed words and the rest, transcribed now
        only if the last pass did not already hear all of its speech."""
        with self._lock:
            agreed, cut, last = tuple(self._agreed), self._cut, self._last
        ended = samples.size if speech is None else round(speech.end_s * STT_SAMPLE_RATE)
        if (
            last is not None
            and speech is not None
            and ended <= last.speech_end
            and last.end - ended >= self._pause
        ):
            found = last.transcription
            with self._lock:
                return replace(found, segments=self._joined(last.agreed_before, found.segments))
        rest = self._transcribe(samples[cut:], speech, cut, language)
        with self._lock:
            segments = self._joined(len(agreed), rest.segments)
        return Transcription(segments, rest.language, rest.loops_caught)

    def _joined(self, count: int, following: tuple[Segment, ...]) -> tuple[Segment, ...]:
        """The first `count` agreed segments and `following`, which begin at their cut (the
        lock held)."""
        rest = list(following)
        if rest:
            rest[0] = _first_word_as(rest[0], self._next_words.get(count, ""))
        return (*self._agreed[:count], *rest)

    def _agree(self, before: _Pass, after: _Pass) -> None:
        """Keep `before`'s words, with the seam as `after` wrote it: whisper ends each pass
        with a full stop, where hearing on it wrote "Americans, ask" (the lock held)."""
        count = len(words_of(before.transcription.text))
        mark, next_word = _seam(after.transcription.text, count)
        pieces = list(self._joined(len(self._agreed), before.transcription.segments))
        last = pieces[-1]
        pieces[-1] = replace(last, text=_END_MARKS.sub("", last.text) + mark)
        self._agreed = pieces
        self._next_words[len(pieces)] = next_word

    def _transcribe(
        self, samples: Samples, speech: SpeechSpan | None, offset: int, language: str | None = None
    ) -> Transcription:
        """`samples`: the recording from `offset` on; `speech`: where it is in the whole
        recording. After a cut whisper's engine finds the speech itself, so that it judges
        phantom words where they are (whisper, prompted with the agreed words, added "Thank
        you." to the silence after jfk's last words, which the recording's total amount of
        speech did not reveal)."""
        speech = speech if offset == 0 else None
        agreed = self.agreed_text if offset else ""
        # None: the engine's own prompt; after a cut, the agreed words follow it
        prompt = " ".join(p for p in (self._prompt, agreed) if p) if agreed else None
        found = transcribe_with(
            self.stt, samples, language or self._language, prompt=prompt, speech=speech
        )
        offset_s = offset / STT_SAMPLE_RATE
        moved = tuple(
            replace(s, start_s=s.start_s + offset_s, end_s=s.end_s + offset_s)
            for s in found.segments
        )
        return replace(found, segments=moved)

    @staticmethod
    def _agrees(before: _Pass, after: _Pass, pause: int) -> bool:
        """Whether `before` ended in a pause (`pause` samples) that `after` heard speech go
        on after, and `after` begins with the same words."""
        paused = before.end - before.speech_end >= pause
        went_on = after.speech_end > before.end
        said, again = words_of(before.transcription.text), words_of(after.transcription.text)
        return paused and went_on and bool(said) and again[: len(said)] == said


def _units(text: str) -> list[tuple[int, int]]:
    """Where the words of `text` are, as `words_of` counts them."""
    found: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        if any("\u3400" <= ch <= "\u9fff" for ch in word):
            found.extend((start + i, start + i + 1) for i in range(len(word)))
        else:
            found.append(match.span())
    return found


def _seam(text: str, count: int) -> tuple[str, str]:
    """In `text`, the marks after its first `count` words and the word that follows them
    (as written there): how whisper, hearing on past a cut, wrote the seam."""
    units = _units(text)
    if not 0 < count <= len(units):
        return "", ""
    end = units[count - 1][1]
    if count == len(units):
        return text[end:].strip(), ""
    start, stop = units[count]
    return text[end:start].strip(), text[start:stop]


def _first_word_as(segment: Segment, word: str) -> Segment:
    """`segment` with its first word written as `word` (when it is that word)."""
    match = _WORD.search(segment.text)
    if not word or match is None or match.group(0).lower() != word.lower():
        return segment
    text = segment.text[: match.start()] + word + segment.text[match.end() :]
    return replace(segment, text=text)


class WhileTalking:
    """Runs a `LiveTranscript`'s passes on a thread of its own while `capture`'s key is held
    (asking often how far the recording has got, and for its audio when a pass is due)."""

    POLL_S = 0.05

    def __init__(
        self,
        live: LiveTranscript,
        capture: PushToTalkCapture,
        heard: Callable[[Transcription], None] = lambda _: None,
    ) -> None:
        self.live = live
        self._capture = capture
        self._heard = heard  # what was said so far, after each pass (the chat model reads it)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="while-talking", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.POLL_S):
            progress = self._capture.progress()
            if progress is None:
                return
            if self.live.due(progress.recorded, progress.speech_end):
                so_far = self._capture.so_far()
                if so_far is None:
                    return
                self.live.hear(*so_far)
                if not self._stop.is_set():
                    self._heard(self.live.so_far())

    def stop(self) -> None:
        """No more passes; a pass under way finishes."""
        self._stop.set()

    def transcription(
        self,
        stt: SpeechToText,
        samples: Samples,
        language: str | None,
        speech: SpeechSpan | None,
    ) -> Transcription:
        """The recording's transcript once the key is up: what was agreed while it was held
        and the rest (the turn's thread; waits for a pass under way, whose work it uses).
        Transcribed whole when the turn's engine is not the one the passes used."""
        self.stop()
        self._thread.join()
        if stt is not self.live.stt:
            return transcribe_with(stt, samples, language, speech=speech)
        return self.live.transcription(samples, speech, language)
