"""The conversation runtime: one Qt-free core that the window, the terminal, the benchmarks
and the tests all drive (see docs/architecture.md)."""

from voicebuddy.pipeline import Audio, Regenerate, Text, TurnInput
from voicebuddy.runtime.runtime import Runtime
from voicebuddy.runtime.state import State
from voicebuddy.runtime.turns import TurnTicket

__all__ = ["Audio", "Regenerate", "Runtime", "State", "Text", "TurnInput", "TurnTicket"]
