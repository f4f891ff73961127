"""Whether a model fits this machine: the memory it needs at a context size, against the
memory there is (on Apple Silicon, the share of unified memory the GPU may use)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from typing import Literal

from voicebuddy.models.gguf_info import GgufInfo

Fit = Literal["fits", "tight", "too big"]

UBATCH = 512  # llama.cpp's default micro-batch: the compute buffer is sized for it
_GIB = 1 << 30


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int
    kv_cache: int
    compute: int

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.compute


def estimate_memory(info: GgufInfo, size_bytes: int, context: int) -> MemoryEstimate:
    """Weights (the file, as llama.cpp maps it), the f16 KV cache for `context` tokens, and the
    compute buffer llama.cpp reserves for a micro-batch. That buffer holds, at its peak, either
    the logits (vocabulary x batch) or one layer's attention scores and mask (heads + 1 x
    context x batch), in f32, plus the feed-forward activations: on SmolLM2 this gives
    llama.cpp's own figure within 3 % at 2048 and 8192 tokens of context."""
    context = max(1, context)
    kv = info.kv_bytes_per_token * context
    peak = max(info.vocabulary, (info.heads + 1) * context)
    width = info.feed_forward or 4 * info.heads * max(info.key_size, info.value_size)
    compute = 4 * UBATCH * (peak + 2 * width)
    return MemoryEstimate(size_bytes, kv, compute)


@dataclass(frozen=True)
class MachineMemory:
    total: int  # bytes of memory (RAM, or unified memory)
    available: int  # free for a new model now (what the system reports)
    gpu_limit: int | None  # Apple Silicon: the GPU's working-set limit; None elsewhere
    accelerator: str  # where llama.cpp's layers can go: "cpu", "metal" or "cuda"


def machine_memory(accelerator: str = "cpu") -> MachineMemory:
    total, available = _total_and_available()
    gpu_limit = None
    if sys.platform == "darwin" and platform.machine() == "arm64":
        gpu_limit = apple_gpu_limit(total, _sysctl_int("iogpu.wired_limit_mb") * (1 << 20))
    return MachineMemory(total, available, gpu_limit, accelerator)


def apple_gpu_limit(total: int, wired_limit: int = 0) -> int:
    """Metal's recommendedMaxWorkingSetSize as macOS sets it: about two thirds of unified
    memory up to 36 GB, three quarters above; `iogpu.wired_limit_mb`, when set, replaces it."""
    if wired_limit > 0:
        return wired_limit
    return total * 2 // 3 if total <= 36 * _GIB else total * 3 // 4


@dataclass(frozen=True)
class FitVerdict:
    fit: Fit
    gpu_layers: int | None  # layers that fit the GPU's memory, where layers can go there
    budget: int  # the memory the estimate was compared with


def judge_fit(
    estimate: MemoryEstimate, layers: int, machine: MachineMemory, reserve: int = _GIB
) -> FitVerdict:
    """ "fits": within what is free now, with `reserve` to spare; "tight": only within the
    machine's memory (other programs would have to give way) or with less than the reserve;
    "too big": more than the machine has. Apple Silicon compares with the GPU's share."""
    budget = machine.total if machine.gpu_limit is None else machine.gpu_limit
    free = min(machine.available, budget)
    if estimate.total + reserve <= free:
        fit: Fit = "fits"
    elif estimate.total <= budget:
        fit = "tight"
    else:
        fit = "too big"
    gpu_layers = None
    if machine.accelerator != "cpu" and layers > 0:
        room = budget - estimate.kv_cache - estimate.compute - reserve
        per_layer = estimate.weights / layers
        gpu_layers = max(0, min(layers, int(room // per_layer))) if per_layer else layers
    return FitVerdict(fit, gpu_layers, budget)


def _total_and_available() -> tuple[int, int]:
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/meminfo", encoding="ascii") as meminfo:
                fields = dict(line.split(":", 1) for line in meminfo if ":" in line)
            total = int(fields["MemTotal"].split()[0]) * 1024
            return total, int(fields["MemAvailable"].split()[0]) * 1024
        except (OSError, KeyError, ValueError):
            pass
    if sys.platform == "win32":
        return _windows_memory()
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        total = 0
    free = _darwin_available() if sys.platform == "darwin" else 0
    return total, free or total // 2


def _darwin_available() -> int:
    """Free, inactive and purgeable pages, as vm_stat counts them."""
    try:
        text = subprocess.run(
            ["vm_stat"], capture_output=True, text=True, timeout=2, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    page = _sysctl_int("hw.pagesize") or 16384
    counts: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        digits = value.strip().rstrip(".")
        if digits.isdigit():
            counts[key.strip()] = int(digits)
    pages = sum(counts.get(f"Pages {k}", 0) for k in ("free", "inactive", "purgeable"))
    return pages * page


def _sysctl_int(name: str) -> int:
    if sys.platform != "darwin":
        return 0
    try:
        out = subprocess.run(
            ["sysctl", "-n", name], capture_output=True, text=True, timeout=2, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return 0
    return int(out) if out.isdigit() else 0


def _windows_memory() -> tuple[int, int]:
    import ctypes

    class _Status(ctypes.Structure):
        _fields_ = [
            ("length", ctypes.c_ulong),
            ("load", ctypes.c_ulong),
            ("total", ctypes.c_ulonglong),
            ("available", ctypes.c_ulonglong),
            ("page_total", ctypes.c_ulonglong),
            ("page_available", ctypes.c_ulonglong),
            ("virtual_total", ctypes.c_ulonglong),
            ("virtual_available", ctypes.c_ulonglong),
            ("extended", ctypes.c_ulonglong),
        ]

    status = _Status()
    status.length = ctypes.sizeof(_Status)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
        return 0, 0
    return int(status.total), int(status.available)
