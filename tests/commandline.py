"""Running `voicebuddy` as a user does: a child process with its own home for config, cache and
data (the `run` fixture of tests/cli/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

VOICEBUDDY = [sys.executable, "-m", "voicebuddy"]

Run = Callable[..., subprocess.CompletedProcess[str]]


def runner(user_dirs: dict[str, str]) -> Run:
    def run(*args: str, prefix: tuple[str, ...] = (), stdin: str = "", **env: str):  # type: ignore[no-untyped-def]
        full_env = {**os.environ, **user_dirs, **env}
        return subprocess.run(
            [*prefix, *VOICEBUDDY, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=300,
        )

    return run
