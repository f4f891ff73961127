"""One VoiceBuddy per user: `voicebuddy ctl` and a second start reach the running window over
its private socket."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fake_devices import pause, tone
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot
from windows import open_window, settled

from voicebuddy.config import Paths
from voicebuddy.gui.instance_server import InstanceServer
from voicebuddy.gui.talk_panel import TalkState
from voicebuddy.instance import socket_path


def voicebuddy(qtbot: QtBot, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`voicebuddy ARGS` in a child process, the window's event loop running meanwhile."""
    child = subprocess.Popen(
        [sys.executable, "-m", "voicebuddy", *args],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    qtbot.waitUntil(lambda: child.poll() is not None, timeout=30_000)
    out, err = child.communicate()
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def test_ctl_and_a_second_start_reach_the_running_window(
    qtbot: QtBot, paths: Paths, tmp_path: Path
) -> None:
    env = {"XDG_RUNTIME_DIR": str(tmp_path / "run"), "VOICEBUDDY_CONFIG": str(paths.config_file)}
    (tmp_path / "run").mkdir(mode=0o700)
    nobody = voicebuddy(qtbot, env, "ctl", "talk-toggle")
    assert nobody.returncode == 2 and nobody.stderr.strip().count("\n") == 0
    assert "not running" in nobody.stderr and "Traceback" not in nobody.stderr

    window, devices = open_window(qtbot, paths)
    path = socket_path(env)
    server = InstanceServer(path, window.control, window)
    try:
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_ISSOCK(path.stat().st_mode)

        assert voicebuddy(qtbot, env, "ctl", "talk-toggle").returncode == 0
        qtbot.waitUntil(lambda: window.talk.state is TalkState.LISTENING, timeout=5_000)
        (microphone,) = devices.live
        microphone.say(np.concatenate([tone(1.0), pause(0.3)]))
        assert voicebuddy(qtbot, env, "ctl", "talk-toggle").returncode == 0
        qtbot.waitUntil(lambda: settled(window, 3), timeout=10_000)  # a whole turn
        assert window.view.bubbles[1].text == "how are you"

        # Dictation into the focused application: here no way to type, so the clipboard.
        window.dictate_anywhere.inserter = None
        assert voicebuddy(qtbot, env, "ctl", "dictate-toggle").returncode == 0
        qtbot.waitUntil(lambda: window.talk.state is TalkState.DICTATING, timeout=5_000)
        microphone.say(np.concatenate([tone(1.0), pause(0.3)]))
        assert voicebuddy(qtbot, env, "ctl", "dictate-toggle").returncode == 0
        qtbot.waitUntil(lambda: window.dictate_anywhere.inserted == ["how are you"], timeout=5_000)
        assert QGuiApplication.clipboard().text() == "how are you"
        assert "the words are on the clipboard" in window.talk.notice.text()

        window.showMinimized()
        qtbot.waitUntil(window.isMinimized, timeout=5_000)
        second = voicebuddy(qtbot, {**env, "QT_QPA_PLATFORM": "offscreen"})
        assert second.returncode == 0 and "already running" in second.stdout
        qtbot.waitUntil(lambda: not window.isMinimized(), timeout=5_000)
    finally:
        server.close()
    assert not path.exists()


def test_a_folder_of_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicebuddy.errors import VoiceBuddyError
    from voicebuddy.instance import private_folder

    path = tmp_path / "shared" / "control.sock"
    path.parent.mkdir(mode=0o777)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    with pytest.raises(VoiceBuddyError) as refused:
        private_folder(path)
    assert refused.value.code == "control_unsafe"
