"""Make assets/models.png: the Models window over a made-up home with models as Ollama, LM
Studio and the Hugging Face cache keep them. The built-in SmolLM2 is real; the others are GGUF
headers with the real models' shapes, in sparse files of the real models' sizes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/models_screenshot.py assets/models.png
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from voicebuddy.config import Paths, Settings
from voicebuddy.gui.models_window import ModelsWindow
from voicebuddy.models.defaults import default_llm_path

# (where, architecture, name, billions of parameters, file type, GB, layers, heads, KV heads,
#  vocabulary, feed-forward, trained context)
MODELS = [
    ("ollama", "llama", "Llama 3.2 3B Instruct", 3.21, 15, 2.02, 28, 24, 8, 128256, 8192, 131072),
    ("ollama", "qwen3", "Qwen3 8B", 8.19, 15, 5.23, 36, 32, 8, 151936, 12288, 40960),
    ("lmstudio", "llama", "Mistral Nemo Instruct 2407", 12.2, 15, 7.48, 40, 32, 8, 131072,
     14336, 1024000),
    ("lmstudio", "qwen2", "QwQ 32B", 32.8, 15, 19.85, 64, 40, 8, 152064, 27648, 131072),
    ("hf", "llama", "Llama 3.3 70B Instruct", 70.6, 15, 42.5, 80, 64, 8, 128256, 28672, 131072),
]  # fmt: skip
TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _header(meta: dict[str, str | int], parameters: int) -> bytes:
    kv = b""
    for key, value in meta.items():
        kind = struct.pack("<I", 8) + _string(value) if isinstance(value, str) else struct.pack(
            "<II", 4, value
        )
        kv += _string(key) + kind
    tensor = _string("weights") + struct.pack("<IQIQ", 1, parameters, 12, 0)
    return b"GGUF" + struct.pack("<IQQ", 3, 1, len(meta)) + kv + tensor


def _place(home: Path, where: str, name: str) -> Path:
    slug = name.replace(" ", "-")
    if where == "ollama":
        tag = slug.lower().replace("-instruct", "").replace("llama-", "llama")
        model, size = tag.rsplit("-", 1)
        blob = home / ".ollama/models/blobs" / f"sha256-{abs(hash(name)):064d}"[:71]
        manifest = home / ".ollama/models/manifests/registry.ollama.ai/library" / model / size
        manifest.parent.mkdir(parents=True, exist_ok=True)
        digest = blob.name.replace("sha256-", "sha256:")
        manifest.write_text(
            '{"layers": [{"mediaType": "application/vnd.ollama.image.model", '
            f'"digest": "{digest}"}}]}}'
        )
        return blob
    if where == "lmstudio":
        return home / ".lmstudio/models/bartowski" / f"{slug}-GGUF" / f"{slug}-Q4_K_M.gguf"
    snapshot = home / ".cache/huggingface/hub" / f"models--unsloth--{slug}-GGUF/snapshots/0a1b2c"
    return snapshot / f"{slug}-Q4_K_M-00001-of-00001.gguf"


def build(home: Path) -> None:
    for where, arch, name, billions, ftype, gb, layers, heads, kv, vocab, ffn, ctx in MODELS:
        meta: dict[str, str | int] = {
            "general.architecture": arch, "general.name": name, "general.file_type": ftype,
            f"{arch}.block_count": layers, f"{arch}.context_length": ctx,
            f"{arch}.embedding_length": heads * 128, f"{arch}.attention.head_count": heads,
            f"{arch}.attention.head_count_kv": kv, f"{arch}.feed_forward_length": ffn,
            f"{arch}.vocab_size": vocab, "tokenizer.ggml.model": "gpt2",
            "tokenizer.chat_template": TEMPLATE,
        }  # fmt: skip
        path = _place(home, where, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as file:
            file.write(_header(meta, int(billions * 1e9)))
            file.truncate(int(gb * 1e9))  # sparse: no disk used
    real = home / ".cache/llama.cpp/HuggingFaceTB_SmolLM2-135M-Instruct-GGUF_q4_1.gguf"
    real.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(default_llm_path(), real)


def main(out: Path) -> None:
    home = Path(tempfile.mkdtemp())
    build(home / "home")
    os.environ["HOME"] = str(home / "home")
    qt = QApplication([])
    paths = Paths(home / "config.toml", home / "cache", home / "data")
    window = ModelsWindow(Settings(), paths, "Rowan")
    window.resize(1100, 330)
    window.show()

    def save_when_found() -> None:
        if not window.refresh_button.isEnabled():
            QTimer.singleShot(100, save_when_found)
            return
        window.tree.setCurrentItem(window.tree.topLevelItem(0))
        QTimer.singleShot(200, lambda: (window.grab().save(str(out)), qt.quit()))

    QTimer.singleShot(100, save_when_found)
    qt.exec()
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
