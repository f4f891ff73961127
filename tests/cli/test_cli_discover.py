"""`voicebuddy models --discover` and `--llm-model <short name>` over other apps' models, in a
test HOME laid out as those apps do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from commandline import Run
from model_layouts import Layout, build
from testdata import JFK

FIELDS = {
    "name", "source", "path", "kind", "architecture", "parameters", "quantization",
    "context_length", "chat_template", "size_bytes", "memory_estimate_bytes", "fit",
    "skipped_reason",
}  # fmt: skip


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return build(tmp_path_factory.mktemp("home"))


def test_discover_lists_every_model_as_json_and_as_a_table(run: Run, layout: Layout) -> None:
    result = run("models", "--discover", "--json", HOME=str(layout.home))
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert all(set(entry) == FIELDS for entry in listed)
    by_name = {entry["name"]: entry for entry in listed}
    assert {n for n, e in by_name.items() if e["kind"] == "chat"} == set(layout.chat)
    assert {n: e["kind"] for n, e in by_name.items() if e["kind"] != "chat"} == layout.others
    ollama = by_name["ollama:smollm2:135m"]
    assert ollama["source"] == "ollama" and ollama["path"] == str(layout.chat[ollama["name"]])
    assert ollama["fit"] == "fits"  # 135M on this machine's 24 GB
    size = ollama["size_bytes"]
    assert size < ollama["memory_estimate_bytes"] < size + 300e6
    assert ollama["skipped_reason"] is None and ollama["chat_template"] is True
    broken = by_name["ollama:broken:latest"]
    assert broken["skipped_reason"] and broken["fit"] is None

    table = run("models", "--discover", HOME=str(layout.home))
    assert table.returncode == 0, table.stderr
    assert "ollama:smollm2:135m" in table.stdout and "fits" in table.stdout
    assert "safetensors" in table.stdout


@pytest.mark.real
def test_a_turn_runs_on_the_ollama_blob_by_its_short_name(run: Run, layout: Layout) -> None:
    home = {"HOME": str(layout.home)}
    blob = layout.chat["ollama:smollm2:135m"]
    shown = run("models", "--json", "--llm-model", "ollama:smollm2:135m", **home)
    assert shown.returncode == 0, shown.stderr
    models = json.loads(shown.stdout)["models"]
    assert models[0]["role"] == "language model" and models[0]["path"] == str(blob)
    result = run(
        "turn", "--wav", str(JFK), "--json", "--verbose", "--llm-model", "ollama:smollm2:135m",
        **home,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["reply"].strip()
    assert f"loading the chat model {blob}\n" in result.stderr  # --verbose: the file loaded


def test_an_unknown_or_ambiguous_name_is_one_sentence(run: Run, layout: Layout) -> None:
    for name, says in (("ollama:nothing", "No model called"), ("smollm2", "could be several")):
        result = run("turn", "--wav", str(JFK), "--llm-model", name, HOME=str(layout.home))
        assert result.returncode == 2, result.stderr
        assert says in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_the_settings_folders_are_searched(run: Run, layout: Layout, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    mine = layout.home / ".lmstudio/models/someone"
    config.write_text(f'[llm]\nmodel_folders = ["{mine}"]\n')
    result = run(
        "models", "--discover", "--json", VOICEBUDDY_CONFIG=str(config), HOME=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    names = [entry["name"] for entry in json.loads(result.stdout)]
    assert names == ["local:Tiny-Split-GGUF/tiny-split-00001-of-00002.gguf"]
