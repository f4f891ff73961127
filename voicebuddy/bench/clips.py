"""The speech the bench talks with: questions spoken by eSpeak NG (cached) and jfk.wav."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import voicebuddy
from voicebuddy.audio.files import read_audio, resample
from voicebuddy.audio.types import STT_SAMPLE_RATE, Clip, Samples
from voicebuddy.errors import VoiceBuddyError

# Short questions as people ask them; at 140 words per minute each lasts 2.3 to 2.7 s. tiny.en
# gets all of them right from whisper's full 30 s window.
QUESTIONS = (
    "What is the weather like today?",
    "What should I cook for dinner tonight?",
    "Can you tell me a short joke?",
    "Do you have any plans for the weekend?",
    "Can you recommend a good movie?",
)
ESPEAK_VOICE = "en-us"
ESPEAK_WPM = 140
JFK_WAV = Path(voicebuddy.__file__).resolve().parent.parent / "tests" / "fixtures" / "jfk.wav"
JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


@dataclass(frozen=True)
class SpeechClip:
    name: str
    text: str  # what is said
    clip: Clip  # as recorded, at its own rate

    @property
    def duration_s(self) -> float:
        return self.clip.duration_s

    def for_stt(self) -> Samples:
        return resample(self.clip.samples, self.clip.sample_rate, STT_SAMPLE_RATE)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def spoken(text: str, cache_dir: Path) -> SpeechClip:
    """`text` spoken by eSpeak NG, made once and kept in `cache_dir`."""
    key = hashlib.sha256(f"{ESPEAK_VOICE}|{ESPEAK_WPM}|{text}".encode()).hexdigest()[:12]
    path = cache_dir / f"{_slug(text)}-{key}.wav"
    if not path.is_file():
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            raise VoiceBuddyError(
                "bench_needs_espeak",
                "The bench speaks its questions with the espeak-ng program: install espeak-ng.",
            )
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.tmp.wav")
        try:
            subprocess.run(
                [espeak, "-v", ESPEAK_VOICE, "-s", str(ESPEAK_WPM), "-w", str(partial), text],
                check=True,
                capture_output=True,
                timeout=60,
            )
            os.replace(partial, path)
        except (OSError, subprocess.SubprocessError) as exc:
            partial.unlink(missing_ok=True)
            raise VoiceBuddyError(
                "bench_speech_failed", f"espeak-ng could not speak {text!r}: {exc}."
            ) from exc
    return SpeechClip(_slug(text), text, read_audio(path))


def questions(cache_dir: Path) -> list[SpeechClip]:
    return [spoken(text, cache_dir) for text in QUESTIONS]


def jfk() -> SpeechClip | None:
    """The 11 s JFK quote from the source tree; None when the tree is not there."""
    if not JFK_WAV.is_file():
        return None
    return SpeechClip("jfk", JFK_TEXT, read_audio(JFK_WAV))
