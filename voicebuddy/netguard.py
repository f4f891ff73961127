"""An in-process guard: VoiceBuddy never talks to the network.

A Python audit hook refuses every socket connection and name lookup that does not stay on this
machine (loopback addresses and Unix sockets). Audit hooks cannot be removed once installed, so
nothing loaded later (a library that wants to download a model, say) can turn it off.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", ""})
_installed = False


class NetworkBlocked(ConnectionRefusedError):
    """Raised instead of a connection that would leave this machine."""


def is_local_host(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip("[]").split("%")[0].lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_local_address(address: Any) -> bool:
    if isinstance(address, (str, bytes)):
        return True  # a Unix socket path
    if isinstance(address, tuple) and address:
        return is_local_host(address[0])
    return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[-1]
        family = getattr(sock, "family", None)
        if family == getattr(socket, "AF_UNIX", object()) or _is_local_address(address):
            return
        raise NetworkBlocked(f"VoiceBuddy works offline; refused a connection to {address!r}.")
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"):
        if not is_local_host(args[0]):
            raise NetworkBlocked(f"VoiceBuddy works offline; refused to look up {args[0]!r}.")
    elif event == "socket.gethostbyaddr" and not is_local_host(args[0]):
        raise NetworkBlocked(f"VoiceBuddy works offline; refused to look up {args[0]!r}.")


def install() -> None:
    """Install the guard for the rest of this process (idempotent)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
