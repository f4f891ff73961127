"""Dictation: text while you speak, from the microphone, and transcripts of audio files.

`Dictation` is fed 16 kHz mono audio in chunks of any size. A voice-activity detector cuts it
into utterances (`UtteranceSegmenter`); while one is being spoken it is transcribed again each
`partial_every_s` seconds of new audio (`PartialText`, to show greyed), and when it ends it is
transcribed once more, for good (`FinalText`, with times from the start of the stream).
Final text uses whisper's full 30 s window: with only the utterance encoded, tiny.en looped on
jfk's 2.9 s first phrase and its 0.7 s trailing pause ("…Americans. Soam I fell on their",
9 s of temperature fallbacks); with the full window it took 0.47 s and was right.
Silence and noise between utterances never reach whisper, which is most of what stops phantom
words; `WhisperCppSTT` stops the rest (see `voicebuddy.text.hallucinations`).

`LiveDictation` runs a `Dictation` on the microphone (`MicrophoneStream`): the audio thread
only queues, the runtime's engine thread transcribes; `transcribe_file` does a file,
utterances grouped into windows of up to `FILE_WINDOW_S`, with progress and cancellation.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from voicebuddy.audio.files import rms
from voicebuddy.audio.segmenter import (
    SegmenterOptions,
    SpeechStarted,
    Utterance,
    UtteranceSegmenter,
)
from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan, VoiceActivityDetector
from voicebuddy.config import DictationSettings, ListenSettings
from voicebuddy.engines.stt import SpeechToText, transcribe_with
from voicebuddy.engines.transcription import Segment, Transcription, in_chinese_script
from voicebuddy.errors import AudioError, ConfigError, VoiceBuddyError
from voicebuddy.events import Event
from voicebuddy.text.chinese import check_script

MAX_VOCABULARY_CHARS = 600  # whisper keeps about 220 prompt tokens; more would be cut anyway
FILE_WINDOW_S = 28.0  # utterances of a file are transcribed together up to this long
_CHUNK_S = 1.0  # how much of a file goes through the detector at a time

# A punctuated sentence before the vocabulary: whisper writes the way its prompt is written.
_PRIMERS = {
    "en": "Hello, welcome. Let's begin.",
    "zh/simplified": "以下是普通话的句子，使用标点符号。",
    "zh/traditional": "以下是普通話的句子，使用標點符號。",
    "zh/as_is": "以下是普通话的句子，使用标点符号。",
    "de": "Hallo, willkommen. Fangen wir an.",
    "fr": "Bonjour, bienvenue. Commençons.",
    "es": "Hola, bienvenidos. Empecemos.",
}


# ----- events (see voicebuddy.events: one stream, one base class)
@dataclass(frozen=True, kw_only=True)
class SpeechDetected(Event):
    """Someone started speaking; an utterance is being collected."""

    index: int
    start_s: float


@dataclass(frozen=True, kw_only=True)
class PartialText(Event):
    """The utterance being spoken, transcribed so far (it may still change)."""

    index: int
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True, kw_only=True)
class FinalText(Event):
    """An utterance transcribed for good; `text` is "" when it was not speech after all
    (the partial text shown for it is to be removed)."""

    index: int
    text: str
    start_s: float
    end_s: float
    language: str
    segments: tuple[Segment, ...]  # times from the start of the stream
    raw_text: str = ""  # before the clean-up pass ("" when there was none)
    cleanup_note: str = ""  # why the clean-up's answer was not used


@dataclass(frozen=True, kw_only=True)
class FileProgress(Event):
    path: str
    fraction: float  # 0.0 to 1.0


DictationListener = Callable[[Event], None]
Cleaner = Callable[[str], tuple[str, str]]  # text -> (cleaned text, note when it was not used)


class DictationCancelled(VoiceBuddyError):
    def __init__(self) -> None:
        super().__init__("cancelled", "The transcription was cancelled.")


# ----- options
def parse_vocabulary(text: str) -> tuple[str, ...]:
    """The words of "Kubernetes, VoiceBuddy, 林晓", in order, without repeats or blanks."""
    if len(text) > MAX_VOCABULARY_CHARS:
        raise ConfigError(
            "vocabulary_too_long",
            f"The vocabulary is {len(text)} characters long; whisper can use about "
            f"{MAX_VOCABULARY_CHARS}, so keep the words that matter most.",
        )
    seen: dict[str, None] = {}
    for part in text.replace("，", ",").replace("、", ",").replace("\n", ",").split(","):
        word = " ".join(part.split())
        if word and word.casefold() not in {w.casefold() for w in seen}:
            seen[word] = None
    return tuple(seen)


def build_prompt(vocabulary: Sequence[str], language: str, chinese_script: str) -> str:
    """whisper's initial prompt: a punctuated sentence in the language (when it is fixed and
    we have one) and then the vocabulary, last, since whisper cuts long prompts from the
    front. With language "auto" only the vocabulary: a sentence in one language would pull
    the others towards it."""
    language = language.strip().lower()
    key = f"zh/{chinese_script}" if language == "zh" else language
    parts = [_PRIMERS.get(key, "")]
    if vocabulary:
        words = "、".join(vocabulary) + "。" if language == "zh" else ", ".join(vocabulary) + "."
        parts.append(words)
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class DictationOptions:
    language: str = "auto"  # "auto" detects each utterance's language; or "en", "zh", ...
    vocabulary: tuple[str, ...] = ()
    chinese_script: str = "simplified"  # "simplified", "traditional" or "as_is"
    partials: bool = True
    partial_every_s: float = 0.7  # new speech between two partial transcriptions
    partial_window_s: float = 15.0  # encoder window of live text (see `encoder_window`)
    final_trim_window: bool = False  # False: final text with whisper's full 30 s window
    segmenter: SegmenterOptions = field(default_factory=SegmenterOptions)

    def __post_init__(self) -> None:
        check_script(self.chinese_script)
        if self.partial_every_s <= 0:
            raise ConfigError("bad_option", "The partial-text interval must be above zero.")

    @property
    def prompt(self) -> str:
        return build_prompt(self.vocabulary, self.language, self.chinese_script)

    @property
    def whisper_language(self) -> str:
        return self.language.strip().lower() or "auto"

    @classmethod
    def from_settings(
        cls, dictation: DictationSettings, listen: ListenSettings
    ) -> DictationOptions:
        return cls(
            language=dictation.language or "auto",
            vocabulary=parse_vocabulary(dictation.vocabulary),
            chinese_script=check_script(dictation.chinese_script),
            segmenter=SegmenterOptions.from_settings(listen),
        )


# ----- the core
class Dictation:
    """Turns a stream of 16 kHz audio into partial and final text (see the module docstring).

    Not thread-safe: one thread feeds it. `listener` gets every event as it happens; `feed`
    and `finish` also return them.
    """

    def __init__(
        self,
        stt: SpeechToText,
        vad: VoiceActivityDetector,
        options: DictationOptions = DictationOptions(),
        listener: DictationListener | None = None,
        cleaner: Cleaner | None = None,
    ) -> None:
        self.stt = stt
        self.options = options
        self.listener = listener
        self.cleaner = cleaner
        self._vad = _CountingVAD(vad, options.segmenter.threshold)
        self.segmenter = UtteranceSegmenter(self._vad, options.segmenter)
        self._min_voiced = options.segmenter.min_speech_ms / 1000
        self._voiced_mark = 0
        self._prompt = options.prompt
        self.finals: list[FinalText] = []
        self._index = -1
        self._open = False  # an utterance was announced and has no final text yet
        self._since_partial = 0
        self._last_partial = ""

    @property
    def position_s(self) -> float:
        return self.segmenter.position / STT_SAMPLE_RATE

    def feed(self, samples: Samples, *, partials: bool = True) -> list[Event]:
        """Take the next chunk; `partials=False` skips the live transcription this time (the
        caller is behind and catches up first)."""
        events: list[Event] = []
        before = self.segmenter.position
        voiced_before = self._vad.speech_frames
        for event in self.segmenter.feed(samples):
            if isinstance(event, SpeechStarted):
                self._voiced_mark = voiced_before
                self._index += 1
                self._open = True
                self._since_partial = 0
                self._last_partial = ""
                events.append(
                    self._emit(
                        SpeechDetected(index=self._index, start_s=event.start / STT_SAMPLE_RATE)
                    )
                )
            elif isinstance(event, Utterance):  # dictation's segmenter hears no short pauses
                events.append(self._emit(self._final(event)))
        if self._open and not self.segmenter.in_speech:  # dropped: too little speech in it
            events.append(self._emit(self._empty_final()))
        if self.segmenter.in_speech:
            self._since_partial += self.segmenter.position - before
            every = round(self.options.partial_every_s * STT_SAMPLE_RATE)
            voiced = (self._vad.speech_frames - self._voiced_mark) * self._vad.frame_s
            enough = voiced >= self._min_voiced  # a click or a cough gets no live text
            if self.options.partials and partials and enough and self._since_partial >= every:
                self._since_partial = 0
                partial = self._partial()
                if partial is not None:
                    events.append(self._emit(partial))
        return events

    def finish(self) -> list[Event]:
        """The stream ended: the utterance being spoken is transcribed for good."""
        events: list[Event] = []
        for event in self.segmenter.flush():
            if isinstance(event, Utterance):
                events.append(self._emit(self._final(event)))
        if self._open:
            events.append(self._emit(self._empty_final()))
        return events

    def transcription(self) -> Transcription:
        """Everything dictated so far, for saving (times from the start of the stream)."""
        return join_finals(self.finals, self.options.whisper_language)

    def _emit(self, event: Event) -> Event:
        if isinstance(event, FinalText):
            self._open = False
            self._last_partial = ""
            if event.text:
                self.finals.append(event)
        if self.listener is not None:
            self.listener(event)
        return event

    def transcribe(
        self, audio: Samples, trim: bool, speech: SpeechSpan | None = None
    ) -> Transcription:
        result = transcribe_with(
            self.stt,
            audio,
            self.options.whisper_language,
            prompt=self._prompt,
            trim_window=trim,
            min_window_s=self.options.partial_window_s if trim else 0.0,
            speech=speech,
        )
        return self._script(result)

    def _script(self, result: Transcription) -> Transcription:
        """The text tidied, and Chinese in the chosen script."""
        result = in_chinese_script(result, self.options.chinese_script, self.options.language)
        segments = []
        for s in result.segments:
            text = tidy(s.text)
            if text:
                segments.append(replace(s, text=text))
        return replace(result, segments=tuple(segments))

    def _partial(self) -> PartialText | None:
        audio = self.segmenter.current()
        if audio.size < STT_SAMPLE_RATE // 4:
            return None
        text = self.transcribe(audio, trim=True).text.strip()
        if not text or text == self._last_partial:
            return None
        self._last_partial = text
        end = self.segmenter.position / STT_SAMPLE_RATE
        return PartialText(
            index=self._index, text=text, start_s=end - audio.size / STT_SAMPLE_RATE, end_s=end
        )

    def _empty_final(self) -> FinalText:
        end = self.segmenter.position / STT_SAMPLE_RATE
        return FinalText(
            index=self._index, text="", start_s=end, end_s=end, language="", segments=()
        )

    def _final(self, utterance: Utterance) -> FinalText:
        result = self.transcribe(
            utterance.samples, self.options.final_trim_window, utterance.speech()
        )
        offset = utterance.start / STT_SAMPLE_RATE
        end = utterance.end / STT_SAMPLE_RATE
        segments = shift(result.segments, offset, end)
        return self.finalize(self._index, segments, result, offset, end)

    def finalize(
        self,
        index: int,
        segments: tuple[Segment, ...],
        result: Transcription,
        start: float,
        end: float,
    ) -> FinalText:
        text = Transcription(segments, result.language).text.strip()
        raw, note = "", ""
        if text and self.cleaner is not None:
            raw = text
            text, note = self.cleaner(text)
            if text != raw:  # the cleaned text no longer lines up with whisper's segments
                first, last = segments[0].start_s, segments[-1].end_s
                segments = (Segment(first, last, text),)
        if segments:
            start, end = segments[0].start_s, segments[-1].end_s
        return FinalText(
            index=index,
            text=text,
            start_s=start,
            end_s=end,
            language=result.language,
            segments=segments if text else (),
            raw_text=raw,
            cleanup_note=note,
        )


def tidy(text: str) -> str:
    """whisper's transcript without the marks of subtitle dialogue it sometimes starts with
    ("- Ask not!", "\" Ask not!")."""
    text = text.strip()
    while text.startswith(("- ", "– ", "— ")) or (
        text[:1] in ('"', "“") and text.count(text[0]) % 2 == 1
    ):
        text = text[1:].lstrip()
    return text


class _CountingVAD:
    """The detector, counting the frames it calls speech (for the partial texts' timing)."""

    def __init__(self, vad: VoiceActivityDetector, threshold: float) -> None:
        self.vad = vad
        self.threshold = threshold
        self.speech_frames = 0
        self.frame_s = vad.frame_samples / STT_SAMPLE_RATE

    @property
    def frame_samples(self) -> int:
        return self.vad.frame_samples

    def speech_probability(self, frame: Samples) -> float:
        probability = self.vad.speech_probability(frame)
        if probability >= self.threshold:
            self.speech_frames += 1
        return probability

    def reset(self) -> None:
        self.vad.reset()


def shift(segments: Iterable[Segment], offset: float, limit: float) -> tuple[Segment, ...]:
    """`segments` moved by `offset` seconds, ending no later than `limit`."""
    out = []
    for s in segments:
        start = min(offset + s.start_s, limit)
        out.append(replace(s, start_s=start, end_s=max(start, min(offset + s.end_s, limit))))
    return tuple(out)


def join_finals(finals: Sequence[FinalText], language: str = "auto") -> Transcription:
    segments = tuple(s for f in finals for s in f.segments if s.text.strip())
    found = Counter(f.language for f in finals if f.language)
    if found:
        language = found.most_common(1)[0][0]
    return Transcription(segments, "" if language == "auto" else language)


# ----- the microphone
class AudioSource(Protocol):
    """What LiveDictation needs of a microphone (MicrophoneStream has it)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


SourceFactory = Callable[
    [Callable[[Samples, float], None], Callable[[AudioError], None]], AudioSource
]


def microphone(device: int | str | None = None) -> SourceFactory:
    def open_stream(
        on_samples: Callable[[Samples, float], None], on_error: Callable[[AudioError], None]
    ) -> AudioSource:
        from voicebuddy.audio.stream import MicrophoneStream

        return MicrophoneStream(on_samples, device=device, on_error=on_error)

    return open_stream


class LiveDictation:
    """A `Dictation` on a live source from `start()` until `stop()`.

    The microphone's thread only queues audio; `run()` transcribes it on the caller's thread
    (the runtime's engine thread) until `stop()`, and returns once what was said has been
    transcribed. When transcription falls behind the microphone, partial texts are skipped
    until it has caught up; no audio is dropped.
    """

    def __init__(self, dictation: Dictation, open_source: SourceFactory | None = None) -> None:
        self.dictation = dictation
        self._open_source = open_source or microphone()
        self._chunks: queue.SimpleQueue[Samples | None] = queue.SimpleQueue()
        self._source: AudioSource | None = None
        self._lock = threading.Lock()
        self._latest: Samples | None = None
        self.error: VoiceBuddyError | None = None

    def start(self) -> None:
        """Open the source; raises AudioError when there is no microphone."""
        source = self._open_source(self._on_samples, self._on_error)
        source.start()
        with self._lock:
            self._source = source

    def stop(self) -> None:
        """Stop listening (from any thread); `run()` then finishes what was said."""
        with self._lock:
            source, self._source = self._source, None
        if source is not None:
            source.stop()
            self._chunks.put(None)

    def level(self) -> float:
        """RMS of the latest block heard (0.0 before any)."""
        latest = self._latest
        return rms(latest) if latest is not None and latest.size else 0.0

    def _on_samples(self, samples: Samples, _captured_at: float) -> None:
        self._latest = samples
        self._chunks.put(samples)

    def _on_error(self, error: AudioError) -> None:
        self.error = error
        self._chunks.put(None)

    def run(self) -> None:
        """Transcribe until stopped (or the source fails: `error`); raises VoiceBuddyError
        when transcription fails."""
        while (chunk := self._chunks.get()) is not None:
            pending = [chunk]
            while not self._chunks.empty():  # catch up in one go; partials wait
                more = self._chunks.get()
                if more is None:
                    self._chunks.put(None)
                    break
                pending.append(more)
            self.dictation.feed(np.concatenate(pending), partials=self._chunks.empty())
        self.stop()
        self.dictation.finish()


# ----- files
ProgressCallback = Callable[[float], None]


def speech_windows(
    utterances: Sequence[Utterance], window_s: float = FILE_WINDOW_S
) -> list[tuple[int, int]]:
    """Sample spans covering `utterances`, each up to `window_s` long (a longer utterance
    keeps a span of its own); the silence between windows is never transcribed."""
    limit = round(window_s * STT_SAMPLE_RATE)
    spans: list[tuple[int, int]] = []
    for u in utterances:
        if spans and u.end - spans[-1][0] <= limit:
            spans[-1] = (spans[-1][0], max(spans[-1][1], u.end))
        else:
            spans.append((u.start, u.end))
    return spans


def transcribe_samples(
    audio: Samples,
    stt: SpeechToText,
    vad: VoiceActivityDetector,
    options: DictationOptions = DictationOptions(),
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    cleaner: Cleaner | None = None,
) -> Transcription:
    """A whole recording: the detector finds the speech (the first 5 % of progress), then
    whisper transcribes it window by window, with the full 30 s encoder (most accurate)."""

    def check() -> None:
        if cancel is not None and cancel.is_set():
            raise DictationCancelled()

    def report(fraction: float) -> None:
        if progress is not None:
            progress(min(1.0, max(0.0, fraction)))

    segmenter = UtteranceSegmenter(vad, options.segmenter)
    utterances: list[Utterance] = []
    chunk = round(_CHUNK_S * STT_SAMPLE_RATE)
    total = max(1, audio.size)
    report(0.0)
    for offset in range(0, audio.size, chunk):
        check()
        events = segmenter.feed(audio[offset : offset + chunk])
        utterances += [e for e in events if isinstance(e, Utterance)]
        report(0.05 * min(offset + chunk, total) / total)
    utterances += [e for e in segmenter.flush() if isinstance(e, Utterance)]
    spans = speech_windows(utterances)
    heard = _speech_by_window(utterances, spans)
    speech = max(1, sum(end - start for start, end in spans))
    done = 0
    core = Dictation(stt, vad, replace(options, partials=False), cleaner=cleaner)
    finals: list[FinalText] = []
    for index, (start, end) in enumerate(spans):
        check()
        result = core.transcribe(audio[start:end], trim=False, speech=heard[index])
        segments = shift(result.segments, start / STT_SAMPLE_RATE, end / STT_SAMPLE_RATE)
        final = core.finalize(
            index, segments, result, start / STT_SAMPLE_RATE, end / STT_SAMPLE_RATE
        )
        if final.text:
            finals.append(final)
        done += end - start
        report(0.05 + 0.95 * done / speech)
    report(1.0)
    return join_finals(finals, options.whisper_language)


def _speech_by_window(
    utterances: Sequence[Utterance], windows: Sequence[tuple[int, int]]
) -> list[SpeechSpan | None]:
    """Where the utterances of each window put the speech (None: a window without any)."""
    heard: list[SpeechSpan | None] = [None] * len(windows)
    for u in utterances:
        for i, (start, end) in enumerate(windows):
            if start <= u.start < end:
                here, shift_s = u.speech(), (u.start - start) / STT_SAMPLE_RATE
                begin, finish = here.start_s + shift_s, here.end_s + shift_s
                known = heard[i]
                heard[i] = (
                    SpeechSpan(begin, finish, here.voiced_s)
                    if known is None
                    else SpeechSpan(
                        min(known.start_s, begin),
                        max(known.end_s, finish),
                        known.voiced_s + here.voiced_s,
                    )
                )
                break
    return heard


def transcribe_file(
    path: Path,
    stt: SpeechToText,
    vad: VoiceActivityDetector,
    options: DictationOptions = DictationOptions(),
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    cleaner: Cleaner | None = None,
) -> Transcription:
    """`transcribe_samples` on an audio file (any format libsndfile reads)."""
    from voicebuddy.audio.files import load_for_stt

    return transcribe_samples(load_for_stt(path), stt, vad, options, progress, cancel, cleaner)
