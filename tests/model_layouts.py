"""The places other apps keep GGUF models, built in a test HOME as those apps lay them out, with
the real SmolLM2 file (copied, so that each place holds its own file) and small made-up ones."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from gguf_file import lora_adapter, write_gguf

from voicebuddy.models.defaults import default_llm_path

OLLAMA_MEDIA = "application/vnd.ollama.image"
LLAMA_METADATA: dict[str, str | int | float] = {
    "general.architecture": "llama",
    "general.name": "Tiny Split",
    "general.file_type": 1,
    "llama.block_count": 2,
    "llama.context_length": 4096,
    "llama.embedding_length": 64,
    "llama.attention.head_count": 4,
    "llama.attention.head_count_kv": 2,
    "tokenizer.ggml.model": "gpt2",
}


@dataclass
class Layout:
    home: Path
    chat: dict[str, Path] = field(default_factory=dict)  # name -> the file it must point to
    others: dict[str, str] = field(default_factory=dict)  # name -> kind


def _copy(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(default_llm_path(), target)
    return target


def _blob(models: Path, data_or_file: bytes | Path) -> str:
    """Store a blob as Ollama does (named by its sha256); the digest."""
    blobs = models / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    if isinstance(data_or_file, Path):
        digest = hashlib.sha256(data_or_file.read_bytes()).hexdigest()
        data_or_file.rename(blobs / f"sha256-{digest}")
    else:
        digest = hashlib.sha256(data_or_file).hexdigest()
        (blobs / f"sha256-{digest}").write_bytes(data_or_file)
    return f"sha256:{digest}"


def _manifest(models: Path, model: str, tag: str, layers: list[tuple[str, str]]) -> None:
    path = models / "manifests/registry.ollama.ai/library" / model / tag
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": "x"}
    entries = [{"mediaType": f"{OLLAMA_MEDIA}.{k}", "digest": d, "size": 1} for k, d in layers]
    path.write_text(json.dumps({"schemaVersion": 2, "config": config, "layers": entries}))


def projector(path: Path) -> Path:
    return write_gguf(
        path,
        {"general.architecture": "clip", "clip.has_vision_encoder": 1},
        {"v.patch_embd.weight": np.zeros((4, 4), dtype=np.float32)},
    )


def safetensors_bytes() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * 8


def build(home: Path) -> Layout:
    layout = Layout(home)
    # Ollama: a model under two tags (one blob), with a LoRA and a projector; a safetensors
    # model; a broken manifest
    ollama = home / ".ollama/models"
    model = _blob(ollama, _copy(home / "tmp-model"))
    adapter = _blob(ollama, lora_adapter(home / "tmp-lora", "llama", 576))
    vision = _blob(ollama, projector(home / "tmp-projector"))
    layers = [("model", model), ("adapter", adapter), ("projector", vision)]
    _manifest(ollama, "smollm2", "135m", layers)
    _manifest(ollama, "smollm2", "latest", [("model", model)])
    _manifest(ollama, "newengine", "latest", [("model", _blob(ollama, safetensors_bytes()))])
    broken = ollama / "manifests/registry.ollama.ai/library/broken/latest"
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json")
    layout.chat["ollama:smollm2:135m"] = ollama / f"blobs/{model.replace(':', '-')}"
    layout.others |= {
        "ollama:smollm2:135m/adapter": "adapter",
        "ollama:smollm2:135m/projector": "projector",
        "ollama:newengine:latest": "skipped",
        "ollama:broken:latest": "skipped",
    }
    # LM Studio (no home pointer, no ~/.cache/lm-studio): a model with its projector, and a
    # model split in two parts
    lmstudio = home / ".lmstudio/models/bartowski/SmolLM2-135M-Instruct-GGUF"
    layout.chat["lmstudio:bartowski/SmolLM2-135M-Instruct-GGUF"] = _copy(
        lmstudio / "SmolLM2-135M-Instruct-Q4_1.gguf"
    )
    projector(lmstudio / "mmproj-SmolLM2-f16.gguf")
    layout.others["lmstudio:bartowski/SmolLM2-135M-Instruct-GGUF/mmproj-SmolLM2-f16.gguf"] = (
        "projector"
    )
    split = home / ".lmstudio/models/someone/Tiny-Split-GGUF"
    split.mkdir(parents=True)
    weights = {"token_embd.weight": np.zeros((100, 64), dtype=np.float32)}
    first = write_gguf(split / "tiny-split-00001-of-00002.gguf", LLAMA_METADATA, weights)
    write_gguf(split / "tiny-split-00002-of-00002.gguf", {"split.no": 1}, weights)
    layout.chat["lmstudio:someone/Tiny-Split-GGUF"] = first
    # GPT4All
    gpt4all = home / ".local/share/nomic.ai/GPT4All"
    layout.chat["gpt4all:smollm2-135m-instruct.Q4_1.gguf"] = _copy(
        gpt4all / "smollm2-135m-instruct.Q4_1.gguf"
    )
    # The Hugging Face cache: a snapshot of symlinks into blobs, one of them dangling
    repo = home / ".cache/huggingface/hub/models--HuggingFaceTB--SmolLM2-135M-Instruct-GGUF"
    blob = _copy(repo / "blobs/0123abcd")
    snapshot = repo / "snapshots/5f1e2d3c"
    snapshot.mkdir(parents=True)
    (snapshot / "smollm2-135m-instruct-q4_1.gguf").symlink_to(Path("../../blobs") / blob.name)
    (snapshot / "smollm2-135m-instruct-q8_0.gguf").symlink_to(Path("../../blobs/gone"))
    hf = "hf:HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
    layout.chat[f"{hf}/smollm2-135m-instruct-q4_1.gguf"] = snapshot / (
        "smollm2-135m-instruct-q4_1.gguf"
    )
    layout.others[f"{hf}/smollm2-135m-instruct-q8_0.gguf"] = "skipped"
    # llama.cpp's cache, as `llama-cli -hf` names its downloads
    cache = home / ".cache/llama.cpp"
    name = "HuggingFaceTB_SmolLM2-135M-Instruct-GGUF_smollm2-135m-instruct-q4_1.gguf"
    layout.chat[f"llama.cpp:{name}"] = _copy(cache / name)
    return layout
