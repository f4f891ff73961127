"""The status bar's figures: the models in use, the last reply's speed and voice-to-voice
latency, how long hands-free listening took to hand the last utterance over, and the memory
this process uses."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from voicebuddy.gui.i18n import arg
from voicebuddy.sysinfo import memory_mb


class StatusFigures(QObject):
    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.models = QLabel(self.tr("Loading models…"))
        self.speed = QLabel()
        self.latency = QLabel()
        self.end_of_turn = QLabel()
        self.memory = QLabel()
        self.thinking = QLabel(self.tr("thinking…"))
        self.thinking.setToolTip(self.tr("The model is reasoning before it answers"))
        self.thinking.hide()
        self.microphone = QLabel(self.tr("● Microphone on"))
        self.microphone.setToolTip(
            self.tr(
                "The microphone is open, so your first word is kept even as you press the key. "
                "Settings ▸ Voice & audio can close it when you are not talking."
            )
        )
        self.microphone.hide()
        self.models.setToolTip(self.tr("The language and speech models in use"))
        self.speed.setToolTip(self.tr("Tokens per second of the last reply"))
        self.latency.setToolTip(self.tr("End of your speech to the first sound of the reply"))
        self.end_of_turn.setToolTip(
            self.tr(
                "Hands-free: from the end of your speech to the moment VoiceBuddy decided you "
                "had finished (Settings ▸ Voice & audio ▸ End of turn)"
            )
        )
        self.memory.setToolTip(self.tr("Memory this process uses"))
        self.loading = QProgressBar()
        self.loading.setRange(0, 0)
        self.loading.setMaximumWidth(120)
        for widget in (self.loading, self.models, self.thinking):
            bar.addWidget(widget)
        for widget in (self.microphone, self.end_of_turn, self.speed, self.latency, self.memory):
            bar.addPermanentWidget(widget)
        self._timer = QTimer(self, interval=2000)
        self._timer.timeout.connect(self.show_memory)
        self._timer.start()
        self.show_memory()

    def show_thinking(self, on: bool) -> None:
        """While the model reasons: say so, and follow the memory closely."""
        if on == self.thinking.isVisible():
            return
        self.thinking.setVisible(on)
        self._timer.setInterval(500 if on else 2000)
        self.show_memory()

    def show_microphone(self, open: bool) -> None:
        self.microphone.setVisible(open)

    def show_memory(self) -> None:
        self.memory.setText(arg(self.tr("%1 MB"), f"{memory_mb():.0f}"))

    def loading_models(self) -> None:
        self.loading.show()
        self.models.setText(self.tr("Loading models…"))

    def loaded(self, description: str) -> None:
        self.loading.hide()
        self.models.setText(description or self.tr("No models loaded"))

    def show_speed(self, tokens_per_s: float) -> None:
        self.speed.setText(arg(self.tr("%1 tokens/s"), f"{tokens_per_s:.0f}"))

    def show_end_of_turn(self, ms: float) -> None:
        self.end_of_turn.setText(arg(self.tr("end of turn %1 ms"), f"{ms:.0f}"))

    def show_latency(self, ms: float) -> None:
        self.latency.setText(arg(self.tr("voice-to-voice %1 ms"), f"{ms:.0f}"))
