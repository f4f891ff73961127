"""A session bus of its own (dbus-daemon) with a stand-in for the desktop's GlobalShortcuts
portal: it answers CreateSession and BindShortcuts as xdg-desktop-portal does (a Request
object's Response signal), notes what it was asked, and presses and releases a shortcut on
request. No Wayland desktop runs here; this checks VoiceBuddy's side of the protocol."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    MessageType,
    message_bus,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.io.blocking import open_dbus_connection

from voicebuddy.portal_keys import PORTAL_NAME, PORTAL_PATH, SHORTCUTS


@contextmanager
def session_bus() -> Iterator[str]:
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        yield daemon.stdout.readline().strip()
    finally:
        daemon.terminate()
        daemon.wait(5)


class FakePortal:
    def __init__(self, address: str, refuse: bool = False) -> None:
        self._conn = open_dbus_connection(address)
        self._conn.send_and_get_reply(message_bus.RequestName(PORTAL_NAME), timeout=5)
        self.refuse = refuse
        self.asked: list[tuple[str, Any]] = []  # (method, body)
        self.session = ""
        self.closed = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _send(self, message: Any) -> None:
        with self._lock:
            self._conn.send(message)

    def _respond(self, call: Any, token: str, results: dict[str, Any]) -> None:
        sender = call.header.fields[HeaderFields.sender].lstrip(":").replace(".", "_")
        path = f"{PORTAL_PATH}/request/{sender}/{token}"
        self._send(new_method_return(call, "o", (path,)))
        code = 1 if self.refuse else 0
        request = DBusAddress(path, interface="org.freedesktop.portal.Request")
        self._send(new_signal(request, "Response", "ua{sv}", (code, results)))

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                call = self._conn.receive(timeout=0.2)
            except TimeoutError:
                continue
            except OSError:
                return
            if call.header.message_type is not MessageType.method_call:
                continue
            member = call.header.fields.get(HeaderFields.member)
            self.asked.append((member, call.body))
            if member == "Get":
                self._send(new_method_return(call, "v", (("u", 1),)))
            elif member == "CreateSession":
                options = call.body[0]
                self.session = f"{PORTAL_PATH}/session/x/{options['session_handle_token'][1]}"
                results = {"session_handle": ("s", self.session)}
                self._respond(call, options["handle_token"][1], results)
            elif member == "BindShortcuts":
                _, shortcuts, _, options = call.body
                bound = []
                for ident, about in shortcuts:
                    said = ("s", f"Press {about['preferred_trigger'][1]}")
                    bound.append((ident, {**about, "trigger_description": said}))
                self._respond(call, options["handle_token"][1], {"shortcuts": ("a(sa{sv})", bound)})
            elif member == "Close":
                self.closed.set()
                self._send(new_method_return(call))
            else:
                self._send(new_error(call, "org.freedesktop.DBus.Error.UnknownMethod"))

    def press(self, ident: str, down: bool) -> None:
        portal = DBusAddress(PORTAL_PATH, interface=SHORTCUTS)
        member = "Activated" if down else "Deactivated"
        self._send(new_signal(portal, member, "osta{sv}", (self.session, ident, 0, {})))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._conn.close()
