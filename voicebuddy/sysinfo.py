"""Facts about this process for the status bar and the benchmarks."""

from __future__ import annotations

import os
import resource
import sys


def memory_mb() -> float:
    """Resident memory of this process now (Linux), or its peak where that is all we have."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes vs KiB
