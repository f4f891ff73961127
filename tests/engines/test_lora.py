"""LoRA adapters come from the internet too: one made for another model is one clear sentence,
and the app keeps the model it had."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from gguf_file import lora_adapter, write_gguf

from voicebuddy.config import Paths, Settings
from voicebuddy.engines.llm import LlamaCppChat, LlamaSettings
from voicebuddy.errors import ModelError
from voicebuddy.models.defaults import default_llm_path
from voicebuddy.models.gguf import read_gguf_header
from voicebuddy.runtime.engines import Engines


def test_the_header_reader_reads_what_was_written(tmp_path: Path) -> None:
    path = write_gguf(
        tmp_path / "x.gguf",
        {"general.architecture": "llama", "llama.block_count": 2, "alpha": 0.5},
        {"a.weight": np.zeros((3, 5), dtype=np.float32)},
    )
    header = read_gguf_header(path)
    assert header.architecture == "llama"
    assert header.metadata["llama.block_count"] == 2 and header.metadata["alpha"] == 0.5
    assert header.tensors == {"a.weight": (5, 3)}


@pytest.mark.parametrize("cut", [3, 10, 30, 60])
def test_a_truncated_or_absurd_header_is_one_sentence(tmp_path: Path, cut: int) -> None:
    good = lora_adapter(tmp_path / "good.gguf", "llama", 576).read_bytes()
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(good[:cut])
    with pytest.raises(ModelError) as raised:
        read_gguf_header(bad)
    assert raised.value.code == "gguf_invalid" and str(bad) in raised.value.message
    bad.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + b"\xff" * 16)  # 2**64-1 tensors
    with pytest.raises(ModelError, match="implausible"):
        read_gguf_header(bad)


@pytest.mark.real
@pytest.mark.parametrize(
    ("architecture", "width", "says"),
    [("qwen2", 896, "made for a qwen2 model"), ("llama", 4096, "model of another size")],
)
def test_a_lora_for_another_model_is_refused(
    tmp_path: Path, architecture: str, width: int, says: str
) -> None:
    lora = lora_adapter(tmp_path / "adapter.gguf", architecture, width)
    with pytest.raises(ModelError) as raised:
        LlamaCppChat(LlamaSettings(default_llm_path(), lora_path=lora))
    assert raised.value.code == "lora_mismatch"
    assert says in raised.value.message and "adapter.gguf" in raised.value.message


@pytest.mark.real
def test_a_model_file_given_as_lora_is_refused() -> None:
    with pytest.raises(ModelError) as raised:
        LlamaCppChat(LlamaSettings(default_llm_path(), lora_path=default_llm_path()))
    assert raised.value.code == "lora_invalid"


@pytest.mark.real
def test_a_fitting_lora_loads_and_a_wrong_one_keeps_the_old_model(tmp_path: Path) -> None:
    settings = Settings()
    settings.llm.max_reply_tokens = 8
    settings.llm.lora = str(lora_adapter(tmp_path / "fits.gguf", "llama", 576))
    engines = Engines(settings, Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data"))
    chat = engines.chat()  # loads with the (all-zero) adapter applied
    wrong = dataclasses.replace(settings, llm=dataclasses.replace(settings.llm))
    wrong.llm.lora = str(lora_adapter(tmp_path / "other.gguf", "qwen2", 896))
    with pytest.raises(ModelError, match="made for a qwen2 model"):
        engines.reload(wrong, None)
    assert engines.chat() is chat and engines.settings.llm.lora == settings.llm.lora
