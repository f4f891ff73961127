"""VoiceBuddy's window in its own process on a virtual X screen, with the virtual microphone
and speaker: what the tests that press real keys drive."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from pulse import PulseServer

from voicebuddy.storage import Store


class App:
    """VoiceBuddy's window in its own process, and the keyboard and microphone it hears."""

    def __init__(
        self,
        home: Path,
        display: str,
        pulse: PulseServer,
        stt_model: Path,
        reply_tokens: int,
        more_config: str = "",
    ) -> None:
        self.home, self.pulse = home, pulse
        self.env = {
            **pulse.env,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "VOICEBUDDY_CONFIG": str(home / "config.toml"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"),
        }
        (home / "config.toml").write_text(
            f'[stt]\nmodel = "{stt_model}"\n[llm]\nmax_reply_tokens = {reply_tokens}\nseed = 5\n'
            + more_config,
            encoding="utf-8",
        )
        self.store_file = home / "data" / "voicebuddy" / "voicebuddy.sqlite3"
        self.log = (home / "app.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voicebuddy"], env=self.env, stdout=self.log, stderr=self.log
        )

    def xdotool(self, *args: str) -> str:
        done = subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=30
        )
        return done.stdout

    def wait_ready(self, focus: bool = True) -> None:
        """Until the window shows the character and the talk key's microphone is open (the
        models are loaded), then focus it (unless another window should keep the focus)."""
        deadline = time.monotonic() + 180
        while not (self.xdotool("search", "--name", "VoiceBuddy — ").strip() and self.listening()):
            assert self.process.poll() is None, self.log_text()
            assert time.monotonic() < deadline, "the window never became ready"
            time.sleep(0.5)
        time.sleep(1.0)
        if focus:
            self.xdotool("mousemove", "640", "300", "click", "1")
            time.sleep(0.5)

    def listening(self) -> bool:
        """Whether the app has its recording stream open on the sound server (its warm
        microphone, opened once the models are loaded). Only the app's own stream counts: a
        stream another test left behind would let the first press land while it loads."""
        listed = subprocess.run(
            ["pactl", "list", "source-outputs"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return f'application.process.id = "{self.process.pid}"' in listed.stdout

    def messages(self) -> list[tuple[str, str]]:
        store = Store(self.store_file)
        try:
            (latest, *_) = store.conversations()
            return [(m.role, m.content) for m in store.messages(latest.id)]
        finally:
            store.close()

    def press(self, clip: Path, lead_s: float, tail_s: float) -> None:
        """Hold Space: `lead_s` of silence, the clip, `tail_s` of silence, let go."""
        self.xdotool("keydown", "space")
        time.sleep(lead_s)
        self.pulse.play_into_mic(clip)
        time.sleep(tail_s)
        self.xdotool("keyup", "space")

    def wait_for(self, role: str, count: int, timeout_s: float = 90) -> list[tuple[str, str]]:
        deadline = time.monotonic() + timeout_s
        while True:
            messages = self.messages()
            if sum(1 for r, _ in messages if r == role) >= count:
                return messages
            assert self.process.poll() is None, self.log_text()
            assert time.monotonic() < deadline, (role, count, messages, self.log_text()[-2000:])
            time.sleep(0.2)

    def log_text(self) -> str:
        self.log.flush()
        return (self.home / "app.log").read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
