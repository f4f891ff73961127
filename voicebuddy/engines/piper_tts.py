"""Piper neural voices: a `.onnx` model beside its `.onnx.json`, run by piper-tts on onnxruntime.

Voice files come from the internet and are untrusted: `read_voice` checks the config before
anything is loaded, and `PiperTTS` loads the model and speaks a word before it is used, so a
damaged voice fails with one sentence when it is chosen, never in the middle of a reply.
Nothing is ever downloaded: a voice that would fetch a model at run time is refused.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voicebuddy.audio.types import Clip
from voicebuddy.engines.tts import Voice
from voicebuddy.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

PIPER_ENGINE = "piper"
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8_000, 48_000
MIN_LENGTH_SCALE, MAX_LENGTH_SCALE = 0.25, 4.0
MAX_VOLUME = 2.0
G2PW_FOLDER = "g2pW"  # beside the voice: the g2pW model that pinyin voices read Chinese with
_G2PW_PACKAGES = ("unicode_rbnf", "sentence_stream")
_SUPPORTED_PHONEMES = ("espeak", "text", "pinyin")
_WARM_UP = {"zh": "你好。", "en": "Hello."}
# Piper's clips start with 30-200 ms and end with 120-280 ms of near-silence. Heard before
# the first word it is latency; between clips it would double the pause.
_KEEP_BEFORE_S, _KEEP_AFTER_S = 0.015, 0.12
_QUIET = 0.02  # of the clip's loudest 10 ms


def config_path(model: Path) -> Path:
    """`voice.onnx.json` beside `voice.onnx` (Piper's convention), else `voice.json`."""
    beside = model.with_name(model.name + ".json")
    plain = model.with_suffix(".json")
    return plain if not beside.exists() and plain.exists() else beside


@dataclass(frozen=True)
class PiperVoiceFile:
    """A Piper voice on disk with its config read and checked; the model is not loaded."""

    model: Path
    config_file: Path
    config: dict[str, Any]

    @property
    def id(self) -> str:
        return self.model.name.removesuffix(".onnx")

    @property
    def sample_rate(self) -> int:
        return int(self.config["audio"]["sample_rate"])

    @property
    def phoneme_type(self) -> str:
        return str(self.config.get("phoneme_type", "espeak"))

    @property
    def speakers(self) -> tuple[str, ...]:
        """Speaker names in id order ("0", "1", ... where the config names none)."""
        count = int(self.config.get("num_speakers", 1))
        if count <= 1:
            return ()
        names = {int(i): str(n) for n, i in _speaker_map(self.config).items()}
        return tuple(names.get(i, str(i)) for i in range(count))

    @property
    def language(self) -> str:
        """ "en_US", "zh_CN", ... ("" when the config does not say)."""
        language = self.config.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        if isinstance(code, str) and code:
            return code
        espeak = self.config.get("espeak")
        voice = espeak.get("voice") if isinstance(espeak, dict) else None
        return voice if isinstance(voice, str) else ""

    @property
    def voice(self) -> Voice:
        language = self.language
        family = language.replace("-", "_").split("_")[0]
        languages = tuple(dict.fromkeys(x for x in (language, family) if x))
        audio = self.config.get("audio", {})
        quality = audio.get("quality", "") if isinstance(audio, dict) else ""
        dataset = self.config.get("dataset")
        name = f"{dataset} ({language})" if isinstance(dataset, str) and dataset else self.id
        return Voice(
            id=self.id,
            name=name,
            languages=languages,
            engine=PIPER_ENGINE,
            quality=str(quality),
            speakers=self.speakers,
            path=str(self.model),
        )


def _speaker_map(config: dict[str, Any]) -> dict[str, int]:
    mapping = config.get("speaker_id_map") or {}
    if not isinstance(mapping, dict):
        return {}
    return {str(k): v for k, v in mapping.items() if isinstance(v, int)}


def _invalid(model: Path, why: str) -> ModelError:
    return ModelError("voice_invalid", f"The voice {model.name} cannot be used: {why}.")


def read_voice(model: Path) -> PiperVoiceFile:
    """The voice whose model is `model`, its config checked; ModelError "voice_missing" or
    "voice_invalid" (one sentence) otherwise."""
    model = model.expanduser()
    if not model.is_file():
        raise ModelError("voice_missing", f"There is no voice file at {model}.")
    if model.suffix != ".onnx":
        raise _invalid(model, "a Piper voice is an .onnx file with its .onnx.json beside it")
    config_file = config_path(model)
    if not config_file.is_file():
        raise _invalid(model, f"its config file {config_file.name} is missing beside it")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _invalid(model, f"its config file {config_file.name} is not readable JSON") from exc
    if not isinstance(config, dict):
        raise _invalid(model, f"its config file {config_file.name} is not a voice config")
    audio = config.get("audio")
    rate = audio.get("sample_rate") if isinstance(audio, dict) else None
    if not isinstance(rate, int) or isinstance(rate, bool):
        raise _invalid(model, f"its config file {config_file.name} gives no sample rate")
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise _invalid(
            model,
            f"its sample rate of {rate} Hz is not supported "
            f"({MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz)",
        )
    for key, kind in (("num_symbols", int), ("num_speakers", int), ("phoneme_id_map", dict)):
        if not isinstance(config.get(key), kind):
            raise _invalid(model, f"its config file {config_file.name} lacks '{key}'")
    if config["num_speakers"] < 1:
        raise _invalid(model, "its config gives no speakers")
    phonemes = config.get("phoneme_type", "espeak")
    if phonemes not in _SUPPORTED_PHONEMES:
        raise _invalid(model, f"VoiceBuddy cannot read text for '{phonemes}' voices yet")
    espeak = config.get("espeak")
    if phonemes == "espeak" and not (isinstance(espeak, dict) and espeak.get("voice")):
        raise _invalid(model, f"its config file {config_file.name} names no espeak voice")
    return PiperVoiceFile(model, config_file, config)


def _check_g2pw(voice: PiperVoiceFile) -> Path:
    """Pinyin voices read Chinese with g2pW, which piper-tts would download: it must be in
    place already, next to the voice."""
    folder = voice.model.resolve().parent / G2PW_FOLDER
    missing = [p for p in _G2PW_PACKAGES if not _importable(p)]
    if not (folder / "g2pw.onnx").is_file() or missing:
        packages = f" and install the Python packages {', '.join(missing)}" if missing else ""
        raise ModelError(
            "voice_needs_download",
            f"The voice {voice.id} reads Chinese with the g2pW model, which VoiceBuddy never "
            f"downloads: place g2pw.onnx and its tables in {folder}{packages}.",
        )
    return voice.model.parent


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


class PiperTTS:
    """Speaks with one Piper voice. `speaker` is a name or number ("" for the default),
    `length_scale` > 1 speaks slower (0 keeps the voice's own), `volume` multiplies.

    `threads`: onnxruntime's intra-op threads. One is the default: on two cores a second
    one contends with whisper and the chat model and made turns no faster (see the bench).
    `volume` is checked by `voices.open_voice`, where every engine is opened.
    Raises ModelError ("voice_missing", "voice_invalid", "voice_needs_download",
    "tts_unavailable") or ConfigError ("unknown_speaker", "invalid_voice_setting").
    """

    def __init__(
        self,
        voice: PiperVoiceFile | Path,
        speaker: str = "",
        length_scale: float = 0.0,
        volume: float = 1.0,
        threads: int = 1,
        varied: bool = True,
    ) -> None:
        """`varied`: False speaks a text the same way every time, without the voice's random
        variation (test recordings: a varied reading of a question was misheard once in 20)."""
        self.file = voice if isinstance(voice, PiperVoiceFile) else read_voice(voice)
        self._speaker_id = _speaker_id(self.file, speaker)
        if length_scale and not MIN_LENGTH_SCALE <= length_scale <= MAX_LENGTH_SCALE:
            raise ConfigError(
                "invalid_voice_setting",
                f"Length scale {length_scale} is out of range: use {MIN_LENGTH_SCALE} to "
                f"{MAX_LENGTH_SCALE} (0 keeps the voice's own).",
            )
        self.length_scale = length_scale or None
        self.volume = volume
        self._noise = None if varied else 0.0
        self.sample_rate = self.file.sample_rate
        self._piper = _load(self.file, threads)
        try:  # a model can load and still fail on its first sentence
            self.synthesize(_WARM_UP["zh" if self.file.language.startswith("zh") else "en"])
        except ModelError as exc:
            raise _invalid(self.file.model, "it fails to speak a test word") from exc

    def voices(self) -> list[Voice]:
        return [self.file.voice]

    @property
    def voice_id(self) -> str:
        return self.file.id

    @property
    def speaker(self) -> str:
        speakers = self.file.speakers
        return speakers[self._speaker_id] if self._speaker_id is not None else ""

    def synthesize(self, text: str) -> Clip:
        if not text.strip():
            return Clip(np.zeros(0, dtype=np.float32), self.sample_rate)
        from piper.config import SynthesisConfig

        config = SynthesisConfig(
            speaker_id=self._speaker_id,
            length_scale=self.length_scale,
            volume=self.volume,
            noise_scale=self._noise,
            noise_w_scale=self._noise,
        )
        try:
            chunks = [chunk.audio_float_array for chunk in self._piper.synthesize(text, config)]
        except Exception as exc:  # onnxruntime and the phonemizers raise many kinds
            raise ModelError(
                "tts_failed", f"The voice {self.file.id} failed to speak: {exc}."
            ) from exc
        if not chunks:
            return Clip(np.zeros(0, dtype=np.float32), self.sample_rate)
        samples = np.concatenate(chunks).astype(np.float32, copy=False)
        return Clip(trim_quiet_edges(samples, self.sample_rate), self.sample_rate)


def trim_quiet_edges(samples: npt.NDArray[np.float32], rate: int) -> npt.NDArray[np.float32]:
    """Without the near-silence at either end, beyond a short margin."""
    frame = max(1, rate // 100)
    count = samples.size // frame
    if count < 3:
        return samples
    energy = np.sqrt(np.mean(np.square(samples[: count * frame].reshape(count, frame)), axis=1))
    loud = np.nonzero(energy > _QUIET * float(energy.max()))[0]
    if loud.size == 0:
        return samples
    start = max(0, loud[0] * frame - round(_KEEP_BEFORE_S * rate))
    end = min(samples.size, (loud[-1] + 1) * frame + round(_KEEP_AFTER_S * rate))
    return samples[start:end]


def _speaker_id(voice: PiperVoiceFile, speaker: str) -> int | None:
    speakers = voice.speakers
    wanted = str(speaker).strip()
    if not speakers:
        if wanted not in ("", "0", voice.id):
            raise ConfigError(
                "unknown_speaker", f"The voice {voice.id} has one speaker only, not '{wanted}'."
            )
        return None
    if not wanted:
        default = voice.config.get("default_speaker_id", 0)
        return default if isinstance(default, int) and 0 <= default < len(speakers) else 0
    by_name = _speaker_map(voice.config)
    if wanted in by_name and 0 <= by_name[wanted] < len(speakers):
        return by_name[wanted]
    if wanted.isdigit() and int(wanted) < len(speakers):
        return int(wanted)
    raise ConfigError(
        "unknown_speaker",
        f"The voice {voice.id} has no speaker '{wanted}': it has {len(speakers)}, "
        f"numbered 0 to {len(speakers) - 1} ({', '.join(speakers[:5])}, ...).",
    )


def _load(voice: PiperVoiceFile, threads: int) -> Any:
    try:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
    except ImportError as exc:
        raise ModelError(
            "tts_unavailable",
            f"Neural voices need piper-tts and onnxruntime, which could not be loaded here "
            f"({exc}); the system voices still work.",
        ) from exc
    download_dir = _check_g2pw(voice) if voice.phoneme_type == "pinyin" else voice.model.parent
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: its warnings would reach the terminal
    # Idle threads that spin would take the cores from the chat model between sentences.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        config = PiperConfig.from_dict(voice.config)
        session = onnxruntime.InferenceSession(
            str(voice.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # a truncated or foreign file: onnxruntime's own exceptions
        raise _invalid(voice.model, "the model file is damaged or not a Piper model") from exc
    inputs = {i.name for i in session.get_inputs()}
    if not {"input", "input_lengths", "scales"} <= inputs:
        raise _invalid(voice.model, "the model file is not a Piper model")
    return PiperVoice(session=session, config=config, download_dir=download_dir)
