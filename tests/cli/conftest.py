"""The command-line tests' fixtures: one clean home per session, and `run`."""

from __future__ import annotations

import pytest
from commandline import Run, runner


@pytest.fixture(scope="session")
def user_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A clean home for config, cache and data, shared by the session (models convert once)."""
    root = tmp_path_factory.mktemp("home")
    env = {k: str(root / k) for k in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")}
    env["VOICEBUDDY_CONFIG"] = str(root / "config.toml")
    return env


@pytest.fixture
def run(user_dirs: dict[str, str]) -> Run:
    return runner(user_dirs)
