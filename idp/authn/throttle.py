"""Slowing down and stopping password guessing without handing out a denial of service.

Three counters in the ephemeral store, keyed by digests (no raw usernames in Redis):
- per account + source address: after ``throttle_after`` failures each new try waits
  2, 4, 8 … seconds (at most ``throttle_max_delay``);
- per account: consecutive failures from browsers it has not used; at ``lockout_threshold``
  those browsers are locked out for ``lockout_duration`` (``lockout.py``; a browser the
  account has used counts its own failures, ``known_browsers.py``);
- one source adds at most ``lockout_per_source`` failures to the account's count, so a single
  attacker who only knows a colleague's username cannot block the account alone.
Unknown usernames are counted the same way, so the answers never reveal whether one exists.
"""

from __future__ import annotations

import hashlib

from idp import clock
from idp.errors import IdpError
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore

WINDOW = 24 * 3600


class ThrottledError(IdpError):
    """Too many recent failures for this account from this source: wait ``wait`` seconds."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"wait {wait} s")
        self.wait = wait


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).lower().encode()).hexdigest()[:32]


class LoginThrottle:
    def __init__(self, store: EphemeralStore, after: int, max_delay: int, per_source: int) -> None:
        self._store = store
        self.after = after
        self.max_delay = max_delay
        self.per_source = per_source

    def check(self, username: str, source: str) -> bool:
        """Raise ThrottledError while this account + source must still wait; else whether
        any failure is on record for them (what ``succeeded`` has to clear)."""
        key = self._pair(username, source)
        raw, last, account = self._store.get_many([key, key + ":last", self._account(username)])
        count = int(raw) if isinstance(raw, int) else 0  # a counter of ``incr``
        if count >= self.after:
            delay = min(2 ** (count - self.after + 1), self.max_delay)
            wait = int((last or {"at": clock.now()})["at"] + delay - clock.now()) + 1
            if wait > 0:
                raise ThrottledError(wait)
        return raw is not None or last is not None or account is not None

    def failed(self, username: str, source: str, count_account: bool = True) -> int:
        """Record a failure; the account's new count, or 0 if this source no longer adds
        (or ``count_account`` is False: a browser the account has used has its own count).

        Counted with the store's atomic increment: concurrent failures each count (a
        read-then-write lost some, and let a fast attacker under the thresholds)."""
        key = self._pair(username, source)
        count = self._store.incr(key, WINDOW)
        self._store.put(key + ":last", {"at": clock.now()}, WINDOW)
        if count > self.per_source or not count_account:
            return 0
        return self._store.incr(self._account(username), WINDOW)

    def succeeded(self, username: str, source: str, failures_on_record: bool = True) -> None:
        """Clear the counters after a right password; no round trip when ``check`` found none
        (most logins). A failure counted between the two then stays: stricter, never laxer."""
        if failures_on_record:
            key = self._pair(username, source)
            self._store.delete(key, key + ":last", self._account(username))

    def reset_account(self, username: str) -> None:
        """A referent unblocked the account: start counting afresh."""
        self._store.delete(self._account(username))

    @staticmethod
    def _pair(username: str, source: str) -> str:
        return keys.failures_of_pair(_digest(username, source))

    @staticmethod
    def _account(username: str) -> str:
        return keys.failures_of_account(_digest(username))
