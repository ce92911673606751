"""Access tokens whose signature and claims were already checked by this worker.

A module presents the same access token on every call for its lifetime (minutes), and
introspection and userinfo verified the signature each time: about a fifth of their cost
(bench/RESULTS.md). The result of checking an exact token string cannot change, so it is
kept until the token expires. What can change — a revoked key, token, grant or account — is
not cached: the revocation markers are read from the shared store on every call.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from idp import clock

#: bounded: a worker's memory budget is 150 MB and a token's claims can hold habilitations
MAX_ENTRIES = 4096


class VerifiedTokens:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._lock = threading.Lock()
        self._entries: dict[bytes, tuple[str, dict[str, Any]]] = {}

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> tuple[str, dict[str, Any]] | None:
        """(kid, claims) of a token verified before and not yet expired."""
        entry = self._entries.get(self._key(token))
        if entry is None or entry[1]["exp"] <= clock.now():
            return None
        return entry

    def put(self, token: str, kid: str, claims: dict[str, Any]) -> None:
        with self._lock:
            if len(self._entries) >= self._max:
                now = clock.now()
                self._entries = {k: v for k, v in self._entries.items() if v[1]["exp"] > now}
                while len(self._entries) >= self._max:  # all live: drop the oldest
                    del self._entries[next(iter(self._entries))]
            self._entries[self._key(token)] = (kid, claims)
