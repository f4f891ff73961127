"""Every voice VoiceBuddy can speak with, and the one a setting or a card asks for.

Two engines: Piper's neural voices (the default English voice installs with the models, more
are `.onnx` + `.onnx.json` pairs in the data dir's `voices/` folder, or any file by path) and
the system voices through pyttsx3 (eSpeak NG on Linux, the voices of macOS and Windows), which
cover the languages no Piper voice here speaks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from voicebuddy.engines.piper_tts import (
    MAX_VOLUME,
    PIPER_ENGINE,
    PiperTTS,
    PiperVoiceFile,
    read_voice,
)
from voicebuddy.engines.tts import SYSTEM_ENGINE, Pyttsx3TTS, TextToSpeech, Voice
from voicebuddy.errors import ConfigError, ModelError, VoiceBuddyError
from voicebuddy.models.defaults import default_voice_path

log = logging.getLogger(__name__)

_MAX_DEPTH = 2  # voices/<name>.onnx or voices/<folder>/<name>.onnx
_MAX_FILES = 500


@dataclass(frozen=True)
class VoiceRequest:
    """What a setting or a card asks for. `voice`: an id or name, a Piper `.onnx` file, or a
    language tag ("en-US", "zh"), optionally after "piper:" or "system:" to keep to one
    engine; "" asks for the default voice of `language`."""

    voice: str = ""
    speaker: str = ""  # a multi-speaker Piper voice's speaker, by name or number
    rate: int = 0  # words per minute, system voices; 0 keeps the voice's own
    length_scale: float = 0.0  # Piper: > 1 slower; 0 keeps the voice's own
    volume: float = 1.0
    language: str = ""  # the character's language ("" is English)
    threads: int = 1  # onnxruntime's intra-op threads for Piper


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def voice_folders(data_dir: Path) -> list[Path]:
    """Where the user's Piper voices are looked for."""
    return [data_dir / "voices"]


def piper_voices(folders: Sequence[Path]) -> tuple[list[PiperVoiceFile], list[Skipped]]:
    """The default voice (when installed), then every voice in `folders`; the files that are
    not usable voices come back as skipped, each with its one sentence."""
    found: list[PiperVoiceFile] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    candidates = [*_default(), *(m for folder in folders for m in _onnx_files(folder))]
    for model in candidates:
        real = model.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            found.append(read_voice(model))
        except VoiceBuddyError as error:
            skipped.append(Skipped(model, error.message))
    return found, skipped


def _default() -> list[Path]:
    try:
        return [default_voice_path()]
    except VoiceBuddyError:
        return []


def _onnx_files(folder: Path) -> Iterator[Path]:
    count = 0
    for root, dirs, files in os.walk(folder, onerror=lambda _e: None):
        depth = len(Path(root).relative_to(folder).parts)
        dirs[:] = sorted(dirs) if depth + 1 < _MAX_DEPTH else []
        for name in sorted(files):
            if name.endswith(".onnx") and not name.startswith("."):
                count += 1
                if count > _MAX_FILES:
                    return
                yield Path(root) / name


def system_voices() -> list[Voice]:
    """pyttsx3's voices; none when it cannot start (its error is logged)."""
    try:
        return Pyttsx3TTS().voices()
    except VoiceBuddyError as error:
        log.info("no system voices: %s", error.message)
        return []


def all_voices(folders: Sequence[Path]) -> list[Voice]:
    return [v.voice for v in piper_voices(folders)[0]] + system_voices()


def is_voice_file(voice: str) -> bool:
    """A Piper model by path (system voice ids such as "gmw/en-us" contain slashes too)."""
    return voice.casefold().endswith(".onnx")


def _norm(tag: str) -> str:
    return tag.strip().casefold().replace("_", "-")


def find_piper_voice(wanted: str, voices: Sequence[PiperVoiceFile]) -> PiperVoiceFile | None:
    """By id or name, else by language: "en-US" matches en_US, "en" any English voice (the
    default voice first); "en-GB" does not match en_US."""
    key = _norm(wanted)
    if not key:
        return None
    for v in voices:
        if key in (_norm(v.id), _norm(v.voice.name)):
            return v
    for v in voices:
        language = _norm(v.language)
        if key == language or ("-" not in key and key == language.split("-")[0]):
            return v
    return None


def open_voice(request: VoiceRequest, folders: Sequence[Path]) -> TextToSpeech:
    """The engine for `request`: a Piper voice if it names one (or, for a language, if one
    speaks it), else a system voice. Raises what the engines raise for a voice that does
    not exist or cannot be used."""
    if not 0 < request.volume <= MAX_VOLUME:
        raise ConfigError(
            "invalid_voice_setting", f"Volume {request.volume} is out of range: use 0.1 to 2."
        )
    wanted = request.voice.strip()
    engine, _, named = wanted.partition(":")
    if engine in (PIPER_ENGINE, SYSTEM_ENGINE) and named:  # "system:en-us": that engine only
        wanted = named
    else:
        engine = ""
    if is_voice_file(wanted) and engine != SYSTEM_ENGINE:
        return _piper(read_voice(Path(wanted)), request)
    if engine != SYSTEM_ENGINE:
        voices, _ = piper_voices(folders)
        found = find_piper_voice(wanted or request.language or "en", voices)
        if found is not None:
            try:
                return _piper(found, request)
            except ModelError as error:
                # Asked for by language only: the system voice of that language will do.
                if engine or (
                    wanted and _norm(wanted) in (_norm(found.id), _norm(found.voice.name))
                ):
                    raise
                log.warning("%s Speaking with the system voice instead.", error.message)
        elif engine == PIPER_ENGINE:
            raise ConfigError("unknown_voice", f"No Piper voice '{wanted}' is installed.")
    if request.speaker or request.length_scale:
        log.info("speaker and length scale apply to Piper voices only")
    return Pyttsx3TTS(
        voice=wanted or request.language or None,
        rate=request.rate or None,
        volume=request.volume,
    )


def _piper(voice: PiperVoiceFile, request: VoiceRequest) -> PiperTTS:
    return PiperTTS(
        voice,
        speaker=request.speaker,
        length_scale=request.length_scale,
        volume=request.volume,
        threads=request.threads,
    )


def describe(tts: TextToSpeech) -> str:
    """ "piper en_US-joe-medium", "system gmw/en-us": for the status bar and the bench."""
    voices = [v for v in tts.voices() if v.id == tts.voice_id]
    engine = voices[0].engine if voices else ""
    return f"{engine} {tts.voice_id}".strip()


def default_for_language(request: VoiceRequest) -> VoiceRequest:
    """The same request without its own voice: the default voice of its language."""
    return VoiceRequest(volume=request.volume, language=request.language, threads=request.threads)
