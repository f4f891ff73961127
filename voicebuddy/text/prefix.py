"""Drop a speaker label ("Buddy: ") that small models like to put before their reply."""

from __future__ import annotations


class SpeakerLabelFilter:
    """Feed streamed pieces; the reply comes out without a leading `name:` label.

    The start of the stream is held back only until it is clear whether it is the label.
    """

    def __init__(self, name: str) -> None:
        self._label = f"{name}:".casefold()
        self._held = ""
        self._decided = not name

    def feed(self, piece: str) -> str:
        if self._decided:
            return piece
        self._held += piece
        text = self._held.lstrip()
        folded = text.casefold()
        if folded.startswith(self._label):
            rest = text[len(self._label) :].lstrip()
            if not rest:
                return ""  # the label is complete; wait for what follows it
            self._decided = True
            return rest
        if self._label.startswith(folded):
            return ""  # could still become the label
        self._decided = True
        return self._held

    def flush(self) -> str:
        """What is still held back when the stream ends (a lone label is dropped)."""
        held, self._held = self._held, ""
        if self._decided or held.strip().casefold() == self._label:
            return ""
        return held
