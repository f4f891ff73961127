"""Speech-to-text: whisper.cpp through pywhispercpp, behind a small Protocol.

Models are loaded by file path only (pywhispercpp downloads from a hub when given a bare name,
which VoiceBuddy never allows).
"""

from __future__ import annotations

import math
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.errors import ConfigError, ModelError

GGML_MAGIC = 0x67676D6C
_MULTILINGUAL_VOCAB = 51865  # English-only models have 51864 tokens
_FULL_WINDOW = 1500
_UNSPACED_LANGUAGES = frozenset(
    {"zh", "ja", "yue", "th", "lo", "my", "km", "bo"}
)  # encoder frames in whisper's 30 s window (50 per second)


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Transcription:
    segments: tuple[Segment, ...]
    language: str

    @property
    def text(self) -> str:
        parts = [s.text.strip() for s in self.segments if s.text.strip()]
        return ("" if self.language in _UNSPACED_LANGUAGES else " ").join(parts)


class SpeechToText(Protocol):
    @property
    def multilingual(self) -> bool: ...

    def transcribe(self, samples: Samples, language: str | None = None) -> Transcription:
        """Transcribe 16 kHz mono float32 audio; `language` None means the configured one."""
        ...


@dataclass(frozen=True)
class WhisperHeader:
    n_vocab: int
    n_audio_layer: int
    n_text_layer: int
    n_mels: int

    @property
    def multilingual(self) -> bool:
        return self.n_vocab >= _MULTILINGUAL_VOCAB


def read_whisper_header(path: Path) -> WhisperHeader:
    if not path.is_file():
        raise ModelError("stt_model_missing", f"The whisper model file {path} does not exist.")
    with path.open("rb") as file:
        head = file.read(4 * 12)
    if len(head) < 48 or struct.unpack("<I", head[:4])[0] != GGML_MAGIC:
        raise ModelError(
            "stt_model_invalid", f"{path} is not a whisper.cpp ggml model (wrong file header)."
        )
    values = struct.unpack("<11i", head[4:])
    n_vocab, n_audio_layer, n_text_layer, n_mels = values[0], values[4], values[8], values[9]
    if not (50_000 <= n_vocab <= 60_000 and n_mels in (80, 128) and n_audio_layer > 0):
        raise ModelError("stt_model_invalid", f"{path} is a ggml file but not a whisper model.")
    return WhisperHeader(n_vocab, n_audio_layer, n_text_layer, n_mels)


def encoder_window(n_samples: int, trim: bool) -> int:
    """whisper.cpp's `audio_ctx`: the encoder frames to run; 0 means the full 30 s window.

    whisper.cpp always encodes 30 s unless told otherwise; for a 2 s question that is most of
    the time of a turn. Measured on jfk.wav and 20 espeak-ng questions: with a 64-frame margin
    (rounded up to 64) tiny.en took 72 ms instead of 463 ms and base 147 ms instead of 1016 ms,
    at a mean word error rate no worse than the full window's (0.07-0.09 against 0.08 for
    tiny.en, 0.055 against 0.085 for base); margins of 0-32 frames cut words (WER 0.25).
    """
    if not trim:
        return 0
    frames = math.ceil(n_samples / STT_SAMPLE_RATE * 50) + 64
    frames = -(-frames // 64) * 64
    return 0 if frames >= _FULL_WINDOW else frames


class WhisperCppSTT:
    def __init__(
        self,
        model_path: Path,
        *,
        language: str = "en",
        initial_prompt: str = "",
        threads: int = 2,
        trim_window: bool = True,
    ) -> None:
        self.header = read_whisper_header(model_path)
        self.model_path = model_path
        self.language = self._check_language(language)
        self.initial_prompt = initial_prompt
        self.trim_window = trim_window
        from pywhispercpp.model import Model

        try:
            self._model = Model(
                str(model_path),
                redirect_whispercpp_logs_to=None,
                n_threads=threads,
                print_progress=False,
                print_realtime=False,
                print_timestamps=False,
                no_context=True,
                suppress_blank=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(
                "stt_load_failed", f"whisper.cpp could not load {model_path}: {exc}"
            ) from None
        self._context = getattr(self._model, "_ctx", None)
        if self._context is None:
            raise ModelError("stt_load_failed", f"whisper.cpp could not load {model_path}.")
        self._lock = threading.Lock()  # a whisper context runs one transcription at a time
        self._warm_up()

    def _warm_up(self) -> None:
        """Transcribe a moment of silence once, right where the model was loaded.

        pybind11 looks up numpy's C API on the first array passed in. Done for the first time
        later, from a Qt worker thread in a new slot call, that lookup crashed the process
        (it deleted the thread's Python state). It also pages the weights in, so the user's
        first sentence is not the slow one.
        """
        silence = np.zeros(STT_SAMPLE_RATE // 2, dtype=np.float32)
        self._model.transcribe(silence, language=self.language, audio_ctx=64, initial_prompt="")

    @property
    def multilingual(self) -> bool:
        return self.header.multilingual

    def _check_language(self, language: str) -> str:
        language = (language or "auto").strip().lower()
        if not self.multilingual and language not in ("en", "auto"):
            raise ConfigError(
                "stt_language_unsupported",
                f"The whisper model {self.model_path.name} understands only English; "
                f"use a multilingual model (such as base) for {language!r}.",
            )
        if not self.multilingual:
            return "en"
        return language

    def transcribe(self, samples: Samples, language: str | None = None) -> Transcription:
        language = self.language if language is None else self._check_language(language)
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        if audio.size < STT_SAMPLE_RATE // 10:
            return Transcription((), language if language != "auto" else "")
        import _pywhispercpp as pw

        with self._lock:
            segments = self._model.transcribe(
                audio,
                language=language,
                initial_prompt=self.initial_prompt,
                audio_ctx=encoder_window(audio.size, self.trim_window),
            )
            detected = pw.whisper_lang_str(pw.whisper_full_lang_id(self._context))
        return Transcription(
            tuple(Segment(s.t0 / 100, s.t1 / 100, s.text) for s in segments),
            str(detected or language),
        )
