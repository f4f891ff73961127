"""The start-up probe's protocol, shared by the window and the bench (no Qt here).

With VOICEBUDDY_STARTUP_PROBE=1, `voicebuddy gui` prints `startup window <s>` once the window
is shown and `startup ready <s>` once its models are loaded (then it quits), <s> being seconds
since its process started, or `unknown` where that cannot be read. A failed load prints
`startup failed <message>`.
"""

from __future__ import annotations

import os
import time

ENV = "VOICEBUDDY_STARTUP_PROBE"
_PREFIX = "startup "


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def seconds_since_process_start() -> float | None:
    """Linux: now minus this process's start time (/proc/self/stat, clock ticks since boot)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def line(milestone: str, detail: str | None = None) -> str:
    if detail is None:
        seconds = seconds_since_process_start()
        detail = "unknown" if seconds is None else f"{seconds:.3f}"
    return f"{_PREFIX}{milestone} {detail}"


def parse(text: str) -> tuple[str, str] | None:
    """("window", "1.234") for a probe line; None for any other output."""
    if not text.startswith(_PREFIX):
        return None
    milestone, _, detail = text[len(_PREFIX) :].strip().partition(" ")
    return (milestone, detail) if milestone else None


def seconds(detail: str) -> float | None:
    try:
        return float(detail)
    except ValueError:
        return None
