"""A private PulseAudio daemon with a virtual speaker and a virtual microphone, for tests.

Layout (PortAudio sees it through ALSA's pulse plugin as the devices "pulse" and "default"):
  spk      null sink, the default output; record what was played from `spk.monitor`
  micfeed  null sink, 16 kHz mono s16le; play speech into it with `play_into_mic()`
  vmic     remap of `micfeed.monitor`, the default input (what the app records)

An idle null sink delivers the first seconds of a new stream late or not at all, so both sinks
are kept busy with silence from `pacat ... /dev/zero`.

Requires the Debian packages pulseaudio, pulseaudio-utils and libasound2-plugins.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PACKAGES = "pulseaudio pulseaudio-utils libasound2-plugins"

_CONFIG = """\
load-module module-native-protocol-unix auth-anonymous=1
load-module module-null-sink sink_name=spk
load-module module-null-sink sink_name=micfeed rate=16000 channels=1 format=s16le
load-module module-remap-source source_name=vmic master=micfeed.monitor
set-default-sink spk
set-default-source vmic
"""


@dataclass(frozen=True)
class PulseServer:
    server: str  # the PULSE_SERVER value
    runtime_dir: Path
    env: dict[str, str]  # environment for client subprocesses (pacat, paplay, parec)
    daemon: subprocess.Popen[bytes] = field(repr=False, compare=False)
    restart: Callable[[], subprocess.Popen[bytes]] = field(repr=False, compare=False)
    """Start the daemon again after `crash()`: the devices come back (same socket, same sinks)."""

    def crash(self) -> None:
        """Kill the daemon, as when a sound server or device dies under a running stream."""
        self.daemon.kill()
        self.daemon.wait()

    def play_into_mic(self, wav: Path) -> None:
        """Play a sound file into the virtual microphone; blocks until it has played."""
        subprocess.run(
            ["paplay", "--device=micfeed", str(wav)], env=self.env, check=True, timeout=120
        )

    @contextmanager
    def speaker_echo(self) -> Iterator[None]:
        """While the block runs, what is played on `spk` also reaches the virtual microphone,
        as the sound of laptop speakers reaches the laptop's microphone."""
        loaded = subprocess.run(
            [
                "pactl",
                "load-module",
                "module-loopback",
                "source=spk.monitor",
                "sink=micfeed",
                "latency_msec=40",
            ],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        try:
            yield
        finally:
            subprocess.run(
                ["pactl", "unload-module", loaded.stdout.strip()], env=self.env, check=True
            )

    @contextmanager
    def record_speaker(self, rate: int = 16_000) -> Iterator[list[np.ndarray]]:
        """Record what is played on `spk` while the block runs.

        Yields a list that holds one float32 mono array after the block ends.
        """
        result: list[np.ndarray] = []
        with tempfile.NamedTemporaryFile(suffix=".raw") as raw:
            proc = subprocess.Popen(
                [
                    "parec",
                    "--device=spk.monitor",
                    "--raw",
                    "--format=float32le",
                    f"--rate={rate}",
                    "--channels=1",
                    "--latency-msec=20",
                ],
                env=self.env,
                stdout=raw,
            )
            try:
                _wait_for_data(Path(raw.name), proc)
                yield result
                time.sleep(0.3)  # let the tail of the sound reach the monitor
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            result.append(np.fromfile(raw.name, dtype="<f4").astype(np.float32))


def _wait_for_data(path: Path, proc: subprocess.Popen[bytes]) -> None:
    """Block until parec writes (spk is never idle, so data flows once it is connected)."""
    deadline = time.monotonic() + 10
    while path.stat().st_size == 0:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("parec did not start recording spk.monitor")
        time.sleep(0.01)


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(
            f"'{tool}' is not installed; the audio device tests need the Debian packages "
            f"{PACKAGES} (apt-get install -y {PACKAGES})."
        )
    return path


def _wait_until_ready(env: dict[str, str], daemon: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise RuntimeError(f"pulseaudio exited with {daemon.returncode}:\n{log.read_text()}")
        ready = subprocess.run(["pactl", "info"], env=env, capture_output=True, timeout=10)
        if ready.returncode == 0:
            return
        time.sleep(0.05)
    raise RuntimeError(f"pulseaudio did not become ready within 15 s:\n{log.read_text()}")


@contextmanager
def private_pulseaudio() -> Iterator[PulseServer]:
    """Start a private PulseAudio daemon and point this process's environment at it.

    Sets PULSE_SERVER and XDG_RUNTIME_DIR in os.environ (restored on exit). PortAudio only
    enumerates devices when it initializes: call `refresh_devices()` after entering if
    sounddevice was already imported.
    """
    exe = _require("pulseaudio")
    for tool in ("pactl", "pacat", "paplay", "parec"):
        _require(tool)
    base = Path(tempfile.mkdtemp(prefix="voicebuddy-pulse-"))
    runtime = base / "run"
    runtime.mkdir(mode=0o700)
    config = base / "voicebuddy.pa"
    config.write_text(_CONFIG)
    log = base / "pulseaudio.log"
    server = f"unix:{runtime}/pulse/native"
    daemon_env = {k: v for k, v in os.environ.items() if k != "PULSE_SERVER"}
    # HOME too, so the daemon keeps its state (cookie, databases) inside the temp dir.
    daemon_env.update(XDG_RUNTIME_DIR=str(runtime), HOME=str(base))
    client_env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), PULSE_SERVER=server)

    children: list[subprocess.Popen[bytes]] = []
    saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "XDG_RUNTIME_DIR")}

    def start_daemon() -> subprocess.Popen[bytes]:
        with log.open("ab") as log_file:
            daemon = subprocess.Popen(
                [
                    exe,
                    "--daemonize=no",
                    "-n",
                    "-F",
                    str(config),
                    "--exit-idle-time=-1",
                    "--log-target=stderr",
                ],
                env=daemon_env,
                stdout=log_file,
                stderr=log_file,
            )
        children.append(daemon)
        _wait_until_ready(client_env, daemon, log)
        for sink in ("spk", "micfeed"):
            with log.open("ab") as log_file:
                keep_busy = subprocess.Popen(
                    [
                        "pacat",
                        "--playback",
                        "--raw",
                        "--format=s16le",
                        "--rate=16000",
                        "--channels=1",
                        f"--device={sink}",
                        "--latency-msec=20",
                        "/dev/zero",
                    ],
                    env=client_env,
                    stdout=log_file,
                    stderr=log_file,
                )
            children.append(keep_busy)
        return daemon

    try:
        daemon = start_daemon()
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
        os.environ["PULSE_SERVER"] = server
        yield PulseServer(
            server=server, runtime_dir=runtime, env=client_env, daemon=daemon, restart=start_daemon
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for child in reversed(children):
            child.terminate()
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        shutil.rmtree(base, ignore_errors=True)
