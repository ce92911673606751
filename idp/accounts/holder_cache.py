"""Token holders cached per worker for a few seconds: introspection and userinfo run on every
module call, and the account query was most of their cost (bench/RESULTS.md).

Staleness is bounded and never weakens a revocation: deactivating, blocking, a password change
and the end of the last habilitation all go through ``end_access``, whose "revoked before"
marker in the shared store is read on every token check, whatever this cache holds. What the
cache may delay by ``ttl`` seconds is a habilitation running out by date, and a profile edit
showing in userinfo.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from idp.accounts.users import TokenHolder

MAX_ENTRIES = 10_000


class HolderCache:
    def __init__(self, load: Callable[[str], TokenHolder | None], ttl: float = 5.0) -> None:
        self._load = load
        self._ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, TokenHolder | None]] = {}

    def get(self, subject: str) -> TokenHolder | None:
        now = time.monotonic()
        entry = self._entries.get(subject)
        if entry is not None and entry[0] > now:
            return entry[1]
        holder = self._load(subject)
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[subject] = (now + self._ttl, holder)
        return holder
