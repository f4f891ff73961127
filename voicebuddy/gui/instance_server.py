"""The running window's end of `voicebuddy.instance`: a QLocalServer on the user's private
socket, one command per connection, answered by `handler` on the GUI thread."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from voicebuddy.errors import VoiceBuddyError
from voicebuddy.instance import private_folder, send

_LINE_BYTES = 256


class InstanceServer(QObject):
    def __init__(self, path: Path, handler: Callable[[str], str], parent: QObject | None = None):
        super().__init__(parent)
        self.path, self._handler = path, handler
        private_folder(path)
        try:
            send("show", path, timeout_s=1.0)
        except VoiceBuddyError:  # nothing answers there
            pass
        else:
            raise VoiceBuddyError("already_running", "VoiceBuddy is already running.")
        QLocalServer.removeServer(str(path))  # a socket left by a VoiceBuddy that crashed
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self._server.listen(str(path)):
            raise VoiceBuddyError(
                "control_failed", f"Could not listen on {path}: {self._server.errorString()}."
            )
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
        self._server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while (client := self._server.nextPendingConnection()) is not None:
            client.readyRead.connect(lambda c=client: self._answer(c))
            client.disconnected.connect(client.deleteLater)

    def _answer(self, client: QLocalSocket) -> None:
        if not client.canReadLine():
            if client.bytesAvailable() > _LINE_BYTES:
                client.disconnectFromServer()
            return
        command = bytes(client.readLine(_LINE_BYTES).data()).decode("utf-8", "replace").strip()
        try:
            reply = self._handler(command)
        except VoiceBuddyError as error:
            reply = f"error: {error.message}"
        client.write(f"{reply}\n".encode())
        client.flush()
        client.disconnectFromServer()

    def close(self) -> None:
        self._server.close()
        QLocalServer.removeServer(str(self.path))
