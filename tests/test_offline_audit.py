"""Offline, proven: every socket connection and name lookup the app makes is recorded while it
starts, takes a voice turn, dictates, changes model and imports a card; none leaves loopback.

The recording audit hook is installed before VoiceBuddy is imported, in a fresh process, and
only records (VoiceBuddy's own guard, which refuses, is not installed here), so anything that
tried to reach the network would show up in the list instead of being stopped silently.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from testdata import FIXTURES

SCRIPT = r"""
import json, sys
seen = []
def record(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        seen.append([event, repr(args[-1]), getattr(args[0], "family", None) == 1])
    elif event.startswith("socket.gethostby") or event == "socket.getaddrinfo":
        seen.append([event, repr(args[0]), False])
sys.addaudithook(record)

from pathlib import Path
from PySide6.QtWidgets import QApplication
import threading
from voicebuddy.audio.files import load_for_stt
from voicebuddy.dictation import DictationOptions
from voicebuddy.characters.card import CharacterCard
from voicebuddy.characters.card_files import write_card_png
from voicebuddy.characters.library import import_card
from voicebuddy.config import Paths, Settings
from voicebuddy.gui.launch import create_window
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.runtime import Audio
from voicebuddy.runtime.events import FileTranscribed

work, jfk = Path(sys.argv[1]), Path(sys.argv[2])
qt = QApplication([])
paths = Paths(work / "config.toml", work / "cache", work / "data")
window = create_window(Settings(), paths)                      # start-up
window.show()
def wait(cond):
    import time
    end = time.monotonic() + 120
    while not cond() and time.monotonic() < end:
        qt.processEvents(); time.sleep(0.01)
wait(lambda: window.talk.state is TalkState.READY)
runtime = window.runtime
result = runtime.submit(Audio(load_for_stt(jfk))).wait(120)           # a voice turn
files = []
done = threading.Event()
runtime.subscribe(lambda e: (files.append(e), done.set()) if isinstance(e, FileTranscribed) else 0)
runtime.prepare_dictation(Settings())                                  # dictation
runtime.transcribe_files([jfk], DictationOptions(vocabulary=("VoiceBuddy",)))
done.wait(120)
dictated = files[0].transcription.text
new = Settings(); new.stt.model = "base"                               # a model change
runtime.reload(new).result(120)
write_card_png(CharacterCard(name="Audit"), None, work / "audit.png")   # a card import
imported = import_card(work / "audit.png", work / "data" / "characters")
window.close()
print(json.dumps({"seen": seen, "reply": result.reply, "dictated": dictated,
                  "imported": imported.character.name}))
"""


@pytest.mark.real
def test_no_connection_leaves_this_machine(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CACHE_HOME": str(tmp_path / "c")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(FIXTURES / "jfk.wav")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["reply"] and "fellow Americans" in report["dictated"]
    assert report["imported"] == "Audit"
    loopback = ("'127.", "('127.", "'::1'", "('::1'", "'localhost'", "None")
    leaving = [
        entry for entry in report["seen"]
        if not entry[2] and not entry[1].startswith(loopback)
    ]  # fmt: skip
    assert leaving == [], leaving
