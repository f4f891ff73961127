"""Settings -> models -> engines. Engines load on first use and stay while their settings do.

`Engines` is used by one thread only: the runtime's engine thread, or the only thread of a
one-shot command (`voicebuddy transcribe`, the bench). Nothing here locks.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicebuddy.audio.vad import VoiceActivityDetector, open_vad
from voicebuddy.characters.character import BUNDLED_DIR, Character, find_character
from voicebuddy.config import LlmSettings, Paths, Settings
from voicebuddy.engines.llm import (
    ChatModel,
    LlamaCppChat,
    LlamaSettings,
    Sampling,
    default_threads,
)
from voicebuddy.engines.stt import SpeechToText, WhisperCppSTT
from voicebuddy.engines.tts import Pyttsx3TTS, TextToSpeech
from voicebuddy.errors import ModelError
from voicebuddy.models.ct2 import Ct2Source
from voicebuddy.models.defaults import STT_MODEL_NAMES, default_llm_path, default_stt_source
from voicebuddy.models.whisper_convert import ensure_ggml

_SPEECH_MODELS_KEPT = 2  # the conversation's and the dictation's, when their languages differ


def resolve_llm_path(settings: Settings) -> Path:
    return Path(settings.llm.model).expanduser() if settings.llm.model else default_llm_path()


def stt_model_name(settings: Settings) -> str:
    """The configured STT model; "auto" picks tiny.en for English and base otherwise."""
    name = settings.stt.model.strip() or "auto"
    if name == "auto":
        return "tiny.en" if settings.stt.language.strip().lower() in ("en", "") else "base"
    return name


def with_speech_language(settings: Settings, character: Character | None) -> Settings:
    """The settings with the language the character speaks, unless the user chose one."""
    language = settings.stt.language.strip()
    if not language:
        language = (character.voice.language if character else "") or "en"
    return with_stt_language(settings, language)


def dictation_settings(settings: Settings) -> Settings:
    """The settings with whisper listening for the dictation's language."""
    return with_stt_language(settings, settings.dictation.language.strip() or "auto")


def with_stt_language(settings: Settings, language: str) -> Settings:
    return dataclasses.replace(settings, stt=dataclasses.replace(settings.stt, language=language))


def resolve_stt_path(settings: Settings, cache_dir: Path) -> Path:
    """A ggml file for whisper.cpp: given, or converted once from a CTranslate2 model."""
    name = stt_model_name(settings)
    if name in STT_MODEL_NAMES:
        return ensure_ggml(default_stt_source(name), cache_dir / "whisper", name)
    path = Path(name).expanduser()
    if path.is_dir():
        return ensure_ggml(Ct2Source.from_folder(path), cache_dir / "whisper", path.name)
    if not path.exists():
        raise ModelError(
            "stt_model_missing",
            f"No whisper model at {path} (give a ggml .bin, a faster-whisper folder, "
            f"or one of {', '.join(STT_MODEL_NAMES)}).",
        )
    return path


def _chat_fields(llm: LlmSettings) -> tuple[object, ...]:
    """The LLM settings that need a new model object (sampling ones do not)."""
    return (llm.model, llm.context_size, llm.gpu_layers, llm.lora, llm.threads, llm.seed)


def threads(configured: int) -> int:
    return configured if configured > 0 else default_threads()


def load_chat_model(settings: Settings, _paths: Paths) -> ChatModel:
    llm = settings.llm
    return LlamaCppChat(
        LlamaSettings(
            model_path=resolve_llm_path(settings),
            context_size=llm.context_size,
            threads=threads(llm.threads),
            gpu_layers=llm.gpu_layers,
            lora_path=Path(llm.lora).expanduser() if llm.lora else None,
            seed=llm.seed,
        )
    )


def load_speech_to_text(settings: Settings, paths: Paths) -> SpeechToText:
    stt = settings.stt
    return WhisperCppSTT(
        resolve_stt_path(settings, paths.cache_dir),
        language=stt.language,
        initial_prompt=stt.initial_prompt,
        threads=threads(stt.threads),
        trim_window=stt.trim_window,
    )


def load_text_to_speech(voice: str | None, rate: int | None) -> TextToSpeech:
    return Pyttsx3TTS(voice=voice, rate=rate)


@dataclass(frozen=True)
class EngineLoaders:
    """How engines are made; tests pass loaders of fakes."""

    chat: Callable[[Settings, Paths], ChatModel] = load_chat_model
    stt: Callable[[Settings, Paths], SpeechToText] = load_speech_to_text
    tts: Callable[[str | None, int | None], TextToSpeech] = load_text_to_speech
    vad: Callable[[str], VoiceActivityDetector] = open_vad


def character_folders(paths: Paths) -> list[Path]:
    """Where characters are looked for: the user's own first, then the bundled ones."""
    return [paths.data_dir / "characters", BUNDLED_DIR]


def find(paths: Paths, name: str) -> Character:
    return find_character(name, character_folders(paths))


def sampling(settings: Settings) -> Sampling:
    llm = settings.llm
    return Sampling(
        temperature=llm.temperature,
        top_p=llm.top_p,
        repeat_penalty=llm.repeat_penalty,
        max_tokens=llm.max_reply_tokens,
        seed=None if llm.seed < 0 else llm.seed,
    )


def _stt_key(effective: Settings) -> tuple[object, ...]:
    return (stt_model_name(effective), *dataclasses.astuple(effective.stt))


class Engines:
    """The chat model, the speech models (the conversation's and the dictation's) and the
    voice, each loaded on first use for the current settings."""

    def __init__(
        self, settings: Settings, paths: Paths, loaders: EngineLoaders | None = None
    ) -> None:
        self.settings = settings
        self.paths = paths
        self.loaders = loaders or EngineLoaders()
        self._chat: ChatModel | None = None
        self._stt: OrderedDict[tuple[object, ...], SpeechToText] = OrderedDict()
        self._tts: TextToSpeech | None = None
        self._tts_key: tuple[str | None, int | None] = (None, None)

    def chat(self) -> ChatModel:
        if self._chat is None:
            self._chat = self.loaders.chat(self.settings, self.paths)
        return self._chat

    def speech_to_text(self, effective: Settings) -> SpeechToText:
        """Whisper for `effective` (the settings with the language to hear); the two most
        recently used are kept."""
        key = _stt_key(effective)
        stt = self._stt.get(key)
        if stt is None:
            stt = self.loaders.stt(effective, self.paths)
            self._stt[key] = stt
            while len(self._stt) > _SPEECH_MODELS_KEPT:
                self._stt.popitem(last=False)
        self._stt.move_to_end(key)
        return stt

    def stt_for(self, character: Character | None) -> SpeechToText:
        """Whisper for the language `character` speaks (see `with_speech_language`)."""
        return self.speech_to_text(with_speech_language(self.settings, character))

    def text_to_speech(self, character: Character | None = None) -> TextToSpeech:
        """The voice of the settings, else the character's own."""
        voice = self.settings.tts.voice or (character.voice.voice if character else "")
        rate = self.settings.tts.rate or (character.voice.rate if character else 0)
        key = (voice or None, rate or None)
        if self._tts is None or self._tts_key != key:
            self._tts, self._tts_key = self.loaders.tts(*key), key
        return self._tts

    def voice_detector(self) -> VoiceActivityDetector:
        """A new detector (each listener keeps its own state)."""
        return self.loaders.vad(self.settings.listen.vad)

    def sampling(self) -> Sampling:
        return sampling(self.settings)

    def reload(self, new: Settings, character: Character | None) -> None:
        """Switch to `new` settings, loading only the engines they change.

        Every new engine is built before any is swapped in: if one fails, the old ones stay
        and the error is raised."""
        chat = self._chat if _chat_fields(new.llm) == _chat_fields(self.settings.llm) else None
        if chat is None:
            chat = self.loaders.chat(new, self.paths)
        effective = with_speech_language(new, character)
        key = _stt_key(effective)
        stt = self._stt.get(key) or self.loaders.stt(effective, self.paths)
        self.settings = new
        self._chat = chat
        self._stt = OrderedDict({key: stt})

    def describe(self, character: Character | None) -> str:
        parts = []
        if self._chat is not None:
            parts.append(self._chat.name)
        key = _stt_key(with_speech_language(self.settings, character))
        if key in self._stt:
            parts.append(f"whisper {key[0]}")
        return " · ".join(parts)
