"""Start-up time: launch `voicebuddy gui` offscreen with the probe on, until it is ready.

The child reports its own clock (seconds since its process started, read from /proc); the bench
also notes when each probe line arrived after the spawn, and falls back to that where the child
cannot read its start time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from voicebuddy.bench import probe
from voicebuddy.bench.stats import median
from voicebuddy.errors import VoiceBuddyError

MILESTONES = ("window", "ready")
TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Launch:
    child_s: dict[str, float | None]  # seconds since the child's process started
    spawn_s: dict[str, float]  # seconds from the spawn to the probe line arriving


def launch(flags: Sequence[str], timeout: float = TIMEOUT_S) -> Launch:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", probe.ENV: "1"}
    command = [sys.executable, "-m", "voicebuddy", *flags, "gui"]
    child: dict[str, float | None] = {}
    spawn: dict[str, float] = {}
    failure = ""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        spawned = time.monotonic()
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            for text in process.stdout:
                parsed = probe.parse(text)
                if parsed is None:
                    continue
                milestone, detail = parsed
                if milestone == "failed":
                    failure = detail
                else:
                    spawn[milestone] = time.monotonic() - spawned
                    child[milestone] = probe.seconds(detail)
            code = process.wait()
        finally:
            watchdog.cancel()
        errors.seek(0)
        stderr = errors.read().strip()
    if failure or any(m not in spawn for m in MILESTONES):
        why = failure or (stderr.splitlines()[-1] if stderr else f"exit code {code}")
        raise VoiceBuddyError("bench_startup_failed", f"The window did not start up: {why}")
    return Launch(child, spawn)


def measure_startup(flags: Sequence[str], launches: int) -> dict[str, object]:
    runs = [launch(flags) for _ in range(launches)]
    own_clock = all(run.child_s.get(m) is not None for run in runs for m in MILESTONES)

    def ms(values: list[float]) -> float:
        return round(median(values) * 1000, 1)

    spawn = {m: ms([run.spawn_s[m] for run in runs]) for m in MILESTONES}
    if own_clock:
        result = {m: ms([run.child_s[m] or 0.0 for run in runs]) for m in MILESTONES}
        clock = "child process: its start time in /proc/self/stat to the probe line"
    else:
        result, clock = dict(spawn), "parent: spawn of the child to the probe line's arrival"
    return {**result, "clock": clock, "launches": launches, "spawn_to_line": spawn}
