"""Global keys on Wayland, through the desktop's GlobalShortcuts portal
(org.freedesktop.portal.GlobalShortcuts, spoken over the session bus with jeepney).

VoiceBuddy opens a portal session and asks for its shortcuts with the keys as preferred
triggers; the desktop binds them (it may ask the user to confirm or choose other keys) and
then sends Activated and Deactivated: a press and a release, so holding works as on X11.
Where the desktop has no such portal (or no session bus), `PortalKeys` raises
`keys_unavailable` and the user binds `voicebuddy ctl talk-toggle` in the desktop's settings.

Every call after the first check runs on the object's own thread: the desktop's confirmation
can take as long as the user likes.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable
from typing import Any

from voicebuddy.errors import VoiceBuddyError
from voicebuddy.hotkeys import KeyCombo

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
_REQUEST = "org.freedesktop.portal.Request"
_TRIGGER_MODIFIERS = {"ControlMask": "CTRL", "Mod1Mask": "ALT", "ShiftMask": "SHIFT",
                      "Mod4Mask": "LOGO"}  # fmt: skip
NO_PORTAL = (
    "This desktop offers no GlobalShortcuts portal: bind `voicebuddy ctl talk-toggle` to a "
    "key in your desktop's keyboard settings."
)


def portal_trigger(combo: KeyCombo) -> str:
    """ "Ctrl+Alt+Space" -> "CTRL+ALT+space", as the XDG shortcuts specification writes it."""
    return "+".join([*(_TRIGGER_MODIFIERS[m] for m in combo.modifiers), combo.keysym])


class PortalKeys:
    """The portal's shortcuts for `combos`; `on_key(text, pressed)` and `on_problem(sentence)`
    run on this object's thread."""

    def __init__(
        self,
        combos: list[KeyCombo],
        on_key: Callable[[str, bool], None],
        on_problem: Callable[[str], None],
        bus: str = "SESSION",
    ) -> None:
        from jeepney import DBusAddress
        from jeepney.io.blocking import open_dbus_connection

        try:
            self._conn = open_dbus_connection(bus)
        except (OSError, KeyError, ValueError) as exc:
            raise VoiceBuddyError("keys_unavailable", f"{NO_PORTAL} ({exc})") from None
        self._portal = DBusAddress(PORTAL_PATH, bus_name=PORTAL_NAME, interface=SHORTCUTS)
        if not self._has_portal():
            self._conn.close()
            raise VoiceBuddyError("keys_unavailable", NO_PORTAL)
        self._on_key, self._on_problem = on_key, on_problem
        self._combos = {f"voicebuddy-{i}": combo for i, combo in enumerate(combos)}
        self._session = ""
        self._stop = threading.Event()
        self.bound: dict[str, str] = {}  # the desktop's own words for each key (the tests)
        self._thread = threading.Thread(target=self._run, name="portal-keys", daemon=True)
        self._thread.start()

    def _has_portal(self) -> bool:
        from jeepney import DBusAddress, new_method_call

        properties = DBusAddress(
            PORTAL_PATH, bus_name=PORTAL_NAME, interface="org.freedesktop.DBus.Properties"
        )
        call = new_method_call(properties, "Get", "ss", (SHORTCUTS, "version"))
        try:
            reply = self._conn.send_and_get_reply(call, timeout=2)
        except TimeoutError:
            return False
        return bool(reply.header.message_type.name == "method_return")

    def _request(self, method: str, signature: str, body: tuple[Any, ...]) -> dict[str, Any]:
        """Call a portal method that answers through a Request object's Response signal;
        its results, or VoiceBuddyError when the desktop (or the user) said no."""
        from jeepney import MatchRule, message_bus, new_method_call

        token = "voicebuddy" + secrets.token_hex(4)
        sender = (self._conn.unique_name or "").lstrip(":").replace(".", "_")
        path = f"{PORTAL_PATH}/request/{sender}/{token}"
        rule = MatchRule(type="signal", interface=_REQUEST, member="Response", path=path)
        self._conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        options = dict(body[-1])
        options["handle_token"] = ("s", token)
        with self._conn.filter(rule, bufsize=4) as responses:
            call = new_method_call(self._portal, method, signature, (*body[:-1], options))
            reply = self._conn.send_and_get_reply(call, timeout=10)
            if reply.header.message_type.name != "method_return":
                raise VoiceBuddyError("keys_unavailable", f"{NO_PORTAL} ({reply.body})")
            while not self._stop.is_set():
                try:
                    response = self._conn.recv_until_filtered(responses, timeout=0.3)
                except TimeoutError:
                    continue
                code, results = response.body
                if code != 0:
                    raise VoiceBuddyError(
                        "keys_refused",
                        "The desktop did not give VoiceBuddy its keys (cancelled or refused): "
                        "choose them again in Settings, or bind `voicebuddy ctl talk-toggle`.",
                    )
                return {key: value for key, (_, value) in results.items()}
        raise VoiceBuddyError("keys_unavailable", "Stopped.")

    def _run(self) -> None:
        from jeepney import MatchRule, message_bus

        try:
            created = self._request(
                "CreateSession",
                "a{sv}",
                ({"session_handle_token": ("s", "voicebuddy" + secrets.token_hex(4))},),
            )
            self._session = str(created["session_handle"])
            shortcuts = [
                (ident, {"description": ("s", f"VoiceBuddy: {combo.text}"),
                         "preferred_trigger": ("s", portal_trigger(combo))})
                for ident, combo in self._combos.items()
            ]  # fmt: skip
            bound = self._request(
                "BindShortcuts", "oa(sa{sv})sa{sv}", (self._session, shortcuts, "", {})
            )
            for ident, about in bound.get("shortcuts", []):
                described = about.get("trigger_description", ("s", ""))[1]
                self.bound[ident] = str(described)
            rule = MatchRule(type="signal", interface=SHORTCUTS, path=PORTAL_PATH)
            self._conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
            with self._conn.filter(rule, bufsize=64) as signals:
                while not self._stop.is_set():
                    try:
                        signal = self._conn.recv_until_filtered(signals, timeout=0.3)
                    except TimeoutError:
                        continue
                    self._signal(signal)
        except VoiceBuddyError as error:
            if not self._stop.is_set():
                self._on_problem(error.message)
        except (OSError, ValueError) as exc:  # the bus went away
            if not self._stop.is_set():
                self._on_problem(f"{NO_PORTAL} ({exc})")

    def _signal(self, signal: Any) -> None:
        from jeepney import HeaderFields

        member = signal.header.fields.get(HeaderFields.member)
        if member not in ("Activated", "Deactivated"):
            return
        session, ident = signal.body[0], signal.body[1]
        combo = self._combos.get(ident)
        if session == self._session and combo is not None:
            self._on_key(combo.text, member == "Activated")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        if self._session:
            from jeepney import DBusAddress, new_method_call

            session = DBusAddress(
                self._session, bus_name=PORTAL_NAME, interface="org.freedesktop.portal.Session"
            )
            # the desktop ends the session with the connection anyway
            with contextlib.suppress(OSError, TimeoutError):
                self._conn.send_and_get_reply(new_method_call(session, "Close"), timeout=2)
        self._conn.close()
