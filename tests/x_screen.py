"""A virtual X screen (Xvfb) with keyboard auto-repeat on, as on a desktop, for the tests that
press keys with xdotool."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: `make test` installs it (scripts/system-deps.sh)")
    return path


@contextlib.contextmanager
def virtual_screen() -> Iterator[str]:
    """The display name of a new Xvfb screen, auto-repeat on."""
    xvfb, xset = need("Xvfb"), need("xset")
    need("xdotool")
    for number in range(140, 160):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            break
    display = f":{number}"
    server = subprocess.Popen(
        [xvfb, display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while subprocess.run([xset, "-display", display, "q"], capture_output=True).returncode:
            assert time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.1)
        subprocess.run([xset, "-display", display, "r", "on"], check=True)
        query = subprocess.run(
            [xset, "-display", display, "q"], capture_output=True, text=True, check=True
        )
        assert "auto repeat:  on" in query.stdout, query.stdout
        yield display
    finally:
        server.terminate()
        server.wait(10)
