"""Settings -> models -> engines. Engines load on first use and stay while their settings do.

`Engines` is used by one thread only: the runtime's engine thread, or the only thread of a
one-shot command (`voicebuddy transcribe`, the bench). Nothing here locks.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from voicebuddy.audio.end_of_turn import EndOfTurnModel, SmartTurn
from voicebuddy.audio.vad import VoiceActivityDetector, open_vad
from voicebuddy.characters.character import BUNDLED_DIR, Character, find_character
from voicebuddy.config import LlmSettings, Paths, Settings
from voicebuddy.engines.llm import (
    ChatModel,
    LlamaCppChat,
    LlamaSettings,
    Sampling,
    check_gguf,
    default_threads,
)
from voicebuddy.engines.stt import SpeechToText, WhisperCppSTT
from voicebuddy.engines.tts import TextToSpeech, Voice
from voicebuddy.engines.voices import (
    VoiceRequest,
    all_voices,
    default_for_language,
    describe,
    open_voice,
    voice_folders,
)
from voicebuddy.errors import ModelError, VoiceBuddyError
from voicebuddy.events import Notice
from voicebuddy.models.ct2 import Ct2Source
from voicebuddy.models.defaults import (
    STT_MODEL_NAMES,
    default_end_of_turn_path,
    default_llm_path,
    default_stt_source,
)
from voicebuddy.models.local_models import resolve_model
from voicebuddy.models.whisper_convert import ensure_ggml

_SPEECH_MODELS_KEPT = 2  # the conversation's and the dictation's, when their languages differ


def resolve_llm_path(settings: Settings, paths: Paths) -> Path:
    """The model file: the default, a path, or a model found on this machine by its name."""
    if not settings.llm.model.strip():
        return default_llm_path()
    return resolve_model(settings.llm.model.strip(), settings, paths)


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
    return (
        llm.model,
        llm.context_size,
        llm.gpu_layers,
        llm.lora,
        llm.threads,
        llm.seed,
        llm.thinking,
    )


def threads(configured: int) -> int:
    return configured if configured > 0 else default_threads()


def load_chat_model(settings: Settings, paths: Paths) -> ChatModel:
    llm = settings.llm
    return LlamaCppChat(
        LlamaSettings(
            model_path=resolve_llm_path(settings, paths),
            context_size=llm.context_size,
            threads=threads(llm.threads),
            gpu_layers=llm.gpu_layers,
            lora_path=Path(llm.lora).expanduser() if llm.lora else None,
            seed=llm.seed,
            thinking=llm.thinking,
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


def voice_request(settings: Settings, character: Character | None) -> VoiceRequest:
    """The voice of the settings, else the character's own (the default of its language when
    it names none)."""
    tts = settings.tts
    card = character.voice if character else None
    return VoiceRequest(
        voice=tts.voice or (card.voice if card else ""),
        speaker=tts.speaker if tts.voice or not card else card.speaker,
        rate=tts.rate or (card.rate if card else 0),
        length_scale=tts.length_scale or (card.length_scale if card else 0.0),
        volume=tts.volume,
        language=card.language if card else "",
        threads=tts.threads or 1,
    )


def load_text_to_speech(request: VoiceRequest, paths: Paths) -> TextToSpeech:
    return open_voice(request, voice_folders(paths.data_dir))


def list_voices(paths: Paths) -> list[Voice]:
    return all_voices(voice_folders(paths.data_dir))


def load_end_of_turn() -> EndOfTurnModel:
    return SmartTurn(default_end_of_turn_path())


@dataclass(frozen=True)
class EngineLoaders:
    """How engines are made; tests pass loaders of fakes."""

    chat: Callable[[Settings, Paths], ChatModel] = load_chat_model
    stt: Callable[[Settings, Paths], SpeechToText] = load_speech_to_text
    tts: Callable[[VoiceRequest, Paths], TextToSpeech] = load_text_to_speech
    voices: Callable[[Paths], list[Voice]] = list_voices
    vad: Callable[[str], VoiceActivityDetector] = open_vad
    end_of_turn: Callable[[], EndOfTurnModel] = load_end_of_turn


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
        self._tts_key: VoiceRequest | None = None
        self._notices: list[Notice] = []
        self._said: set[tuple[str, str]] = set()  # (character, voice or model) fallbacks told
        self._chat_key: tuple[object, ...] = ()
        self._chat_lock = threading.Lock()
        self._preferred: dict[tuple[str, str], str] = {}  # (character, its model) -> file
        self._end_of_turn: EndOfTurnModel | None = None

    def chat(self) -> ChatModel:
        """The chat model loaded now (the conversation's), else the settings' one: for work
        that any model does (dictation's clean-up, reading the user's words ahead), without
        swapping a character's model out or looking for models on a thread that must not wait."""
        loaded = self._chat
        return loaded if loaded is not None else self.chat_for(None)

    def chat_for(self, character: Character | None) -> ChatModel:
        """The model chosen for `character` (the settings' `character_models`, else its
        card's extensions.voicebuddy.model), else the settings' one; loaded when it is not the
        one loaded already."""
        with self._chat_lock:  # the turn's thread and the end-of-turn worker both ask
            llm = self._llm_for(self.settings, character)
            if self._chat is None or _chat_fields(llm) != self._chat_key:
                settings = dataclasses.replace(self.settings, llm=llm)
                self._chat = self.loaders.chat(settings, self.paths)
                self._chat_key = _chat_fields(llm)
            return self._chat

    def _llm_for(self, settings: Settings, character: Character | None) -> LlmSettings:
        """The LLM settings with the character's preferred model in, when it is on this
        machine; a missing one is told once (`take_notices`) and the settings' model stays."""
        wanted = ""
        if character is not None:
            chosen = settings.llm.character_models.get(character.key, "")
            wanted = chosen.strip() or character.preferred_model
        if not wanted:
            return settings.llm
        key = (character.key if character else "", wanted)
        if key not in self._preferred:
            try:
                path = resolve_model(wanted, settings, self.paths)
                check_gguf(path)
                self._preferred[key] = str(path)
            except VoiceBuddyError as error:
                self._preferred[key] = ""
                name = character.name if character else ""
                current = settings.llm.model or "the default model"
                self._notices.append(Notice(
                    code="model_fallback", topic="status",
                    message=f"{name} prefers the model '{wanted}', which cannot be used "
                    f"({error.message.rstrip('.')}): {name} talks with {current} instead.",
                ))  # fmt: skip
        found = self._preferred[key]
        return dataclasses.replace(settings.llm, model=found) if found else settings.llm

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

    def loaded_stt_for(self, character: Character | None) -> SpeechToText | None:
        """The whisper `stt_for` would give, if it is loaded already (never loads; any
        thread)."""
        return self._stt.get(_stt_key(with_speech_language(self.settings, character)))

    def stt_for(self, character: Character | None) -> SpeechToText:
        """Whisper for the language `character` speaks (see `with_speech_language`)."""
        return self.speech_to_text(with_speech_language(self.settings, character))

    def text_to_speech(self, character: Character | None = None) -> TextToSpeech:
        """The voice of the settings, else the character's own (see `voice_request`)."""
        request = voice_request(self.settings, character)
        if self._tts is None or self._tts_key != request:
            self._tts = self._open_voice(request, character)
            self._tts_key = request
        return self._tts

    def _open_voice(self, request: VoiceRequest, character: Character | None) -> TextToSpeech:
        """A card's voice that is not installed (or broken) gives way to the default of the
        card's language, and the user is told once (`take_voice_notices`). The settings'
        own voice is checked when it is chosen (`reload`) and raises."""
        try:
            return self.loaders.tts(request, self.paths)
        except VoiceBuddyError as error:
            if self.settings.tts.voice or character is None or not request.voice:
                raise
            tts = self.loaders.tts(default_for_language(request), self.paths)
            if (character.key, request.voice) not in self._said:
                self._said.add((character.key, request.voice))
                message = (
                    f"{character.name}'s voice '{request.voice}' cannot be used "
                    f"({error.message.rstrip('.')}): {character.name} speaks with "
                    f"{describe(tts)} instead."
                )
                self._notices.append(Notice(code="voice_fallback", message=message, topic="status"))
            return tts

    def take_notices(self) -> list[Notice]:
        """What to tell the user since the last call: a card's voice or model replaced."""
        notices, self._notices = self._notices, []
        return notices

    def voices(self) -> list[Voice]:
        """Every voice to choose from: the Piper voices found, then the system's."""
        return self.loaders.voices(self.paths)

    def voice_detector(self) -> VoiceActivityDetector:
        """A new detector (each listener keeps its own state)."""
        return self.loaders.vad(self.settings.listen.vad)

    def end_of_turn(self) -> EndOfTurnModel:
        """The end-of-turn model (loaded once; it keeps no state between calls)."""
        if self._end_of_turn is None:
            self._end_of_turn = self.loaders.end_of_turn()
        return self._end_of_turn

    def sampling(self) -> Sampling:
        return sampling(self.settings)

    def reload(self, new: Settings, character: Character | None) -> None:
        """Switch to `new` settings, loading only the engines they change.

        Every new engine is built before any is swapped in: if one fails, the old ones stay
        and the error is raised."""
        self._preferred.clear()  # models may have come or gone: look again
        llm = self._llm_for(new, character)
        same = self._chat is not None and _chat_fields(llm) == self._chat_key
        chat = self._chat if same else self.loaders.chat(replace(new, llm=llm), self.paths)
        effective = with_speech_language(new, character)
        key = _stt_key(effective)
        stt = self._stt.get(key) or self.loaders.stt(effective, self.paths)
        request = voice_request(new, character)
        tts = self._tts if self._tts is not None and self._tts_key == request else None
        if tts is None and new.tts.voice:  # the user's choice: a bad file must not get in
            tts = self.loaders.tts(request, self.paths)
        self.settings = new
        self._chat, self._chat_key = chat, _chat_fields(llm)
        self._stt = OrderedDict({key: stt})
        self._tts, self._tts_key = tts, (request if tts is not None else None)

    def describe(self, character: Character | None) -> str:
        parts = []
        if self._chat is not None:
            placement = getattr(self._chat, "placement", None)  # where its layers run
            where = f" ({placement.short})" if placement is not None else ""
            parts.append(self._chat.name + where)
        key = _stt_key(with_speech_language(self.settings, character))
        if key in self._stt:
            parts.append(f"whisper {key[0]}")
        if self._tts is not None:
            parts.append(describe(self._tts))
        return " · ".join(parts)
