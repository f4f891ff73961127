"""Errors that carry a stable code and one human sentence."""

from __future__ import annotations


class VoiceBuddyError(Exception):
    """An error a user can act on.

    `code` is stable (for scripts, tests and the GUI); `message` is one sentence for people.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class ModelError(VoiceBuddyError):
    """A model file is missing, unreadable or of the wrong kind."""


class AudioError(VoiceBuddyError):
    """Audio could not be read, recorded or played."""


class ConfigError(VoiceBuddyError):
    """The configuration or a command-line value is invalid."""
