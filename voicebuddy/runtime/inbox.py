"""The engine thread's queue: commands in arrival order, each taken when it can run."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._changed = threading.Condition()

    def put(self, item: T) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def take(self, runnable: Callable[[T], bool], block: bool = True) -> T | None:
        """The oldest item that `runnable` accepts now; the others keep their places. Without
        `block`, None when there is none."""
        with self._changed:
            while True:
                for item in self._items:
                    if runnable(item):
                        self._items.remove(item)
                        return item
                if not block:
                    return None
                self._changed.wait()

    def wake(self) -> None:
        """Look again: what `runnable` accepts may have changed."""
        with self._changed:
            self._changed.notify_all()

    def items(self) -> list[T]:
        with self._changed:
            return list(self._items)
