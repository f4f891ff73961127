"""The Models window over other apps' models (a test HOME laid out as they do), choosing one
for every conversation or for this character, and a reasoning model's folded thoughts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from gguf_file import header_only
from model_layouts import LLAMA_METADATA, Layout, build
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from windows import fake_loaders, open_window, settled

from voicebuddy.config import Paths, Settings, load_settings
from voicebuddy.engines.fakes import FakeChat
from voicebuddy.gui.models_window import ModelsWindow
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.models.local_models import OFFERED_MARKER


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return build(tmp_path_factory.mktemp("home"))


def rows(window: ModelsWindow) -> dict[str, list[str]]:
    tree = window.tree
    return {
        tree.topLevelItem(i).text(0): [tree.topLevelItem(i).text(c) for c in range(8)]
        for i in range(tree.topLevelItemCount())
    }


def test_the_window_lists_the_models_and_use_loads_one_in_the_background(
    qtbot: QtBot, paths: Paths, layout: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(layout.home))
    asked: list[str] = []
    base = fake_loaders(FakeChat("Hello from the model."))

    def chat(settings: Settings, p: Paths) -> FakeChat:
        asked.append(settings.llm.model)
        return base.chat(settings, p)  # type: ignore[return-value]

    loaders = dataclasses.replace(base, chat=chat)
    window, _ = open_window(qtbot, paths, loaders=loaders)

    models = ModelsWindow(window.settings, paths, "Buddy", window)
    qtbot.addWidget(models)
    qtbot.waitUntil(lambda: models.refresh_button.isEnabled(), timeout=20_000)
    listed = rows(models)
    ollama = listed["ollama:smollm2:135m"]
    assert ollama[1:4] == ["Ollama", "98 MB", "Q4_1"] and ollama[4] == "8192"
    assert ollama[6] == "fits" and ollama[7] == "yes"
    assert "safetensors" in listed["ollama:newengine:latest"][6]
    assert "6 chat models found" in models.summary.text()
    assert not models.use_button.isEnabled()  # nothing chosen yet
    # a LoRA is offered only with a model it fits: Ollama's adapter is made for SmolLM2
    for name, loras in (
        ("ollama:smollm2:135m", ["none", "ollama:smollm2:135m/adapter"]),
        ("lmstudio:someone/Tiny-Split-GGUF", ["none"]),
    ):
        models.tree.setCurrentItem(models.tree.findItems(name, Qt.MatchFlag.MatchExactly)[0])
        assert [models.lora.itemText(i) for i in range(models.lora.count())] == loras
    models.tree.clearSelection()
    with qtbot.waitSignal(models.use) as chosen:
        item = models.tree.findItems("ollama:smollm2:135m", Qt.MatchFlag.MatchExactly)[0]
        models.tree.setCurrentItem(item)
        models.lora.setCurrentIndex(1)
        adapter = models.lora.currentData()
        models.use_button.click()
    assert chosen.args == ["ollama:smollm2:135m", adapter] and "/blobs/sha256-" in adapter

    before = list(window.view.bubbles)
    window._use_model("ollama:smollm2:135m", "")
    qtbot.waitUntil(lambda: window.settings.llm.model == "ollama:smollm2:135m", timeout=20_000)
    # the fake loader is given the name; the real one resolves it (tests/cli/test_cli_discover)
    assert asked[-1] == "ollama:smollm2:135m"
    assert load_settings(paths.config_file).llm.model == "ollama:smollm2:135m"
    assert window.view.bubbles == before  # the conversation goes on

    window._use_model("gpt4all:smollm2-135m-instruct.Q4_1.gguf", "Buddy")
    qtbot.waitUntil(lambda: "Buddy" in window.settings.llm.character_models, timeout=20_000)
    saved = load_settings(paths.config_file).llm
    assert saved.model == "ollama:smollm2:135m"
    assert saved.character_models == {"Buddy": "gpt4all:smollm2-135m-instruct.Q4_1.gguf"}
    assert asked[-1] == str(layout.chat["gpt4all:smollm2-135m-instruct.Q4_1.gguf"]), (
        window.talk.notice.text() + window.statusBar().currentMessage()
    )


def test_no_models_found_says_how_to_get_a_better_one(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    paths = Paths(tmp_path / "c.toml", tmp_path / "cache", tmp_path / "data")
    models = ModelsWindow(Settings(), paths, "Buddy")
    qtbot.addWidget(models)
    qtbot.waitUntil(lambda: models.refresh_button.isEnabled(), timeout=20_000)
    assert models.tree.topLevelItemCount() == 0
    assert "No chat models were found" in models.summary.text()
    assert "Q4_K_M" in models.summary.text()


def test_a_reasoning_models_thoughts_are_folded_above_the_answer(
    qtbot: QtBot, paths: Paths
) -> None:
    reply = "<think>\nThey said hi. Keep it short.\n</think>\n\nHi! Good to see you."
    window, _ = open_window(qtbot, paths, FakeChat(reply, piece_chars=5))
    window.send_text("hi")
    qtbot.waitUntil(lambda: settled(window, 3), timeout=10_000)
    bubble = window.view.bubbles[-1]
    assert bubble.text == "Hi! Good to see you."
    # (hidden or not: a bubble rebuilt at the turn's end is shown at the next event loop pass)
    assert not bubble.thoughts_button.isHidden() and bubble.thoughts.isHidden()
    bubble.thoughts_button.click()
    assert not bubble.thoughts.isHidden()
    assert bubble.thoughts.text() == "They said hi. Keep it short."
    assert not window.figures.thinking.isVisible()


def test_the_first_run_offers_a_better_model_found_once(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    metadata = {
        **LLAMA_METADATA,
        "general.name": "Llama 3.2 3B Instruct",
        "tokenizer.chat_template": "{{ messages }}",
    }
    header_only(
        home / ".ollama/models/blobs" / ("sha256-" + "a" * 64),
        metadata,
        {"token_embd.weight": (128_256, 3072), "blk.0.ffn.weight": (8192, 3072 * 12)},
    )
    manifest = home / ".ollama/models/manifests/registry.ollama.ai/library/llama3.2/3b"
    manifest.parent.mkdir(parents=True)
    layer = {"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:" + "a" * 64}
    manifest.write_text(json.dumps({"layers": [layer]}))
    monkeypatch.setenv("HOME", str(home))
    paths = Paths(tmp_path / "config.toml", tmp_path / "cache", tmp_path / "data")
    window, _ = open_window(qtbot, paths, offer_models=True)
    qtbot.waitUntil(lambda: getattr(window, "model_offer", None) is not None, timeout=20_000)
    box = window.model_offer
    assert (
        box.text() == "VoiceBuddy found Llama 3.2 3B Instruct in Ollama. Use it for conversations?"
    )
    assert window.talk.state is TalkState.READY  # the window goes on meanwhile
    box.button(QMessageBox.StandardButton.No).click()
    assert window.settings.llm.model == ""
    assert (paths.data_dir / OFFERED_MARKER).read_text() == "ollama:llama3.2:3b"
    # a second start does not ask again
    again, _ = open_window(qtbot, paths, offer_models=True)
    qtbot.wait(1500)
    assert getattr(again, "model_offer", None) is None


def test_with_no_model_of_their_own_the_user_is_told_how_to_get_one(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "empty"))
    paths = Paths(tmp_path / "config.toml", tmp_path / "cache", tmp_path / "data")
    window, _ = open_window(qtbot, paths, offer_models=True)
    qtbot.waitUntil(lambda: (paths.data_dir / OFFERED_MARKER).exists(), timeout=20_000)
    notice = window.talk.notice.text()
    assert "GGUF" in notice and str(paths.data_dir / "models") in notice and "Q4_K_M" in notice
