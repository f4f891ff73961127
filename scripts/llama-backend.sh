#!/usr/bin/env bash
# The CMake flags for llama.cpp as llama-cpp-python builds it (make run, make test): Metal on
# Apple Silicon (llama.cpp's default there), CUDA where an NVIDIA GPU and the CUDA toolkit are
# both present, and the CPU build otherwise (no flags). A CMAKE_ARGS of your own replaces it.
# VOICEBUDDY_UNAME_S/_M stand in for `uname -s`/`-m` (tests).
set -euo pipefail

if [ -n "${CMAKE_ARGS:-}" ]; then
  echo "$CMAKE_ARGS"
  exit 0
fi
os=${VOICEBUDDY_UNAME_S:-$(uname -s)}
machine=${VOICEBUDDY_UNAME_M:-$(uname -m)}
if [ "$os" = Darwin ] && [ "$machine" = arm64 ]; then
  echo "-DGGML_METAL=on"
  exit 0
fi
has_gpu() { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q GPU; }
has_toolkit() { command -v nvcc >/dev/null 2>&1 || [ -x "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" ]; }
if [ "$os" = Linux ] && has_gpu && has_toolkit; then
  echo "-DGGML_CUDA=on"
fi
