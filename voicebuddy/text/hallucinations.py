"""Phantom words: what whisper writes for audio without speech, told apart from speech.

On silence, breathing or room noise whisper tends to write the captions of its training
videos: "[BLANK_AUDIO]", "(Music)", "[inhales]", "you", "Thank you for watching",
"字幕由Amara.org社区提供", "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", or the words of its
prompt. Three rules, in this order:

1. Annotations (`[...]`, `【...】`, text made only of `(...)` groups or ♪) are never speech and
   are always removed.
2. When the voice-activity detector heard less than `NO_SPEECH_S` of speech, nothing whisper
   wrote is kept.
3. A known phantom phrase (or an echo of the prompt) is dropped only when the detector heard
   less than `PHRASE_SPEECH_S` of speech where whisper placed it, so a person who really says
   "Thank you" (about 0.3 s of voiced frames) is still heard.

Measured with Silero on 16 kHz audio: silence, white, pink, hum and breathing-like noise of
1-8 s gave 0 voiced frames; espeak-ng saying "you", "Bye." and "Thank you." gave 0.32-0.45 s
whatever the silence around them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import SpeechSpan, VoiceActivityDetector

NO_SPEECH_S = 0.1  # less voiced time than this: no speech at all
PHRASE_SPEECH_S = 0.2  # less than this where a known phantom phrase sits: it is phantom

# (the last: a tag the token budget cut off, "[P" for "[PAUSE]" at the end of a segment)
_TAG = re.compile(r"\[[^\[\]]{0,80}\]|【[^【】]{0,80}】|\*[^*]{1,40}\*|\[[A-Za-z_ ]{0,20}$")
_GROUP = re.compile(r"\([^()]{0,80}\)|（[^（）]{0,80}）")
_SYMBOLS = re.compile(r"[♪♫♬♩🎵🎶]+")
_SPACES = re.compile(r"\s+")

# Whole texts whisper writes for non-speech (compared after `normalize`).
_PHRASES = frozenset(
    {
        "you",
        "thankyou",
        "thanks",
        "thankyouverymuch",
        "thankyousomuch",
        "thankyouforwatching",
        "thanksforwatching",
        "thankyousomuchforwatching",
        "thankyouforlistening",
        "thankyouforwatchingandseeyounexttime",
        "pleasesubscribe",
        "subscribe",
        "bye",
        "byebye",
        "goodbye",
        "so",
        "okay",
        "ok",
        "oh",
        "uh",
        "um",
        "hmm",
        "mm",
        "huh",
        "theend",
        "seeyounexttime",
        "seeyouinthenextvideo",
        "imgoingtogo",
        "谢谢",
        "谢谢观看",
        "谢谢大家",
        "感谢观看",
        "谢谢收看",
        "请订阅",
        "嗯",
        "啊",
        "好",
        "ご視聴ありがとうございました",
        "시청해주셔서감사합니다",
        "продолжениеследует",
        "merci",
        "danke",
        "gracias",
        "vielendank",
    }
)

# Pieces that only caption credits and channel plugs contain.
_SIGNATURES = (
    "amaraorg",
    "thankyouforwatching",
    "thanksforwatching",
    "pleasesubscribe",
    "likeandsubscribe",
    "subscribetomychannel",
    "subscribetothechannel",
    "subtitlesby",
    "captionsby",
    "transcribedby",
    "translatedby",
    "明镜与点点",
    "点赞订阅",
    "订阅转发",
    "打赏支持",
    "字幕由",
    "字幕志愿者",
    "字幕提供",
    "中文字幕",
    "优优独播剧场",
    "untertitelung",
    "untertiteldes",
    "soustitrage",
    "ご視聴",
    "시청해주셔서",
)


def strip_annotations(text: str) -> str:
    """`text` without whisper's non-speech annotations; "" when that is all it was.

    Square-bracket tags such as "[BLANK_AUDIO]" go wherever they are; parentheses are
    removed only when the whole text is made of them ("(Music)", "(inhales)"), since a
    dictated sentence may hold a real aside in parentheses."""
    cleaned = _SYMBOLS.sub(" ", _TAG.sub(" ", text))
    if not normalize(_GROUP.sub(" ", cleaned)):
        return ""
    return _SPACES.sub(" ", cleaned).strip()


def normalize(text: str) -> str:
    """Lowercase letters, digits and Han characters only, in Simplified script."""
    from voicebuddy.text.chinese import has_han, to_simplified

    folded = unicodedata.normalize("NFKC", text).casefold()
    if has_han(folded):
        folded = to_simplified(folded)
    return "".join(ch for ch in folded if ch.isalnum())


def is_known_phantom(text: str) -> bool:
    """Whether `text` is one of whisper's captions for non-speech (or repeats one)."""
    key = normalize(text)
    if not key:
        return True
    if key in _PHRASES or any(signature in key for signature in _SIGNATURES):
        return True
    for phrase in _PHRASES:  # "you you you", "谢谢谢谢"
        if len(key) % len(phrase) == 0 and key == phrase * (len(key) // len(phrase)):
            return True
    return False


def is_prompt_echo(text: str, prompt: str) -> bool:
    """whisper repeating (part of) its prompt instead of hearing anything."""
    key, source = normalize(text), normalize(prompt)
    return bool(key) and bool(source) and key in source


def is_phantom(text: str, voiced_s: float, prompt: str = "") -> bool:
    """Whether whisper's `text` is to be dropped, given the seconds of speech the voice-activity
    detector heard in its stretch of audio."""
    if not strip_annotations(text):
        return True
    if voiced_s < NO_SPEECH_S:
        return True
    suspicious = is_known_phantom(text) or is_prompt_echo(text, prompt)
    return suspicious and voiced_s < PHRASE_SPEECH_S


class SpeechFrames:
    """Which frames of a stretch of 16 kHz audio a voice-activity detector calls speech."""

    def __init__(
        self, samples: Samples, vad: VoiceActivityDetector, threshold: float = 0.5
    ) -> None:
        size = vad.frame_samples
        audio = np.asarray(samples, dtype=np.float32).ravel()
        vad.reset()
        flags = [
            vad.speech_probability(np.ascontiguousarray(audio[i : i + size])) >= threshold
            for i in range(0, audio.size // size * size, size)
        ]
        vad.reset()
        self.frame_s = size / STT_SAMPLE_RATE
        self.speech: npt.NDArray[np.bool_] = np.array(flags, dtype=bool)

    @property
    def duration_s(self) -> float:
        return self.speech.size * self.frame_s

    def voiced_s(self, start_s: float = 0.0, end_s: float | None = None) -> float:
        """Seconds of speech frames between `start_s` and `end_s` (default: the end)."""
        first = max(0, int(start_s / self.frame_s))
        last = self.speech.size if end_s is None else int(np.ceil(end_s / self.frame_s))
        last = min(self.speech.size, max(last, first + 1))
        return float(np.count_nonzero(self.speech[first:last])) * self.frame_s

    def span(self) -> SpeechSpan | None:
        """Where the speech is; None when the detector heard none."""
        found = np.flatnonzero(self.speech)
        if found.size == 0:
            return None
        start, end = float(found[0]) * self.frame_s, float(found[-1] + 1) * self.frame_s
        return SpeechSpan(start, end, float(found.size) * self.frame_s)


def suspicious(texts: Iterable[str], prompt: str = "") -> bool:
    """Whether any of `texts` would need the detector's word (see `is_phantom`)."""
    return any(is_known_phantom(t) or is_prompt_echo(t, prompt) for t in texts)
