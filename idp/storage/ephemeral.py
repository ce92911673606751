"""The ephemeral store: short-lived artefacts with a TTL (codes, sessions, replay caches).

One interface, the contract node-oidc-provider's adapter uses: put with TTL, add (only if
absent), get, consume (atomic get-and-delete), delete, incr. ``RedisStore`` serves any number
of processes; ``MemoryStore`` holds for one process only (the embedded default).
Keys follow ``idp:<kind>:<id>`` and every key has a TTL.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from typing import Any

import redis

Value = dict[str, Any]


class EphemeralStore(ABC):
    """Short-lived state shared by every worker that uses the same backend."""

    #: True when several processes can share this store.
    shared: bool = False

    @abstractmethod
    def put(self, key: str, value: Value, ttl: int) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds, replacing any previous value."""

    def put_many(self, items: list[tuple[str, Value, int]]) -> None:
        """``put`` each (key, value, ttl), in one round trip where the backend can (not as
        one transaction: each key stands alone)."""
        for key, value, ttl in items:
            self.put(key, value, ttl)

    @abstractmethod
    def add(self, key: str, value: Value, ttl: int) -> bool:
        """Store only if ``key`` is absent; True if stored (replay caches rely on this)."""

    @abstractmethod
    def get(self, key: str) -> Value | None:
        """The live value, or None."""

    def get_many(self, keys: list[str]) -> list[Value | None]:
        """The live values of ``keys``, in order, in one round trip where the backend can."""
        return [self.get(key) for key in keys]

    @abstractmethod
    def consume(self, key: str) -> Value | None:
        """Atomically return and delete: of two racing callers, only one gets the value."""

    @abstractmethod
    def delete(self, *keys: str) -> None:
        """Forget each key (in one round trip); no error if absent."""

    @abstractmethod
    def incr(self, key: str, ttl: int) -> int:
        """Add one to a counter; the TTL starts with the first increment."""

    @abstractmethod
    def ping(self) -> None:
        """Raise if the backend cannot be reached."""

    def time(self) -> float:
        """The clock every process sharing this store agrees on (``idp.clock`` follows a
        shared store's); a store of this process's own has this machine's."""
        return time.time()


def _check_ttl(ttl: int) -> int:
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    return int(ttl)


class MemoryStore(EphemeralStore):
    """In-process store for the single-process embedded default and unit tests."""

    shared = False

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _live(self, key: str) -> Any:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= self._clock():
            del self._items[key]
            return None
        return value

    def _sweep(self) -> None:
        now = self._clock()
        for key in [k for k, (exp, _) in self._items.items() if exp <= now]:
            del self._items[key]

    def put(self, key: str, value: Value, ttl: int) -> None:
        with self._lock:
            if len(self._items) % 1024 == 0:
                self._sweep()
            self._items[key] = (self._clock() + _check_ttl(ttl), json.dumps(value))

    def add(self, key: str, value: Value, ttl: int) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._items[key] = (self._clock() + _check_ttl(ttl), json.dumps(value))
            return True

    def get(self, key: str) -> Value | None:
        with self._lock:
            raw = self._live(key)
        return None if raw is None else json.loads(raw)

    def consume(self, key: str) -> Value | None:
        with self._lock:
            raw = self._live(key)
            self._items.pop(key, None)
        return None if raw is None else json.loads(raw)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._items.pop(key, None)

    def incr(self, key: str, ttl: int) -> int:
        with self._lock:
            current = self._live(key)
            if current is None:
                self._items[key] = (self._clock() + _check_ttl(ttl), "1")
                return 1
            expires, _ = self._items[key]
            count = int(current) + 1
            self._items[key] = (expires, str(count))  # JSON text, as Redis gives it to get()
            return count

    def ping(self) -> None:
        return None


class RedisStore(EphemeralStore):
    """Redis-backed store shared by every worker and instance behind one issuer."""

    shared = True

    def __init__(self, url: str, client: redis.Redis | None = None) -> None:
        self._redis = client or redis.Redis.from_url(url, socket_timeout=5)

    def put(self, key: str, value: Value, ttl: int) -> None:
        self._redis.set(key, json.dumps(value), ex=_check_ttl(ttl))

    def put_many(self, items: list[tuple[str, Value, int]]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for key, value, ttl in items:
            pipe.set(key, json.dumps(value), ex=_check_ttl(ttl))
        pipe.execute()

    def add(self, key: str, value: Value, ttl: int) -> bool:
        return bool(self._redis.set(key, json.dumps(value), ex=_check_ttl(ttl), nx=True))

    def get(self, key: str) -> Value | None:
        raw = self._redis.get(key)
        return None if raw is None else json.loads(raw)

    def get_many(self, keys: list[str]) -> list[Value | None]:
        return [None if raw is None else json.loads(raw) for raw in self._redis.mget(keys)]

    def consume(self, key: str) -> Value | None:
        raw = self._redis.getdel(key)  # atomic (Redis >= 6.2)
        return None if raw is None else json.loads(raw)

    def delete(self, *keys: str) -> None:
        if keys:
            self._redis.delete(*keys)

    def incr(self, key: str, ttl: int) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, _check_ttl(ttl), nx=True)
        count, _ = pipe.execute()
        return int(count)

    def ping(self) -> None:
        self._redis.ping()

    def time(self) -> float:
        seconds, microseconds = self._redis.time()
        return seconds + microseconds / 1_000_000


def create_store(redis_url: str) -> EphemeralStore:
    """The store the settings ask for: Redis when a URL is set, else in-process."""
    return RedisStore(redis_url) if redis_url else MemoryStore()
