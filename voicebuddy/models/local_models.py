"""The models on this machine as the app offers them: found (discovery), each with the memory
it needs at the configured context and whether that fits; and a model setting (a path or a
short name such as `ollama:llama3.2:3b`) turned into the file llama.cpp loads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicebuddy.config import Paths, Settings
from voicebuddy.errors import ModelError
from voicebuddy.models.discovery import (
    Discovery,
    FoundModel,
    default_places,
    discover,
    find_model,
)
from voicebuddy.models.header_cache import HeaderCache
from voicebuddy.models.memory_fit import (
    FitVerdict,
    MachineMemory,
    MemoryEstimate,
    estimate_memory,
    judge_fit,
    machine_memory,
)

OFFERED_MARKER = "offered-model"  # in the data dir: the first-run offer was made
SOURCES = ("ollama:", "lmstudio:", "hf:", "gpt4all:", "llama.cpp:", "local:")


@dataclass(frozen=True)
class LocalModel:
    found: FoundModel
    estimate: MemoryEstimate | None  # chat models only
    verdict: FitVerdict | None


def discover_models(settings: Settings, paths: Paths) -> Discovery:
    places = default_places(settings.llm.model_folders, paths.data_dir)
    return discover(places, HeaderCache(paths.cache_dir / "gguf-headers.json"))


def judged(
    discovery: Discovery, context: int, machine: MachineMemory | None = None
) -> list[LocalModel]:
    machine = machine or machine_memory(accelerator())
    listed = []
    for found in discovery.models:
        estimate = verdict = None
        if found.kind == "chat" and found.info is not None:
            estimate = estimate_memory(found.info, found.size_bytes, context)
            verdict = judge_fit(estimate, found.info.layers, machine)
        listed.append(LocalModel(found, estimate, verdict))
    return listed


def accelerator() -> str:
    """Where llama.cpp can put layers in this build: "metal", "cuda" or "cpu"."""
    import sys

    try:
        import llama_cpp

        offload = bool(llama_cpp.llama_supports_gpu_offload())
    except (ImportError, AttributeError, OSError):
        return "cpu"
    if not offload:
        return "cpu"
    return "metal" if sys.platform == "darwin" else "cuda"


@dataclass(frozen=True)
class LayerPlacement:
    backend: str  # "cpu", "metal" or "cuda"
    layers: int
    on_gpu: int

    @property
    def short(self) -> str:
        """For the status bar: "CPU", or "Metal 28/28"."""
        if self.backend == "cpu":
            return "CPU"
        return f"{_BACKENDS.get(self.backend, self.backend)} {self.on_gpu}/{self.layers}"

    @property
    def text(self) -> str:
        if self.backend == "cpu":
            return f"CPU (all {self.layers}; this llama.cpp has no GPU backend)"
        name = _BACKENDS.get(self.backend, self.backend)
        on_cpu = self.layers - self.on_gpu
        return f"{name}: {self.on_gpu} of {self.layers} on the GPU, {on_cpu} on the CPU"


_BACKENDS = {"metal": "Metal", "cuda": "CUDA"}


def layer_placement(layers: int, gpu_layers: int) -> LayerPlacement:
    """Where llama.cpp puts a model's `layers` with the `gpu_layers` setting (-1: all)."""
    backend = accelerator()
    on_gpu = 0 if backend == "cpu" else layers if gpu_layers < 0 else min(gpu_layers, layers)
    return LayerPlacement(backend, layers, on_gpu)


def model_json(model: LocalModel) -> dict[str, Any]:
    found, info = model.found, model.found.info
    chat = found.kind == "chat"
    return {
        "name": found.name,
        "source": found.source,
        "path": str(found.path),
        "kind": found.kind,
        "architecture": info.architecture if info else None,
        "parameters": info.parameters if info else None,
        "quantization": info.quantization if info else None,
        "context_length": info.context_length if info else None,
        "chat_template": info.chat_template if info else None,
        "size_bytes": found.size_bytes,
        "memory_estimate_bytes": model.estimate.total if model.estimate else None,
        "fit": model.verdict.fit if model.verdict else None,
        "skipped_reason": None if chat else (found.skipped_reason or None),
    }


def resolve_model(value: str, settings: Settings, paths: Paths) -> Path:
    """The file a model setting means: a path as it is, else a discovered model's."""
    path = Path(value).expanduser()
    if path.exists():
        return path
    named = value.startswith(SOURCES)
    if not named and (any(sep in value for sep in ("/", "\\")) or value.endswith(".gguf")):
        return path  # the model's own checks say it does not exist
    found = find_model(value, discover_models(settings, paths))
    if found is None:
        raise ModelError(
            "llm_model_missing",
            f"No model called {value!r} was found on this machine "
            "(`voicebuddy models --discover` lists the ones that were).",
        )
    return found.path


SOURCE_NAMES = {
    "ollama": "Ollama",
    "lmstudio": "LM Studio",
    "gpt4all": "GPT4All",
    "huggingface": "the Hugging Face cache",
    "llama.cpp": "llama.cpp's cache",
    "folder": "your models folder",
    "data": "VoiceBuddy's models folder",
}
# an offer must be better company than the built-in 135M model
_OFFER_MIN_PARAMETERS = 500_000_000


def best_offer(models: list[LocalModel]) -> LocalModel | None:
    """The model to offer on the first run: the largest chat model with a chat template that
    fits the memory free now, if it is much larger than the built-in one."""
    candidates = [
        m
        for m in models
        if m.verdict is not None
        and m.verdict.fit == "fits"
        and m.found.info is not None
        and m.found.info.chat_template
        and m.found.info.parameters >= _OFFER_MIN_PARAMETERS
    ]
    return max(
        candidates, key=lambda m: m.found.info.parameters if m.found.info else 0, default=None
    )


def suggested_sizes(memory: int) -> tuple[str, str]:
    """Model sizes that talk well and fit `memory` bytes beside the app and the system: the
    parameters and the Q4_K_M file size, e.g. ("3B-8B", "2-5 GB")."""
    gib = memory / (1 << 30)
    for limit, sizes in ((6, ("1B-3B", "1-2 GB")), (12, ("3B-8B", "2-5 GB")),
                         (24, ("8B-14B", "5-9 GB")), (48, ("14B-32B", "9-20 GB"))):  # fmt: skip
        if gib < limit:
            return sizes
    return "32B-70B", "20-43 GB"


def display_name(model: LocalModel) -> str:
    info = model.found.info
    return (info.name if info and info.name else "") or model.found.name
