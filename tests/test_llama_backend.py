"""scripts/llama-backend.sh: the llama.cpp build flags `make run` chooses for the machine.
Only the CPU build runs here; Metal and CUDA are the detection, with stand-in tools."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "scripts" / "llama-backend.sh"


def flags(tmp_path: Path, tools: dict[str, str] = {}, **env: str) -> str:  # noqa: B006
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, output in tools.items():
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\necho '{output}'\n")
        tool.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if k != "CMAKE_ARGS"}
    path = f"{bin_dir}:/usr/bin:/bin"
    result = subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, env={**base, "PATH": path, **env}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_build_follows_the_machine(tmp_path: Path) -> None:
    # this machine has a CUDA toolkit but no GPU: the toolkit is looked for in the test only
    linux = {"VOICEBUDDY_UNAME_S": "Linux", "VOICEBUDDY_UNAME_M": "x86_64", "CUDA_HOME": "/none"}
    assert flags(tmp_path, **linux) == ""  # this machine's case: the CPU build
    gpu = {"nvidia-smi": "GPU 0: NVIDIA RTX 4090 (UUID: GPU-1)"}
    assert flags(tmp_path, gpu, **linux) == ""  # a GPU without the toolkit cannot build
    assert flags(tmp_path, {**gpu, "nvcc": "release 12.4"}, **linux) == "-DGGML_CUDA=on"
    mac = {"VOICEBUDDY_UNAME_S": "Darwin", "VOICEBUDDY_UNAME_M": "arm64"}
    assert flags(tmp_path, **mac) == "-DGGML_METAL=on"
    intel_mac = {"VOICEBUDDY_UNAME_S": "Darwin", "VOICEBUDDY_UNAME_M": "x86_64"}
    assert flags(tmp_path, **intel_mac) == ""
    assert flags(tmp_path, CMAKE_ARGS="-DGGML_VULKAN=on", **linux) == "-DGGML_VULKAN=on"
