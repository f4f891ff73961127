"""The memory estimate against the memory the real model takes: SmolLM2 loaded by llama.cpp in
a child process, its resident memory measured before, once loaded, and once its context is
full (llama.cpp touches its compute buffer only as the context fills)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from voicebuddy.models.defaults import default_llm_path
from voicebuddy.models.gguf import read_gguf_header
from voicebuddy.models.gguf_info import describe
from voicebuddy.models.memory_fit import estimate_memory

MEASURE = """
import json, sys
from voicebuddy.sysinfo import memory_mb
from llama_cpp import Llama
path, context = sys.argv[1], int(sys.argv[2])
before = memory_mb()
llm = Llama(path, n_ctx=context, n_threads=2, verbose=False)
loaded = memory_mb()
tokens = llm.tokenize(b"The quick brown fox jumps over the lazy dog. " * (context // 8))
llm.eval(tokens[: context - 64])
print(json.dumps({"loaded": (loaded - before) * 1e6, "full": (memory_mb() - before) * 1e6}))
"""


@pytest.mark.real
@pytest.mark.slow
@pytest.mark.parametrize("context", [2048, 8192])
def test_the_estimate_is_within_a_fifth_of_what_the_model_takes(
    context: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = default_llm_path()
    estimate = estimate_memory(describe(read_gguf_header(path)), path.stat().st_size, context)
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(context)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    with capsys.disabled():
        print(
            f"\nSmolLM2 at {context}: estimate {estimate.total / 1e6:.0f} MB, resident "
            f"{measured['loaded'] / 1e6:.0f} MB once loaded, {measured['full'] / 1e6:.0f} MB "
            "with the context full"
        )
    assert measured["loaded"] < measured["full"]
    assert abs(estimate.total / measured["full"] - 1) <= 0.2
