"""Values made once per key, with no lock held across the making that other keys
wait on: a slow document stalls only the requests for that same document."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Once(Generic[T]):
    """Key -> value, made on first need and kept. Concurrent first requests for one key
    wait on that key's own lock for the one making it; other keys never wait on it
    (only on a dictionary update). A value that raises is not kept: the next request
    tries again."""

    def __init__(self) -> None:
        self._values: dict[str, T] = {}
        self._making: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()  # held only to look up or drop a key's lock

    def get(self, key: str, make: Callable[[], T]) -> T:
        """The value of `key`, made with `make()` if there is none yet."""
        found = self._values.get(key)
        if found is not None:
            return found
        with self._guard:
            lock = self._making.setdefault(key, threading.Lock())
        try:
            with lock:
                found = self._values.get(key)
                if found is None:
                    found = self._values[key] = make()
                return found
        finally:
            with self._guard:  # a key asked for once (a 404, say) leaves nothing behind
                if self._making.get(key) is lock:
                    del self._making[key]

    def peek(self, key: str) -> T | None:
        """The value of `key` if it was made."""
        return self._values.get(key)
