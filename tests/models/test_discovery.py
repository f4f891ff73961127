"""Discovery of the GGUF models other apps keep: real layouts in a test HOME, the real SmolLM2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from model_layouts import Layout, build

from voicebuddy.errors import ModelError
from voicebuddy.models.defaults import default_llm_path
from voicebuddy.models.discovery import discover, find_model, model_places
from voicebuddy.models.header_cache import HeaderCache
from voicebuddy.models.memory_fit import MachineMemory, estimate_memory, judge_fit

GIB = 1 << 30


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return build(tmp_path_factory.mktemp("home"))


def _snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file and link under `root`: its modification time, size and first bytes."""
    found = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            stat = path.lstat()
            head = b"" if path.is_symlink() else path.read_bytes()[:4096]
            found[str(path)] = (stat.st_mtime_ns, stat.st_size, head)
    return found


def test_every_source_is_found_with_its_facts_and_the_rest_with_reasons(
    layout: Layout, tmp_path: Path
) -> None:
    before = _snapshot(layout.home)
    places = model_places(layout.home, {}, data_dir=tmp_path / "data")
    found = discover(places, HeaderCache(tmp_path / "cache.json"))
    assert _snapshot(layout.home) == before  # nothing written, moved or touched
    chats = {m.name: m for m in found.chat_models}
    assert set(chats) == set(layout.chat)
    for name, model in chats.items():
        assert model.path == layout.chat[name]
    others = {m.name: m.kind for m in found.models if m.kind != "chat"}
    assert others == layout.others
    for model in found.models:
        assert (model.kind == "chat") == (not model.skipped_reason), model
    reasons = {m.name: m.skipped_reason for m in found.models}
    assert "safetensors" in reasons["ollama:newengine:latest"]
    assert "manifest" in reasons["ollama:broken:latest"]
    dangling = "hf:HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/smollm2-135m-instruct-q8_0.gguf"
    assert "not there" in reasons[dangling]
    assert "LoRA adapter" in reasons["ollama:smollm2:135m/adapter"]

    real = chats["ollama:smollm2:135m"]
    assert real.aliases == ("ollama:smollm2:latest",)  # two tags, one blob: listed once
    assert real.size_bytes == default_llm_path().stat().st_size
    info = real.info
    assert info is not None
    assert (info.architecture, info.quantization, info.context_length) == ("llama", "Q4_1", 8192)
    assert 130e6 < info.parameters < 140e6  # SmolLM2-135M
    assert (info.layers, info.kv_heads, info.key_size, info.heads) == (30, 3, 64, 9)
    assert info.chat_template and info.vocabulary == 49152

    split = chats["lmstudio:someone/Tiny-Split-GGUF"]
    parts = sorted(split.path.parent.glob("tiny-split-*.gguf"))
    assert len(parts) == 2 and split.path == parts[0]
    assert split.size_bytes == sum(p.stat().st_size for p in parts)
    assert split.info is not None and split.info.quantization == "F16"
    assert not split.info.chat_template


def test_a_second_scan_reads_the_headers_from_the_cache(layout: Layout, tmp_path: Path) -> None:
    places = model_places(layout.home, {}, data_dir=tmp_path / "data")
    first = discover(places, HeaderCache(tmp_path / "cache.json"))
    cache = HeaderCache(tmp_path / "cache.json")
    path = layout.chat["gpt4all:smollm2-135m-instruct.Q4_1.gguf"]
    assert cache.get(path, path.stat()) is not None
    again = discover(places, cache)
    assert [(m.name, m.info) for m in again.models] == [(m.name, m.info) for m in first.models]


def test_places_follow_the_environment_and_lm_studios_pointer(tmp_path: Path) -> None:
    lms = tmp_path / "elsewhere"
    (tmp_path / ".lmstudio-home-pointer").write_text(f"{lms}\n")
    environ = {"OLLAMA_MODELS": "/m/ollama", "HF_HOME": "/h", "LLAMA_CACHE": "/l"}
    roots = {(p.source, str(p.root)) for p in model_places(tmp_path, environ, [Path("/mine")])}
    assert {
        ("ollama", "/m/ollama"),
        ("lmstudio", f"{lms}/models"),
        ("huggingface", "/h/hub"),
        ("llama.cpp", "/l"),
        ("folder", "/mine"),
    } <= roots


def test_short_names_prefixes_and_ambiguity(layout: Layout, tmp_path: Path) -> None:
    found = discover(model_places(layout.home, {}), HeaderCache(tmp_path / "c.json"))
    blob = layout.chat["ollama:smollm2:135m"]
    names = ("ollama:smollm2:135m", "ollama:smollm2:latest", "smollm2:135m", "ollama:smollm2:1")
    for name in names:
        model = find_model(name, found)
        assert model is not None and model.path == blob, name
    assert find_model("ollama:nothing", found) is None
    assert find_model("ollama:smollm2:135m/adapter", found) is None  # not a chat model
    with pytest.raises(ModelError) as raised:
        find_model("smollm2", found)  # Ollama's, and GPT4All's file
    assert raised.value.code == "llm_model_ambiguous" and "\n" not in raised.value.message
    lms = find_model("lmstudio:bartowski", found)
    assert lms is not None and lms.path.name == "SmolLM2-135M-Instruct-Q4_1.gguf"


def test_unreadable_places_are_noted_and_the_scan_goes_on(
    layout: Layout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = layout.home / ".lmstudio/models/bartowski"
    real_scandir = os.scandir

    def scandir(path: str | Path) -> object:
        if Path(path) == locked:  # as for a folder of another user's (tests run as root)
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr("voicebuddy.models.discovery.os.scandir", scandir)
    found = discover(model_places(layout.home, {}), HeaderCache(tmp_path / "c.json"))
    assert found.notes == [f"Skipped {locked}: Permission denied."]
    names = {m.name for m in found.chat_models}
    assert "lmstudio:someone/Tiny-Split-GGUF" in names and "ollama:smollm2:135m" in names
    assert not any(n.startswith("lmstudio:bartowski") for n in names)


def test_fit_against_this_machine_and_an_apple_gpu(layout: Layout, tmp_path: Path) -> None:
    found = discover(model_places(layout.home, {}), HeaderCache(tmp_path / "c.json"))
    model = find_model("ollama:smollm2:135m", found)
    assert model is not None and model.info is not None
    small = estimate_memory(model.info, model.size_bytes, 2048)
    large = estimate_memory(model.info, model.size_bytes, 8192)
    assert large.kv_cache == 4 * small.kv_cache == 4 * 2048 * 2 * 30 * 3 * 128
    assert small.weights == model.size_bytes
    roomy = MachineMemory(24 * GIB, 20 * GIB, None, "cpu")
    assert judge_fit(small, 30, roomy).fit == "fits"
    busy = MachineMemory(24 * GIB, small.total // 2, None, "cpu")
    assert judge_fit(small, 30, busy).fit == "tight"
    tiny = MachineMemory(small.total // 2, small.total // 2, None, "cpu")
    assert judge_fit(small, 30, tiny).fit == "too big"
    assert judge_fit(small, 30, roomy).gpu_layers is None  # no GPU offload here
    # an Apple GPU with room for the caches and about half the layers
    limit = small.kv_cache + small.compute + GIB + small.weights * 31 // 60  # 15.5 layers
    apple = MachineMemory(64 * GIB, 60 * GIB, limit, "metal")
    verdict = judge_fit(small, 30, apple)
    assert verdict.budget == limit and verdict.gpu_layers == 15


def test_where_the_layers_run_is_said_for_each_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicebuddy.models import local_models

    assert local_models.layer_placement(30, -1).short == "CPU"  # this machine's build
    monkeypatch.setattr(local_models, "accelerator", lambda: "metal")
    everything = local_models.layer_placement(28, -1)
    assert (everything.on_gpu, everything.short) == (28, "Metal 28/28")
    some = local_models.layer_placement(28, 10)
    assert some.text == "Metal: 10 of 28 on the GPU, 18 on the CPU"
