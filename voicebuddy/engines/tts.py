"""Text-to-speech behind a small Protocol; the real engine is pyttsx3 (eSpeak NG on Linux).

Speech is synthesized to samples and played by VoiceBuddy, never with pyttsx3's `say()`, which
on Linux shells out to `aplay` and is unreliable. On Linux the samples come straight from
pyttsx3's eSpeak NG binding; other drivers write a WAV file (`save_to_file` + `runAndWait`).

Threading: eSpeak NG is one global state per process (voice, rate and the synthesis callback are
process-wide, and `pyttsx3.init()` hands out one shared engine per driver). So all pyttsx3
calls of the process run on one dedicated worker thread, and every job sets its own voice and
rate before synthesizing. Several Pyttsx3TTS objects can be used from any threads at once.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from queue import SimpleQueue
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import soundfile as sf

from voicebuddy.audio.files import to_mono
from voicebuddy.audio.types import Clip
from voicebuddy.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

T = TypeVar("T")

ESPEAK_SAMPLE_RATE = 22_050
DEFAULT_RATE = 200  # words per minute
MIN_RATE = 80  # eSpeak NG clamps slower rates to 80
MAX_RATE = 450
VOICES_HINT = "run `voicebuddy voices` to list the available voices"
# eSpeak NG's plain "cmn" voice turns Chinese into pinyin and then reads the pinyin as English
# ("ni3" becomes "nee three"); its "cmn-latn-pinyin" voice speaks it as Mandarin.
_MANDARIN = ("cmn-latn-pinyin", "cmn")
_LANGUAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "cmn": _MANDARIN,
    "zh": _MANDARIN,
    "zh-cn": _MANDARIN,
    "zh-hans": _MANDARIN,
    "zh-tw": _MANDARIN,
    "zh-hant": _MANDARIN,
    "zh-hk": ("yue",),
    "en-uk": ("en-gb",),
}


SYSTEM_ENGINE = "system"  # pyttsx3: eSpeak NG on Linux, the voices of macOS and Windows


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    engine: str = SYSTEM_ENGINE
    quality: str = ""  # Piper's "x_low" ... "high"
    speakers: tuple[str, ...] = ()  # a multi-speaker model's speaker names, in id order
    path: str = ""  # the model file, for voices that are files


class TextToSpeech(Protocol):
    def synthesize(self, text: str) -> Clip:
        """Speak `text` into a mono clip; empty or blank text gives an empty clip."""
        ...

    def voices(self) -> list[Voice]: ...

    @property
    def voice_id(self) -> str:
        """The voice actually speaking (after resolving tags such as "zh")."""
        ...


def resolve_voice(requested: str, voices: Sequence[Voice]) -> Voice | None:
    """Find a voice by id ("gmw/en-us"), name ("German") or language tag ("cmn", "en-US", "de").

    Language tags also match an id's last part ("en" -> "gmw/en"), a few aliases ("zh" ->
    Mandarin) and, failing all that, their primary language ("de-DE" -> "de").
    """
    wanted = requested.strip().casefold().replace("_", "-")
    if not wanted:
        return None
    for v in voices:
        if wanted in (v.id.casefold(), v.name.casefold()):
            return v
    primary = wanted.split("-")[0]
    tags = [
        *_LANGUAGE_ALIASES.get(wanted, ()),
        wanted,
        primary,
        *_LANGUAGE_ALIASES.get(primary, ()),
    ]
    for tag in tags:
        for v in voices:
            if tag in (lang.casefold() for lang in v.languages):
                return v
        for v in voices:
            if v.id.casefold().rsplit("/", 1)[-1] == tag:
                return v
    # The system voices of macOS and Windows name languages "zh_CN", "zh-TW": match "zh".
    for tag in dict.fromkeys([wanted, primary, "zh" if primary == "cmn" else primary]):
        for v in voices:
            spoken = [lang.casefold().replace("_", "-") for lang in v.languages]
            if tag in spoken or tag in (lang.split("-")[0] for lang in spoken):
                return v
    return None


class Pyttsx3TTS:
    """pyttsx3/eSpeak NG speech; `voice` is an id, a name or a language tag (None: default).

    `rate` is in words per minute (default 200); `volume` multiplies the samples.
    Raises ConfigError "unknown_voice" / "invalid_rate" and ModelError "tts_unavailable" (no
    pyttsx3 or no eSpeak NG library).
    """

    def __init__(
        self, voice: str | None = None, rate: int | None = None, volume: float = 1.0
    ) -> None:
        if rate is not None and not MIN_RATE <= rate <= MAX_RATE:
            raise ConfigError(
                "invalid_rate",
                f"Speech rate {rate} is out of range: use {MIN_RATE} to {MAX_RATE} words per "
                f"minute.",
            )
        self.voice = voice  # as requested; see `selected_voice` for what it resolved to
        self.rate = rate
        self.volume = volume
        self._worker = _shared_worker()
        info = self._worker.call(lambda engine: engine.info, timeout=60)
        self._voices = info.voices
        self.selected_voice: Voice | None = None
        if voice is not None:
            self.selected_voice = resolve_voice(voice, self._voices)
            if self.selected_voice is None:
                raise ConfigError("unknown_voice", f"Unknown voice '{voice}': {VOICES_HINT}.")
        self._voice_id = self.selected_voice.id if self.selected_voice else info.default_voice
        self._rate = rate if rate is not None else info.default_rate
        self.sample_rate = ESPEAK_SAMPLE_RATE

    def voices(self) -> list[Voice]:
        return list(self._voices)

    @property
    def voice_id(self) -> str:
        return self._voice_id or ""

    def synthesize(self, text: str) -> Clip:
        if not text.strip():
            return Clip(np.zeros(0, dtype=np.float32), self.sample_rate)
        # eSpeak reads a C string: a NUL would silently end the text.
        text = text.replace("\x00", " ")
        voice_id, rate = self._voice_id, self._rate

        def job(engine: _Engine) -> Clip:
            return _synthesize(engine.pyttsx3, text, voice_id, rate)

        clip = self._worker.call(job, timeout=60 + len(text) / 20)
        self.sample_rate = clip.sample_rate
        if self.volume != 1.0:
            clip = Clip(np.clip(clip.samples * self.volume, -1.0, 1.0), clip.sample_rate)
        return clip


@dataclass(frozen=True)
class _EngineInfo:
    voices: tuple[Voice, ...]
    default_voice: str | None
    default_rate: int


@dataclass(frozen=True)
class _Engine:
    pyttsx3: Any  # the pyttsx3.Engine; only touched on the worker thread
    info: _EngineInfo  # as found at start-up, before any job changed voice or rate


def _engine_info(engine: Any) -> _EngineInfo:
    voices = tuple(
        Voice(
            id=str(v.id),
            name=str(v.name or v.id),
            languages=tuple(str(lang) for lang in (v.languages or ())),
        )
        for v in engine.getProperty("voices")
    )
    default_voice = engine.getProperty("voice")
    return _EngineInfo(
        voices=voices,
        default_voice=str(default_voice) if default_voice else None,
        # Not getProperty("rate"): pyttsx3's GetParameter binding omits eSpeak's `current`
        # argument, so it returns arbitrary values. The driver starts every engine at 200.
        default_rate=DEFAULT_RATE,
    )


def _synthesize(engine: Any, text: str, voice_id: str | None, rate: int) -> Clip:
    espeak = sys.modules.get("pyttsx3.drivers._espeak")
    if espeak is not None:
        return _synthesize_espeak(engine, espeak, text, voice_id, rate)
    return _synthesize_to_file(engine, text, voice_id, rate)


def _synthesize_espeak(
    engine: Any, espeak: Any, text: str, voice_id: str | None, rate: int
) -> Clip:
    """Synthesize with pyttsx3's own eSpeak NG binding, synchronously.

    pyttsx3's event loop around eSpeak (save_to_file + runAndWait) now and then cancels its own
    synthesis when eSpeak is still busy and writes no file (seen in about 1 of 20 turns). Here
    the audio is collected from eSpeak's callback and espeak_Synchronize() waits for the end,
    so every call yields its audio; pyttsx3's callback is put back afterwards.
    """
    chunks: list[npt.NDArray[np.int16]] = []

    def on_audio(wav: Any, numsamples: int, _events: Any) -> int:
        if numsamples > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
        return 0

    espeak.Synchronize()
    if voice_id is not None and espeak.SetVoiceByName(voice_id.encode("utf-8")) != 0:
        raise ModelError("tts_failed", f"eSpeak NG could not select the voice {voice_id}.")
    espeak.SetParameter(espeak.RATE, rate, 0)
    espeak.SetSynthCallback(on_audio)
    try:
        status = espeak.Synth(text, flags=espeak.ENDPAUSE | espeak.CHARS_UTF8)
        espeak.Synchronize()
    finally:
        driver = getattr(getattr(engine, "proxy", None), "_driver", None)
        espeak.SetSynthCallback(driver._onSynth if driver is not None else None)
    if status != 0:
        raise ModelError("tts_failed", f"eSpeak NG failed to synthesize (status {status}).")
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    return Clip((samples.astype(np.float32) / 32768.0), ESPEAK_SAMPLE_RATE)


def _synthesize_to_file(engine: Any, text: str, voice_id: str | None, rate: int) -> Clip:
    """Other pyttsx3 drivers (macOS NSSpeechSynthesizer, Windows SAPI5) write a file."""
    with tempfile.TemporaryDirectory(prefix="voicebuddy-tts-") as tmp:
        path = Path(tmp) / "speech.wav"
        if voice_id is not None:
            engine.setProperty("voice", voice_id)
        engine.setProperty("rate", rate)
        engine.save_to_file(text, str(path))
        engine.runAndWait()
        if not path.exists():
            raise ModelError("tts_failed", "The text-to-speech engine produced no audio file.")
        try:
            data, sample_rate = sf.read(str(path), dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise ModelError(
                "tts_failed", f"The text-to-speech engine wrote unreadable audio: {exc}."
            ) from exc
    return Clip(to_mono(data), int(sample_rate))


def _create_engine() -> _Engine:
    try:
        import pyttsx3
    except ImportError as exc:
        raise ModelError(
            "tts_unavailable", "Text-to-speech needs the Python package pyttsx3 (pip install)."
        ) from exc
    try:
        engine = pyttsx3.init()
    except Exception as exc:  # pyttsx3 raises RuntimeError, OSError or ImportError here
        raise ModelError(
            "tts_unavailable",
            "Text-to-speech needs the eSpeak NG library: install the package libespeak-ng1 "
            f"(Debian/Ubuntu) or espeak-ng; pyttsx3 failed with: {exc}.",
        ) from exc
    _silence_driver_prints()
    # A new engine queues setProperty() until its first loop; an empty loop ends that, so the
    # properties of every job apply (and settle, see below) before its synthesis starts.
    engine.runAndWait()
    return _Engine(engine, _engine_info(engine))


def _silence_driver_prints() -> None:
    """Route the drivers' `print` ("Audio saved to ...") to logging.

    The CLI prints JSON on stdout. The message is a Python print() from the espeak driver, run
    on our worker thread; contextlib.redirect_stdout would swap sys.stdout for the whole process
    and swallow other threads' output meanwhile, so instead `print` is shadowed in the driver
    modules' globals only.
    """

    def quiet_print(*args: object, **_kwargs: object) -> None:
        log.debug("pyttsx3: %s", " ".join(str(a) for a in args))

    for name, module in list(sys.modules.items()):
        if name.startswith("pyttsx3.drivers") and module is not None:
            module.print = quiet_print  # type: ignore[attr-defined]


class _Worker:
    """A daemon thread that owns the pyttsx3 engine and runs jobs one at a time."""

    def __init__(self) -> None:
        self._jobs: SimpleQueue[tuple[Callable[[_Engine], Any], Future[Any]]] = SimpleQueue()
        self._engine: _Engine | None = None
        self._thread = threading.Thread(target=self._run, name="voicebuddy-tts", daemon=True)
        self._thread.start()

    def call(self, job: Callable[[_Engine], T], timeout: float) -> T:
        future: Future[T] = Future()
        self._jobs.put((job, future))
        try:
            return future.result(timeout=timeout)
        except FutureTimeout as exc:
            raise ModelError(
                "tts_failed", f"Text-to-speech did not finish within {timeout:.0f} s."
            ) from exc

    def _run(self) -> None:
        while True:
            job, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                if self._engine is None:
                    self._engine = _create_engine()
                future.set_result(job(self._engine))
            except BaseException as exc:  # handed to the caller, who re-raises it
                future.set_exception(exc)


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _shared_worker() -> _Worker:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = _Worker()
        return _worker
