"""Settings: a TOML file in the platform config dir, overridden by command-line flags.

Example `config.toml`:

    [llm]
    model = "/models/llama-3.2-3b-instruct.Q4_K_M.gguf"
    context_size = 4096
    [stt]
    model = "base"          # "tiny.en", "base", a ggml .bin or a faster-whisper folder
    language = "auto"
    [chat]
    character = "Buddy"
"""

from __future__ import annotations

import dataclasses
import os
import time
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from voicebuddy.errors import ConfigError

APP_NAME = "voicebuddy"


@dataclass
class LlmSettings:
    model: str = ""  # empty: the default (SmolLM2-135M-Instruct); a path or a found model's name
    model_folders: list[str] = field(default_factory=list)  # more places to find GGUF models
    # a character's own model (Models window ▸ Use for this character): character -> model
    character_models: dict[str, str] = field(default_factory=dict)
    context_size: int = 2048
    gpu_layers: int = -1
    lora: str = ""
    threads: int = 0  # 0: one per core, at most 8
    temperature: float = 0.7
    top_p: float = 0.9
    repeat_penalty: float = 1.1
    max_reply_tokens: int = 160
    seed: int = -1  # -1: a new seed each reply
    thinking: bool = True  # reasoning models think first (off: answer at once, where they can)


@dataclass
class SttSettings:
    model: str = "auto"  # auto: tiny.en for English, base for any other language
    language: str = ""  # "": the character's language (English if it has none); "auto" detects
    initial_prompt: str = ""
    threads: int = 0
    trim_window: bool = True  # encode only the utterance, not whisper's 30 s window


@dataclass
class TtsSettings:
    voice: str = ""  # "": the character's; else an id or name, a Piper .onnx file or a language
    speaker: str = ""  # a multi-speaker Piper voice's speaker (name or number)
    rate: int = 0  # words per minute, system voices; 0 keeps the voice's own
    length_scale: float = 0.0  # Piper voices' pace, > 1 slower; 0 keeps the voice's own
    volume: float = 1.0
    threads: int = 0  # onnxruntime threads for Piper; 0: one (the chat model needs the rest)
    speak_replies: bool = True


@dataclass
class AudioSettings:
    input_device: str = ""
    output_device: str = ""


@dataclass
class ChatSettings:
    character: str = ""  # "": not chosen yet, the default for the system language (first_start)
    user_name: str = "User"
    hold_key: str = "Space"  # QKeySequence portable text, e.g. "Space", "F9"


@dataclass
class ListenSettings:
    mode: str = "push"  # "push": hold a key to talk; "hands_free": the VAD decides
    vad: str = "silero"  # the voice-activity detector (see voicebuddy.audio.vad)
    threshold: float = 0.5  # speech probability above which a frame is speech
    pre_roll_ms: int = 300  # audio kept from before speech started, so no syllable is lost
    end_pause_ms: int = 700  # "pause" mode: this much silence ends an utterance
    end_of_turn: str = "smart"  # "smart": a model judges each short pause; "pause": the
    # end pause alone ends a turn
    short_pause_ms: int = 150  # smart: the pause after which the end of turn is judged
    max_pause_ms: int = 1800  # smart: a pause this long ends the turn whatever the model says
    min_speech_ms: int = 250  # shorter bursts (a cough, a click) are not an utterance
    wake_phrase: bool = False  # hands-free turns must start with "Hey <character name>"
    duplex: str = "half"  # "half": speakers, the character's voice is never heard as the user;
    # "full": a headset, so the microphone never hears the character
    barge_in: bool = True  # speaking while the character talks interrupts it
    keep_microphone_open: bool = True  # push-to-talk: the first word said as the key goes
    # down is kept (the last 300 ms before the press); off: opened at each press
    press_interrupts: bool = True  # the talk key, pressed while the character talks, stops it
    transcribe_while_talking: bool = True  # push-to-talk: transcribe while the key is held,
    # so little is left to do at the release


@dataclass
class DictationSettings:
    language: str = "auto"  # "auto" detects; or a code such as "en", "zh"
    vocabulary: str = ""  # words and names to spell right, comma separated (whisper's prompt)
    cleanup: bool = False  # let the chat model fix punctuation and drop filler words
    chinese_script: str = "simplified"  # "simplified", "traditional" or "as_is"


@dataclass
class KeySettings:
    """Keys that work while another application has focus (X11; see voicebuddy/hotkeys.py)."""

    talk: str = "Ctrl+Alt+Space"  # "": none
    talk_mode: str = "hold"  # "hold": talk while it is held; "toggle": press to start and stop
    stop: str = ""  # stops the reply and its speech
    dictate: str = "Ctrl+Alt+D"  # dictation into the application that has the focus
    dictate_mode: str = "hold"
    dictate_by: str = "paste"  # "paste": clipboard and Ctrl+V, restored; "typing": key by key


@dataclass
class MemorySettings:
    """Long-term memory (voicebuddy/memory): facts about the user, kept per character."""

    enabled: bool = True
    budget_tokens: int = 200  # the most the recalled memories take of each prompt
    # the most the summary of the history a long conversation no longer holds may take
    summary_tokens: int = 150
    # the chat model writes memories and summaries: "auto" when it has 1B parameters or more
    model_writes: str = "auto"  # "auto", "always" or "never"
    off_for: list[str] = field(default_factory=list)  # characters that remember nothing


@dataclass
class UiSettings:
    language: str = ""  # "": follow the system locale; "en" or "zh_CN"
    close_to_tray: bool = False  # closing the window keeps VoiceBuddy in the tray
    overlay: bool = True  # a small panel above every window while a global key is in use


@dataclass
class Settings:
    llm: LlmSettings = field(default_factory=LlmSettings)
    stt: SttSettings = field(default_factory=SttSettings)
    tts: TtsSettings = field(default_factory=TtsSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    chat: ChatSettings = field(default_factory=ChatSettings)
    listen: ListenSettings = field(default_factory=ListenSettings)
    dictation: DictationSettings = field(default_factory=DictationSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    keys: KeySettings = field(default_factory=KeySettings)
    memory: MemorySettings = field(default_factory=MemorySettings)


@dataclass(frozen=True)
class Paths:
    config_file: Path
    cache_dir: Path
    data_dir: Path

    @property
    def store_file(self) -> Path:
        """The conversations' SQLite file."""
        return self.data_dir / "voicebuddy.sqlite3"

    @classmethod
    def default(cls) -> Paths:
        import platformdirs

        config_file = os.environ.get("VOICEBUDDY_CONFIG")
        return cls(
            config_file=Path(config_file)
            if config_file
            else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml",
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        )


def _coerce(section: str, key: str, value: Any, default: Any) -> Any:
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is dict:
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return value
        raise ConfigError(
            "config_invalid_value", f"[{section}] {key} must be a table of texts, not {value!r}."
        )
    if expected is list:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        raise ConfigError(
            "config_invalid_value", f"[{section}] {key} must be a list of texts, not {value!r}."
        )
    if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
        return value
    raise ConfigError(
        "config_invalid_value",
        f"[{section}] {key} must be {expected.__name__}, not {type(value).__name__} ({value!r}).",
    )


_CHOICES = {
    ("listen", "end_of_turn"): ("smart", "pause"),
    ("keys", "talk_mode"): ("hold", "toggle"),
    ("keys", "dictate_mode"): ("hold", "toggle"),
    ("keys", "dictate_by"): ("paste", "typing"),
    ("memory", "model_writes"): ("auto", "always", "never"),
}


def settings_from_dict(data: dict[str, Any], source: str = "the configuration") -> Settings:
    settings = Settings()
    for section_field in fields(settings):
        raw = data.get(section_field.name)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            raise ConfigError(
                "config_invalid_value", f"[{section_field.name}] in {source} must be a table."
            )
        section = getattr(settings, section_field.name)
        known = {f.name for f in fields(section)}
        for key, value in raw.items():
            if key not in known:
                raise ConfigError(
                    "config_unknown_key",
                    f"Unknown setting [{section_field.name}] {key} in {source} "
                    f"(known: {', '.join(sorted(known))}).",
                )
            value = _coerce(section_field.name, key, value, getattr(section, key))
            choices = _CHOICES.get((section_field.name, key))
            if choices is not None and value not in choices:
                raise ConfigError(
                    "config_invalid_value",
                    f"[{section_field.name}] {key} must be one of {', '.join(choices)}, "
                    f"not {value!r}.",
                )
            setattr(section, key, value)
    return settings


def load_settings(path: Path) -> Settings:
    """Read `path`; a missing file means defaults. Errors name the line of a broken file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            "config_unreadable", f"Cannot read the config file {path}: {exc}."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            "config_syntax", f"The config file {path} is not valid TOML: {exc}."
        ) from None
    return settings_from_dict(data, str(path))


def load_settings_or_defaults(path: Path) -> tuple[Settings, str]:
    """The settings, or the defaults and one sentence saying why when the file is broken.

    The broken file is left exactly as it is."""
    try:
        return load_settings(path), ""
    except ConfigError as error:
        return Settings(), f"{error.message} Using the default settings; the file is unchanged."


def save_settings(settings: Settings, path: Path) -> None:
    """Write `path` atomically. A file there that does not load (hand-edited, broken) is kept
    beside it as `config.toml.broken-<time>` rather than lost."""
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        try:
            load_settings(path)
        except ConfigError:
            os.replace(path, path.with_name(f"{path.name}.broken-{int(time.time())}"))
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(dataclasses.asdict(settings)), encoding="utf-8")
    os.replace(tmp, path)
