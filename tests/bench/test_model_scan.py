"""The model-scan bench finds every model it lays out, and its second scan uses the cache."""

from __future__ import annotations

import pytest

from voicebuddy.bench.model_scan import main, measure


def test_the_scan_bench_finds_every_model(capsys: pytest.CaptureFixture[str]) -> None:
    result = measure(models=6, files=250)
    assert (result.files, result.models_found) == (256, 6)
    assert result.first_ms > 0 and result.cached_ms > 0
    assert main(["--models", "3", "--files", "10"]) == 0
    assert "13 files, 3 models found" in capsys.readouterr().out
