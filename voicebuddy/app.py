"""Composition: settings -> models -> engines -> pipeline. Engines load on first use."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from voicebuddy.audio.types import AudioSink
from voicebuddy.characters.character import BUNDLED_DIR, Character, find_character
from voicebuddy.config import LlmSettings, Paths, Settings
from voicebuddy.conversation import Conversation
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
from voicebuddy.pipeline import EventBus, PipelineOptions, VoicePipeline
from voicebuddy.storage import Store


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


def _engine_fields(llm: LlmSettings) -> tuple[object, ...]:
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


@dataclass
class VoiceBuddy:
    settings: Settings
    paths: Paths
    bus: EventBus = field(default_factory=EventBus)
    loaders: EngineLoaders = field(default_factory=EngineLoaders)
    _chat: ChatModel | None = None
    _stt: SpeechToText | None = None
    _tts: TextToSpeech | None = None
    _tts_key: tuple[str | None, int | None] = (None, None)
    _stt_key: tuple[object, ...] = ()

    def character_folders(self) -> list[Path]:
        return [self.paths.data_dir / "characters", BUNDLED_DIR]

    def character(self, name: str | None = None) -> Character:
        return find_character(name or self.settings.chat.character, self.character_folders())

    def chat_model(self) -> ChatModel:
        if self._chat is None:
            self._chat = self.loaders.chat(self.settings, self.paths)
        return self._chat

    def stt_model_path(self, character: Character | None = None) -> Path:
        return resolve_stt_path(
            with_speech_language(self.settings, character), self.paths.cache_dir
        )

    def speech_to_text(self, character: Character | None = None) -> SpeechToText:
        """Whisper for the language `character` speaks (see `with_speech_language`)."""
        effective = with_speech_language(self.settings, character)
        key = (stt_model_name(effective), *dataclasses.astuple(effective.stt))
        if self._stt is None or self._stt_key != key:
            self._stt, self._stt_key = self.loaders.stt(effective, self.paths), key
        return self._stt

    def text_to_speech(self, character: Character | None = None) -> TextToSpeech:
        """The voice of the settings, else the character's own."""
        voice = self.settings.tts.voice or (character.voice.voice if character else "")
        rate = self.settings.tts.rate or (character.voice.rate if character else 0)
        key = (voice or None, rate or None)
        if self._tts is None or self._tts_key != key:
            self._tts, self._tts_key = self.loaders.tts(*key), key
        return self._tts

    def sampling(self) -> Sampling:
        llm = self.settings.llm
        return Sampling(
            temperature=llm.temperature,
            top_p=llm.top_p,
            repeat_penalty=llm.repeat_penalty,
            max_tokens=llm.max_reply_tokens,
            seed=None if llm.seed < 0 else llm.seed,
        )

    def pipeline(
        self, sink: AudioSink | None, character: Character, with_stt: bool = True
    ) -> VoicePipeline:
        speech = (self.text_to_speech(character), sink) if sink is not None else None
        return VoicePipeline(
            self.speech_to_text(character) if with_stt else None,
            self.chat_model(),
            speech,
            PipelineOptions(
                sampling=self.sampling(), chinese_script=self.settings.dictation.chinese_script
            ),
            self.bus,
        )

    def store(self) -> Store:
        return Store(self.paths.data_dir / "voicebuddy.sqlite3")

    def reload(self, new: Settings, character: Character | None = None) -> None:
        """Switch to `new` settings, loading only the engines they change.

        All new engines are built before any is swapped in: if one fails, the old ones stay
        and the error is raised.
        """
        candidate = VoiceBuddy(new, self.paths, self.bus, self.loaders)
        if _engine_fields(new.llm) == _engine_fields(self.settings.llm):
            candidate._chat = self._chat
        candidate._stt, candidate._stt_key = self._stt, self._stt_key
        candidate.chat_model()
        candidate.speech_to_text(character)  # reloads only if the effective settings changed
        self.settings = new
        self._chat, self._stt, self._stt_key = candidate._chat, candidate._stt, candidate._stt_key

    def describe_models(self) -> str:
        parts = []
        if self._chat is not None:
            parts.append(self._chat.name)
        if self._stt is not None and self._stt_key:
            parts.append(f"whisper {self._stt_key[0]}")
        return " · ".join(parts)

    def new_conversation(self, character: Character) -> Conversation:
        return Conversation.start(character, self.settings.chat.user_name)
