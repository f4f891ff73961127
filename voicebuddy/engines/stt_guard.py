"""The guard against runaway transcription, for every whisper call (turns, hands-free,
dictation).

Measured on jfk.wav cut at 48 points with tiny.en and the tight encoder window: whisper looped
on a short phrase followed by a pause ("And so my fellow Americans. And so my fellow
Americans."), and its own temperature fallback then took 6-14 s where a clean cut took
0.2 s. So:
- the audio is trimmed to the detected speech, with a margin, before whisper sees it;
- decoding is bounded: at most `TOKENS_PER_S` tokens per second of audio per segment, and no
  temperature fallback (the engine turns it off);
- a loop (`voicebuddy.text.repetition`) is decoded once more, with twice the encoder window
  and no prompt; if that loops too, the text before the first repetition is kept.
Two greedy decodes at most: a guarded transcription costs at most about twice a plain one.

Most loops measured with real pressing (1-7 in 100 presses of the bench's questions) repeat a
whole, right sentence in the pause after it: "What should I cook for dinner tonight? What
should I cook for dinner tonight? What should". Then the retry (measured: 278 ms against 161
for the first decode) finds nothing more, so it is skipped when the text before the loop is
complete sentences that account for the speech heard (`EXPLAINED_PER_S`); a loop that cut the
speech short ("Then in the next step" for four seconds of speech) is still decoded again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from voicebuddy.audio.types import STT_SAMPLE_RATE
from voicebuddy.audio.vad import SpeechSpan
from voicebuddy.engines.transcription import Segment
from voicebuddy.text import repetition

LEAD_S = 0.25  # audio kept before the first speech frame (the detector starts late on soft onsets)
TRAIL_S = 0.35  # and after the last (final consonants, and the pause whisper expects)
# English speech is about 4 tokens a second, Chinese up to about 10. A loop decodes until the
# budget is spent, so a tight one keeps a caught loop near the cost of a clean decode.
TOKENS_PER_S = {"en": 7}
TOKENS_PER_S_OTHER = 12
TOKENS_MIN = 8
FULL_WINDOW = 1500  # encoder frames in whisper's 30 s window
# Words (Chinese: characters) per second of detected speech below which the text before a loop
# leaves speech unexplained. People say about 2-3 words (4-6 characters) a second.
EXPLAINED_PER_S = {"words": 1.6, "han": 2.5}

Decode = Callable[[int, str], tuple[Segment, ...]]  # (encoder window, prompt) -> segments


@dataclass(frozen=True)
class Guarded:
    segments: tuple[Segment, ...]
    loops_caught: int  # 0: no loop; 1: the retry was clean; 2: cut before the repetition


def speech_stretch(n_samples: int, speech: SpeechSpan | None) -> tuple[int, int]:
    """The samples to transcribe: the speech with its margins (all of it when none was heard,
    so whisper's and the phantom check's judgement still apply)."""
    if speech is None or speech.voiced_s <= 0:
        return 0, n_samples
    start = max(0, math.floor((speech.start_s - LEAD_S) * STT_SAMPLE_RATE))
    end = min(n_samples, math.ceil((speech.end_s + TRAIL_S) * STT_SAMPLE_RATE))
    return (start, end) if end > start else (0, n_samples)


def token_budget(seconds: float, language: str = "") -> int:
    """The most tokens a segment of `seconds` of audio in `language` ("", "auto": any) needs."""
    rate = TOKENS_PER_S.get(language, TOKENS_PER_S_OTHER)
    return math.ceil(seconds * rate) + TOKENS_MIN


def wider(window: int) -> int:
    """Twice the encoder window (0, the full window, stays full)."""
    return 0 if window == 0 or 2 * window >= FULL_WINDOW else 2 * window


def guard_loops(
    first: tuple[Segment, ...], decode: Decode, window: int, prompt: str, voiced_s: float = 0.0
) -> Guarded:
    """`first` (what whisper gave for `window` and `prompt`), or what the guard makes of it;
    `voiced_s`: the seconds of speech the detector heard (0: unknown)."""
    if not _looping(first):
        return Guarded(first, 0)
    kept_first = _cut(first)
    if _explains(_joined(kept_first), voiced_s):
        return Guarded(kept_first, 2)
    retry_window = wider(window)
    if retry_window == window and not prompt:
        return Guarded(_cut(first), 2)  # a greedy decode of the same input gives the same text
    second = decode(retry_window, "")
    if not _looping(second):
        return Guarded(second, 1)
    kept = _cut(second)
    return Guarded(kept if kept else kept_first, 2)


def _explains(text: str, voiced_s: float) -> bool:
    """Whether `text` is complete sentences enough for `voiced_s` seconds of speech."""
    if voiced_s <= 0 or not repetition.ends_a_sentence(text):
        return False
    han = repetition.HAN.search(text) is not None
    rate = EXPLAINED_PER_S["han" if han else "words"]
    return repetition.count_units(text) >= rate * voiced_s


def _joined(segments: Sequence[Segment]) -> str:
    return " ".join(s.text.strip() for s in segments)


def _looping(segments: Sequence[Segment]) -> bool:
    return repetition.is_loop(_joined(segments))


def _cut(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """The segments up to the loop's first repetition."""
    keep = len(repetition.clean_start(_joined(segments)))
    kept: list[Segment] = []
    at = 0
    for segment in segments:
        text = segment.text.strip()
        if at >= keep:
            break
        if at + len(text) > keep:
            text = repetition.clean_start(text[: keep - at])
        if text:
            kept.append(replace(segment, text=text))
        at += len(segment.text.strip()) + 1
    return tuple(kept)
