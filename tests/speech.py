"""Speech for the tests, made with espeak-ng (installed by `make test`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def espeak(tmp_path: Path, text: str, voice: str = "en-us") -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: `make test` installs it")
    out = tmp_path / f"{voice}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), text], check=True)
    return out
