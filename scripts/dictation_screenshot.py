"""Make assets/dictation.png: the Dictation window after transcribing jfk.wav and a spoken note.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/dictation_screenshot.py assets/dictation.png
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from voicebuddy.app import VoiceBuddy
from voicebuddy.config import Paths, Settings
from voicebuddy.gui.app import STYLE
from voicebuddy.gui.dictation_window import DictationWindow

NOTE = "Remind me to send the quarterly report on Friday, and book a table for four at seven."


def main(out: Path) -> None:
    work = Path(tempfile.mkdtemp())
    note = work / "note.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(note), NOTE], check=True)
    qt = QApplication([])
    qt.setStyleSheet(STYLE)
    settings = Settings()
    settings.dictation.vocabulary = "VoiceBuddy, Rowan, 林晓"
    default = Paths.default()
    app = VoiceBuddy(settings, Paths(work / "config.toml", default.cache_dir, work / "data"))
    window = DictationWindow(app)
    window.show()

    def transcribe() -> None:
        if not window._ready:
            QTimer.singleShot(200, transcribe)
            return
        window.transcribe_files([Path("tests/fixtures/jfk.wav"), note])
        QTimer.singleShot(500, save_when_done)

    def save_when_done() -> None:
        if window._files_left:
            QTimer.singleShot(200, save_when_done)
            return
        window.grab().save(str(out))
        window.close()
        qt.quit()

    QTimer.singleShot(100, transcribe)
    qt.exec()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
