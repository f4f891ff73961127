"""The runtime's events, relayed to the GUI thread by one signal."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from voicebuddy.runtime import Runtime


class RuntimeBridge(QObject):
    """Emits `relayed` on the GUI thread for every runtime event, whatever thread it happened
    on (a queued connection, since the bridge lives on the GUI thread)."""

    relayed = Signal(object)  # a voicebuddy.events.Event

    def __init__(self, runtime: Runtime, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = runtime.subscribe(self.relayed.emit)

    def detach(self) -> None:
        """No more events (call before the receivers go away)."""
        self._unsubscribe()
