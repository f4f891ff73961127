"""How long finding the user's models takes: a home with 50 GGUF models (LM Studio, the
Hugging Face cache, a folder of the user's) among 20,000 other files.

    .venv/bin/python -m voicebuddy.bench.model_scan [--models 50] [--files 20000]

Each model is SmolLM2's real header (its 49,152-token vocabulary included) in a sparse file of
the real size, so the scan reads what it would read of a real model. Reported: the first scan
(every header read) and the next one (headers from the cache). The files were just written,
so they come from the page cache; a scan of a disk nothing has read yet takes longer.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voicebuddy.models.defaults import default_llm_path
from voicebuddy.models.discovery import discover, model_places
from voicebuddy.models.gguf import read_gguf_header
from voicebuddy.models.header_cache import HeaderCache


@dataclass(frozen=True)
class ScanTimes:
    files: int
    models_found: int
    first_ms: float
    cached_ms: float


def build_home(home: Path, models: int, files: int) -> int:
    """Models in three places and `files` other files; how many files there are in all."""
    source = default_llm_path()
    head = source.read_bytes()[: read_gguf_header(source).data_offset]
    size = source.stat().st_size
    for i in range(models):
        where = (
            home / f".lmstudio/models/pub{i % 5}/model{i}-GGUF/model{i}-Q4_K_M.gguf",
            home / f".cache/huggingface/hub/models--org--m{i}-GGUF/snapshots/abc/m{i}.gguf",
            home / f"models/set{i % 3}/m{i}.gguf",
        )[i % 3]
        where.parent.mkdir(parents=True, exist_ok=True)
        with where.open("wb") as file:
            file.write(head)
            file.truncate(size)  # sparse
    per_folder = 100
    for folder_number in range(-(-files // per_folder)):
        folder = home / f"models/notes{folder_number % 20}/part{folder_number}"
        folder.mkdir(parents=True, exist_ok=True)
        count = min(per_folder, files - folder_number * per_folder)
        for j in range(count):
            (folder / f"note{j}.txt").write_text("x")
    return models + files


def measure(models: int = 50, files: int = 20_000) -> ScanTimes:
    work = Path(tempfile.mkdtemp())
    try:
        home = work / "home"
        total = build_home(home, models, files)
        places = model_places(home, {}, [home / "models"])
        times = []
        for _ in range(2):
            started = time.perf_counter()
            found = discover(places, HeaderCache(work / "headers.json"))
            times.append((time.perf_counter() - started) * 1000)
        return ScanTimes(total, len(found.chat_models), times[0], times[1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--files", type=int, default=20_000)
    args = parser.parse_args(argv)
    result = measure(args.models, args.files)
    print(
        f"{result.files} files, {result.models_found} models found: first scan "
        f"{result.first_ms:.0f} ms, with the headers cached {result.cached_ms:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
