"""Long-term memory's settings in the window: the "Memory" group of the Settings dialog
(`[memory] enabled` and `budget_tokens`), and the per-character switch the Memory panel
writes into `[memory] off_for`."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QSpinBox, QWidget

from voicebuddy.config import MemorySettings
from voicebuddy.gui.form import form_row

MIN_BUDGET, MAX_BUDGET, BUDGET_STEP = 20, 2000, 20


class MemorySettingsGroup(QGroupBox):
    """Edits `[memory] enabled` and `budget_tokens`; `off_for` passes through."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Memory"))
        self.enabled = QCheckBox(self.tr("&Remember what I tell characters"))
        self.budget = QSpinBox()
        self.budget.setRange(MIN_BUDGET, MAX_BUDGET)
        self.budget.setSingleStep(BUDGET_STEP)
        self.budget.setSuffix(self.tr(" tokens"))
        self.enabled.toggled.connect(self.budget.setEnabled)
        form = QFormLayout(self)
        form_row(
            form,
            "",
            self.enabled,
            self.tr(
                "Characters keep what you tell them about yourself (your name, your dog's, "
                "where you live) and recall it in later conversations. Character ▸ Memories "
                "shows, corrects and forgets it, and turns it off for one character."
            ),
        )
        form_row(
            form,
            self.tr("Memory &budget:"),
            self.budget,
            self.tr(
                "The most the recalled memories take of each prompt, in tokens (about ¾ of a "
                "word each). Pinned memories come first."
            ),
        )

    def load(self, settings: MemorySettings) -> None:
        self.enabled.setChecked(settings.enabled)
        self.budget.setValue(settings.budget_tokens)
        self.budget.setEnabled(settings.enabled)

    def memory_settings(self, base: MemorySettings) -> MemorySettings:
        """`base` with the values shown; a budget outside the box's range is kept unless
        changed here."""
        budget = self.budget.value()
        if not MIN_BUDGET <= base.budget_tokens <= MAX_BUDGET and budget == _clamped(base):
            budget = base.budget_tokens
        return dataclasses.replace(base, enabled=self.enabled.isChecked(), budget_tokens=budget)


def _clamped(settings: MemorySettings) -> int:
    return min(max(settings.budget_tokens, MIN_BUDGET), MAX_BUDGET)
