"""Start the desktop app: the QApplication, the look, the runtime and the window."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QLocale, QObject, QTimer, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from voicebuddy.bench import probe
from voicebuddy.characters.character import ASSETS_DIR
from voicebuddy.config import Paths, Settings
from voicebuddy.errors import VoiceBuddyError
from voicebuddy.events import Event, Failed
from voicebuddy.first_start import apply_first_start
from voicebuddy.gui import i18n
from voicebuddy.gui.instance_server import InstanceServer
from voicebuddy.gui.main_window import MainWindow
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.instance import send, socket_path
from voicebuddy.runtime import Runtime
from voicebuddy.runtime.devices import Devices
from voicebuddy.runtime.engines import EngineLoaders
from voicebuddy.runtime.events import ModelsLoaded
from voicebuddy.storage import Store

# Colours come from the palette, so the bubbles follow the system's light or dark scheme.
STYLE = """
#userBubble { background: palette(highlight); color: palette(highlighted-text);
              border: none; border-radius: 12px; }
#userBubble QLabel, #userBubble QToolButton { color: palette(highlighted-text); }
#characterBubble { background: palette(alternate-base); border: 1px solid palette(mid);
                   border-radius: 12px; }
"""


def create_window(
    settings: Settings,
    paths: Paths,
    loaders: EngineLoaders | None = None,
    devices: Devices | None = None,
) -> MainWindow:
    """The main window on the last conversation; the runtime opens it and loads the models
    in the background. A damaged store raises VoiceBuddyError."""
    store = Store(paths.store_file)
    runtime = Runtime(settings, paths, store=store, loaders=loaders, devices=devices)
    window = MainWindow(runtime, store)
    window.setWindowIcon(QIcon(str(ASSETS_DIR / "icon.png")))
    runtime.start(opening="last")
    return window


def check_display() -> None:
    """Qt aborts the process without a display; say so in one sentence instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise VoiceBuddyError(
            "no_display",
            "No display to open the window on (DISPLAY is not set): start VoiceBuddy in a "
            "desktop session, or use `voicebuddy chat` in a terminal.",
        )


def run(settings: Settings, paths: Paths, config_problem: str = "") -> int:
    """The window until it is closed. `config_problem` (a broken config file) is shown in it.
    When VoiceBuddy runs already, its window is raised instead and this returns 0."""
    single = not probe.enabled()  # the start-up bench starts VoiceBuddy beside a running one
    if single and _raised_the_running_one():
        return 0
    check_display()
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt, QApplication)
    qt.setApplicationName("VoiceBuddy")
    qt.setApplicationDisplayName("VoiceBuddy")
    qt.setWindowIcon(QIcon(str(ASSETS_DIR / "icon.png")))
    qt.setStyleSheet(STYLE)
    i18n.install(qt, settings.ui.language)  # before any widget: texts are translated when made
    apply_first_start(settings, settings.ui.language or QLocale.system().name())
    try:
        window = create_window(settings, paths)
    except VoiceBuddyError as error:  # e.g. a damaged conversation store: say so, touch nothing
        QMessageBox.critical(None, "VoiceBuddy", error.message)
        return 2
    if config_problem:
        window.talk.show_notice(config_problem, "config")
    if single:
        try:
            server = InstanceServer(socket_path(), window.control, window)
            qt.aboutToQuit.connect(server.close)
        except VoiceBuddyError as error:  # `voicebuddy ctl` will not reach this one
            window.talk.show_notice(error.message, "control")
    if probe.enabled():
        # Connected before the engines can have finished loading: that takes far longer.
        startup_probe = StartupProbe(qt, window)
        QTimer.singleShot(0, startup_probe.window_shown)  # after show() and one event loop pass
    window.show()
    return qt.exec()


def _raised_the_running_one() -> bool:
    try:
        send("show")
    except VoiceBuddyError:  # none runs (or it cannot be reached): start this one
        return False
    print("VoiceBuddy is already running: its window was raised.")
    return True


class StartupProbe(QObject):
    """Prints the start-up milestones (`voicebuddy.bench.probe`), then closes the app.

    Connected to the window's event relay after the window itself, so the window has handled
    an event before the probe looks at it.
    """

    def __init__(self, qt: QApplication, window: MainWindow) -> None:
        super().__init__(window)
        self._qt, self._window = qt, window
        window.bridge.relayed.connect(self.on_event)

    @Slot()
    def window_shown(self) -> None:
        print(probe.line("window"), flush=True)

    @Slot(object)
    def on_event(self, event: Event) -> None:
        if isinstance(event, ModelsLoaded):
            print(probe.line("models", event.description), flush=True)
            QTimer.singleShot(0, self._models_ready)  # once the state has followed
        elif isinstance(event, Failed) and event.about == "load":
            print(probe.line("failed", event.message), flush=True)
            self._window.close()
            self._qt.exit(1)

    def _models_ready(self) -> None:
        state = self._window.talk.state
        if state is TalkState.READY:
            print(probe.line("ready"), flush=True)
        else:
            print(
                probe.line("failed", f"state {state.name} once the models were loaded"), flush=True
            )
        self._window.close()
        self._qt.quit()
