"""Remembering what was already seen (logout-token ``jti``) and which sessions ended.

The in-memory versions fit one process; a module with several processes passes a store
shared by all of them — anything with Redis's ``set(key, value, nx=True, ex=ttl)`` and
``get(key)`` (a ``redis.Redis`` client as is).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol


class SharedStore(Protocol):
    def set(self, key: str, value: Any, nx: bool = ..., ex: int = ...) -> Any: ...
    def get(self, key: str) -> Any: ...


class MemoryStore:
    """A dict with expiry and Redis's two calls, for a module running as one process."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._data: dict[str, tuple[Any, float]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def set(self, key: str, value: Any, nx: bool = False, ex: int = 3600) -> bool:
        now = time.monotonic()
        with self._lock:
            current = self._data.get(key)
            if nx and current is not None and current[1] > now:
                return False
            if len(self._data) >= self.max_entries:
                self._data = {k: v for k, v in self._data.items() if v[1] > now}
            self._data[key] = (value, now + ex)
            return True

    def get(self, key: str) -> Any:
        with self._lock:
            current = self._data.get(key)
        return current[0] if current and current[1] > time.monotonic() else None
