"""The Models window (Ctrl+M): every GGUF model found on this machine, whether it fits the
memory, and "Use" for all conversations or for this character. The search runs on a worker
thread; the window never waits for it."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from voicebuddy.config import Paths, Settings
from voicebuddy.gui.i18n import arg
from voicebuddy.models.local_models import LocalModel, discover_models, judged, suggested_sizes
from voicebuddy.models.memory_fit import MachineMemory, machine_memory

_NAME_ROLE = Qt.ItemDataRole.UserRole
_COLUMNS = (
    str(QT_TRANSLATE_NOOP("ModelsWindow", "Model")),
    str(QT_TRANSLATE_NOOP("ModelsWindow", "Source")),
    str(QT_TRANSLATE_NOOP("ModelsWindow", "Size")),
    str(QT_TRANSLATE_NOOP("ModelsWindow", "Quantization")),
    str(QT_TRANSLATE_NOOP("ModelsWindow", "Context")),
    str(QT_TRANSLATE_NOOP("ModelsWindow", "Memory")),
    str(QT_TRANSLATE_NOOP("ModelsWindow", "Fits")),
    str(QT_TRANSLATE_NOOP("ModelsWindow", "Chat template")),
)
_SOURCES = {
    "ollama": "Ollama", "lmstudio": "LM Studio", "gpt4all": "GPT4All",
    "huggingface": "Hugging Face", "llama.cpp": "llama.cpp",
    "folder": str(QT_TRANSLATE_NOOP("ModelsWindow", "your folder")),
    "data": str(QT_TRANSLATE_NOOP("ModelsWindow", "VoiceBuddy's folder")),
}  # fmt: skip
_FITS = {
    "fits": str(QT_TRANSLATE_NOOP("ModelsWindow", "fits")),
    "tight": str(QT_TRANSLATE_NOOP("ModelsWindow", "tight")),
    "too big": str(QT_TRANSLATE_NOOP("ModelsWindow", "too big")),
}


def _gb(size: int) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"


@dataclass(frozen=True)
class FoundModels:
    models: list[LocalModel]
    notes: list[str]
    machine: MachineMemory


class ModelSearch(QObject):
    """Discovery on a thread of its own; `done` arrives on the window's thread."""

    done = Signal(object)

    def start(self, settings: Settings, paths: Paths) -> None:
        def run() -> None:
            discovery = discover_models(settings, paths)
            machine = machine_memory()
            models = judged(discovery, settings.llm.context_size, machine)
            self.done.emit(FoundModels(models, discovery.notes, machine))

        threading.Thread(target=run, name="model-search", daemon=True).start()


class ModelsWindow(QDialog):
    use = Signal(str, str)  # a model's short name, for every conversation; a LoRA file or ""
    use_for_character = Signal(str)  # ... for the current character only
    folders_changed = Signal(list)

    def __init__(
        self,
        settings: Settings,
        paths: Paths,
        character: str,
        parent: QWidget | None = None,
        character_name: str = "",
    ) -> None:
        """`character`: the key its model is kept under; "" hides "Use for"."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Models"))
        self.resize(960, 480)
        self._settings, self._paths = settings, paths
        self._current = settings.llm.character_models.get(character) or settings.llm.model
        self.summary = QLabel(self.tr("Looking for models on this machine…"))
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr(column) for column in _COLUMNS])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setToolTip(self.tr("Double-click a model to use it for every conversation."))
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._selected)
        self.tree.itemDoubleClicked.connect(lambda *_: self._use())
        self.use_button = QPushButton(self.tr("Use"))
        self.use_button.setToolTip(self.tr("Talk with this model in every conversation"))
        self.use_button.clicked.connect(self._use)
        name = character_name or character
        self.character_button = QPushButton(arg(self.tr("Use for %1"), name))
        self.character_button.setToolTip(
            arg(self.tr("%1 talks with this model; the others keep theirs"), name)
        )
        self.character_button.setVisible(bool(character))
        self.character_button.clicked.connect(self._use_for_character)
        self.lora = QComboBox()
        self.lora.setToolTip(
            self.tr("LoRA adapters found on this machine that fit the chosen model: Use loads "
                    "the model with the one chosen here")
        )  # fmt: skip
        self.lora_label = QLabel(self.tr("LoRA adapter:"))
        self.lora_label.setBuddy(self.lora)
        self._found: FoundModels | None = None
        self.folder_button = QPushButton(self.tr("Add folder…"))
        self.folder_button.setToolTip(self.tr("Also look for GGUF files in a folder of yours"))
        self.folder_button.clicked.connect(self._add_folder)
        self.refresh_button = QPushButton(self.tr("Look again"))
        self.refresh_button.clicked.connect(self.refresh)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for widget in (self.use_button, self.character_button, self.lora_label, self.lora):
            buttons.addWidget(widget)
        buttons.addWidget(self.folder_button)
        buttons.addStretch()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self._search = ModelSearch(self)
        self._search.done.connect(self._show)
        self.refresh()

    def refresh(self) -> None:
        self.refresh_button.setEnabled(False)
        self.use_button.setEnabled(False)
        self.character_button.setEnabled(False)
        self.summary.setText(self.tr("Looking for models on this machine…"))
        self._search.start(self._settings, self._paths)

    def selected_name(self) -> str:
        items = self.tree.selectedItems()
        return str(items[0].data(0, _NAME_ROLE) or "") if items else ""

    def _show(self, found: FoundModels) -> None:
        self._found = found
        self.tree.clear()
        chats = [m for m in found.models if m.verdict is not None]
        for model in chats:
            self.tree.addTopLevelItem(self._chat_row(model))
        for model in found.models:
            if model.verdict is None:
                self.tree.addTopLevelItem(self._other_row(model))
        machine = found.machine
        memory = machine.gpu_limit if machine.gpu_limit is not None else machine.total
        text = arg(
            self.tr("%1 chat models found. This machine: %2 for models (%3 free now); "
                    "memory is estimated for %4 tokens of context."),
            len(chats), _gb(memory), _gb(machine.available), self._settings.llm.context_size,
        )  # fmt: skip
        if not chats:
            parameters, size = suggested_sizes(memory)
            text = arg(
                self.tr(
                    "No chat models were found. Put a GGUF file in a folder and add it here, "
                    "or download one with Ollama, LM Studio or GPT4All: for this machine, a %1 "
                    "model in Q4_K_M (a %2 file) talks far better than the built-in 135M one."
                ),
                parameters,
                size,
            )
        if found.notes:
            text += "\n" + "\n".join(found.notes)
        self.summary.setText(text)
        self.refresh_button.setEnabled(True)
        self._selected()

    def _chat_row(self, model: LocalModel) -> QTreeWidgetItem:
        found, info, verdict, estimate = (
            model.found,
            model.found.info,
            model.verdict,
            model.estimate,
        )
        assert info is not None and verdict is not None and estimate is not None
        fit = self.tr(_FITS[verdict.fit])
        if verdict.gpu_layers is not None:
            fit = arg(
                self.tr("%1 (%2 of %3 layers on the GPU)"), fit, verdict.gpu_layers, info.layers
            )
        item = QTreeWidgetItem([
            found.name, self._source(found.source), _gb(found.size_bytes), info.quantization,
            str(info.context_length or "?"), _gb(estimate.total), fit,
            self.tr("yes") if info.chat_template else self.tr("no"),
        ])  # fmt: skip
        item.setData(0, _NAME_ROLE, found.name)
        item.setToolTip(0, str(found.path))
        if self._current in (found.name, str(found.path), *found.aliases):
            font = QFont(item.font(0))
            font.setBold(True)
            item.setFont(0, font)
            item.setToolTip(0, arg(self.tr("In use: %1"), str(found.path)))
        return item

    def _other_row(self, model: LocalModel) -> QTreeWidgetItem:
        found = model.found
        item = QTreeWidgetItem([found.name, self._source(found.source), _gb(found.size_bytes)])
        item.setText(6, found.skipped_reason)
        item.setToolTip(6, found.skipped_reason)
        item.setFlags(Qt.ItemFlag.NoItemFlags)  # shown, not chosen
        return item

    def _source(self, source: str) -> str:
        return self.tr(_SOURCES.get(source, source))

    def _selected(self) -> None:
        chosen = bool(self.selected_name())
        self.use_button.setEnabled(chosen)
        self.character_button.setEnabled(chosen)
        self._offer_loras()

    def _offer_loras(self) -> None:
        """The adapters that fit the chosen model (as `check_lora_fits` judges them)."""
        from voicebuddy.errors import ModelError
        from voicebuddy.models.gguf import check_lora_fits

        found = self._found.models if self._found else []
        adapters = [m.found for m in found if m.found.kind == "adapter"]
        chosen = next((m.found for m in found if m.found.name == self.selected_name()), None)
        self.lora.clear()
        self.lora.addItem(self.tr("none"), "")
        for adapter in adapters:
            try:
                if chosen is None:
                    break
                check_lora_fits(chosen.path, adapter.path)
            except ModelError:
                continue
            self.lora.addItem(adapter.name, str(adapter.path))
            if str(adapter.path) == self._settings.llm.lora:
                self.lora.setCurrentIndex(self.lora.count() - 1)
        for widget in (self.lora, self.lora_label):
            widget.setVisible(bool(adapters))
        self.lora.setEnabled(self.lora.count() > 1)

    def _use(self) -> None:
        if self.selected_name():
            self.use.emit(self.selected_name(), str(self.lora.currentData() or ""))
            self.accept()

    def _use_for_character(self) -> None:
        if self.selected_name():
            self.use_for_character.emit(self.selected_name())
            self.accept()

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("A folder with GGUF models"))
        if not folder or folder in self._settings.llm.model_folders:
            return
        folders = [*self._settings.llm.model_folders, folder]
        self._settings.llm.model_folders = folders
        self.folders_changed.emit(folders)
        self.refresh()
