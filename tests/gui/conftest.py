"""The window tests' fixtures: each test's windows are closed after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from windows import WINDOWS

from voicebuddy.config import Paths


@pytest.fixture(autouse=True)
def close_windows() -> Iterator[None]:
    yield
    while WINDOWS:
        WINDOWS.pop().close()


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "config.toml", tmp_path / "cache", tmp_path / "data")
