"""Piper voice files for tests: copies of the default voice, changed or damaged."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voicebuddy.models.defaults import default_voice_path


def voice_copy(
    folder: Path, stem: str, edit: Callable[[dict[str, Any]], None] | None = None
) -> Path:
    """The default voice copied to `folder/stem.onnx`, its config changed by `edit`."""
    source = default_voice_path()
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / f"{stem}.onnx"
    shutil.copyfile(source, model)
    config = json.loads(source.with_name(source.name + ".json").read_text(encoding="utf-8"))
    if edit is not None:
        edit(config)
    model.with_name(model.name + ".json").write_text(json.dumps(config), encoding="utf-8")
    return model


def bad_voice(folder: Path, damage: str) -> Path:
    """A voice file damaged in one of the ways voices from the internet are."""
    if damage == "sample rate":
        return voice_copy(folder, "rate", lambda c: c["audio"].update(sample_rate=-22050))
    if damage == "pinyin":
        return voice_copy(folder, "zh_CN-pinyin", lambda c: c.update(phoneme_type="pinyin"))
    model = voice_copy(folder, damage.replace(" ", "-"))
    if damage == "truncated":
        model.write_bytes(model.read_bytes()[:1_000_000])
    elif damage == "no config":
        model.with_name(model.name + ".json").unlink()
    elif damage == "not json":
        model.with_name(model.name + ".json").write_text("{voice", encoding="utf-8")
    elif damage == "no file":
        model.unlink()
    return model
