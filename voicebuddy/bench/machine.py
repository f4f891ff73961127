"""What the figures were measured on: the machine, the package versions and the models."""

from __future__ import annotations

import os
import platform
import resource
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("voicebuddy", "pywhispercpp", "llama-cpp-python", "pyttsx3", "numpy")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for text in cpuinfo:
                key, _, value = text.partition(":")
                if key.strip() == "model name" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict[str, object]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "os": platform.platform(),
        "load_average_at_start": load_average(),
    }


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def file_info(path: Path) -> dict[str, object]:
    size = path.stat().st_size if path.is_file() else 0
    return {"path": str(path), "size_mb": round(size / 1e6, 1)}


def peak_rss_mb() -> float:
    """The most memory this process has held so far (resource.getrusage's maxrss)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round((peak if sys.platform == "darwin" else peak * 1024) / 1e6, 1)
