"""whisper.cpp's and llama.cpp's own log lines ("whisper_full_with_state: auto-detected
language: en", "llama_context: ...") go to logging as debug records of "voicebuddy.native",
never straight to the terminal: `--verbose` shows them. Both libraries keep one process-wide
log callback, so routing is done once per library, before its first model is loaded."""

from __future__ import annotations

import atexit
import ctypes
import logging
import threading
from typing import Any

log = logging.getLogger("voicebuddy.native")


class _Routes:
    """The callbacks handed to the libraries, kept alive as long as the process (a ctypes
    callback that is garbage-collected would crash the next log line)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.whisper = False
        self.llama: Any = None


_ROUTES = _Routes()


def _line(library: str, text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.rstrip()
    if text and log.isEnabledFor(logging.DEBUG):
        log.debug("%s: %s", library, text)


def route_whisper_logs() -> None:
    with _ROUTES.lock:
        if _ROUTES.whisper:
            return
        import _pywhispercpp as pw

        pw.whisper_log_set(lambda _level, text: _line("whisper.cpp", text))
        # A model freed while the interpreter shuts down must not call back into Python.
        atexit.register(pw.whisper_log_set, None)
        _ROUTES.whisper = True


def route_llama_logs() -> None:
    with _ROUTES.lock:
        if _ROUTES.llama is not None:
            return
        import llama_cpp
        import llama_cpp._logger  # installs its own callback at import: ours must come after

        @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
        def callback(_level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
            _line("llama.cpp", text)

        llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))
        _ROUTES.llama = callback
