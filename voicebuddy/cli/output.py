"""What the commands write: JSON, and quiet native libraries."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


@contextlib.contextmanager
def native_stderr_quiet() -> Iterator[None]:
    """Send what C libraries write to file descriptor 2 to the null device, while Python's
    `sys.stderr` goes on writing to the real stderr (a duplicate of it)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # captured or replaced: leave it alone
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    python_side = os.fdopen(
        os.dup(saved), "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace"
    )
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)
    previous, sys.stderr = sys.stderr, python_side
    try:
        yield
    finally:
        python_side.flush()
        sys.stderr = previous
        python_side.close()
        os.dup2(saved, fd)
        os.close(saved)
