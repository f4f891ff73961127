"""One VoiceBuddy per user: the running window listens on a local socket that only this user
can reach, and `voicebuddy ctl …` (or a second start) talks to it. This is also how a Wayland
desktop, which gives apps no global keys, binds a key to VoiceBuddy.

The socket is `$XDG_RUNTIME_DIR/voicebuddy/control.sock`, else `<temp dir>/voicebuddy-<uid>/
control.sock` (on macOS the temp dir is already the user's own); its folder is made mode 0700
and must belong to the user. One command per connection, one line each way.
"""

from __future__ import annotations

import os
import socket
import stat
import tempfile
from pathlib import Path

from voicebuddy.errors import VoiceBuddyError

COMMANDS = ("talk-start", "talk-stop", "talk-toggle", "dictate-toggle", "show", "quit")
_REPLY_BYTES = 4096


class NotRunning(VoiceBuddyError):
    def __init__(self) -> None:
        super().__init__("not_running", "VoiceBuddy is not running: start it first.")


def socket_path(environ: dict[str, str] | None = None) -> Path:
    environ = dict(os.environ) if environ is None else environ
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and Path(runtime).is_absolute() and Path(runtime).is_dir():
        folder = Path(runtime) / "voicebuddy"
    else:
        user = os.getuid() if hasattr(os, "getuid") else os.getlogin()
        folder = Path(tempfile.gettempdir()) / f"voicebuddy-{user}"
    return folder / "control.sock"


def private_folder(path: Path) -> Path:
    """Make the socket's folder, mode 0700, and check that it is this user's alone."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise VoiceBuddyError(
            "control_unsafe", f"{folder} belongs to another user: VoiceBuddy will not listen there."
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        folder.chmod(0o700)
    return folder


def send(command: str, path: Path | None = None, timeout_s: float = 5.0) -> str:
    """Tell the running VoiceBuddy `command`; its answer. NotRunning when nothing listens."""
    if command not in COMMANDS:
        raise VoiceBuddyError(
            "bad_command", f"Unknown command {command!r}: use one of {', '.join(COMMANDS)}."
        )
    path = path or socket_path()
    if not hasattr(socket, "AF_UNIX"):
        raise VoiceBuddyError("control_unsupported", "`voicebuddy ctl` needs Linux or macOS.")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout_s)
        try:
            client.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise NotRunning() from None
        except OSError as exc:
            raise VoiceBuddyError(
                "control_failed", f"Could not reach VoiceBuddy at {path}: {exc.strerror or exc}."
            ) from None
        client.sendall(f"{command}\n".encode())
        answer = b""
        try:
            while not answer.endswith(b"\n") and len(answer) < _REPLY_BYTES:
                chunk = client.recv(_REPLY_BYTES)
                if not chunk:
                    break
                answer += chunk
        except TimeoutError:
            raise VoiceBuddyError(
                "control_failed", "VoiceBuddy did not answer (it may be busy): try again."
            ) from None
    return answer.decode("utf-8", errors="replace").strip()
