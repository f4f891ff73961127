"""Record what VoiceBuddy's engines pass to their libraries, so a raw run can pass the same."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Call:
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@contextmanager
def recording_calls(target: Any, method: str) -> Iterator[list[Call]]:
    """Within the block, calls of `target.method` still run, and are listed as they happen."""
    calls: list[Call] = []
    original = getattr(target, method)

    def record(*args: Any, **kwargs: Any) -> Any:
        calls.append(Call(args, dict(kwargs)))
        return original(*args, **kwargs)

    setattr(target, method, record)  # an instance attribute shadows the class's method
    try:
        yield calls
    finally:
        delattr(target, method)


def plain(value: Any) -> Any:
    """`value` as JSON can hold it (arrays and other objects by their type's name)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple) and len(value) <= 64:
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return f"<{type(value).__name__}>"
