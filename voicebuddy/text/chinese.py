"""Simplified ↔ Traditional Chinese, with OpenCC's phrase tables (头发 → 頭髮, 干燥 → 乾燥).

whisper writes Chinese in whichever script its training data used for similar audio, and
often mixes both in one transcript; dictation converts to the script the user chose
(`[dictation] chinese_script`). OpenCC is loaded on first use (a few milliseconds).
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from voicebuddy.errors import ConfigError

SCRIPTS = ("simplified", "traditional", "as_is")
_CONFIGS = {"simplified": "t2s", "traditional": "s2t"}
_converters: dict[str, Any] = {}
_lock = threading.Lock()


def check_script(script: str) -> str:
    key = (script or "as_is").strip().lower().replace("-", "_")
    if key not in SCRIPTS:
        raise ConfigError(
            "chinese_script_unknown",
            f"Unknown Chinese script {script!r}; choose one of: {', '.join(SCRIPTS)}.",
        )
    return key


def _converter(config: str) -> Any:
    with _lock:
        if config not in _converters:
            try:
                opencc = importlib.import_module("opencc")
                _converters[config] = opencc.OpenCC(config)
            except (ImportError, OSError, RuntimeError, ValueError) as exc:
                raise ConfigError(
                    "chinese_script_unavailable",
                    f"Converting Chinese script needs the OpenCC package, which could not be "
                    f"loaded ({exc}); reinstalling VoiceBuddy brings it back.",
                ) from exc
        return _converters[config]


def has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def convert(text: str, script: str) -> str:
    """`text` in `script` ("simplified", "traditional"); "as_is" and text without Han
    characters come back unchanged."""
    key = check_script(script)
    if key == "as_is" or not has_han(text):
        return text
    return str(_converter(_CONFIGS[key]).convert(text))


def to_simplified(text: str) -> str:
    return convert(text, "simplified")


def to_traditional(text: str) -> str:
    return convert(text, "traditional")


def is_chinese(language: str) -> bool:
    """Whether a whisper language code is written in Han characters that have two scripts
    (Mandarin "zh"; Cantonese "yue" too)."""
    return language.strip().lower() in ("zh", "yue")
