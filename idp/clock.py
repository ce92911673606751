"""The provider's time: this machine's clock, set right by the clock of the store every
instance shares.

Instances compare each other's timestamps all day: a token's ``iat`` and ``exp``, an emailed
code's expiry, the "everything before this instant" cut-off of a sign-out everywhere, a
session's ``auth_time`` against the request it answers. With one machine five minutes
ahead, codes would expire early there, a sign-out everywhere recorded there would refuse the
next day's tokens for five minutes, and tokens issued there would look issued in the future
to the modules. So each process reads the shared store's time (Redis ``TIME``; the
in-process store of a single instance is this machine's own clock) once a minute and adds
the difference to its own clock. The difference is exported as ``idp_clock_offset_seconds``
and logged above 5 seconds, so that an operator mends the machine's time (NTP).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from itsdangerous import TimestampSigner

RESYNC_SECONDS = 60.0
WARN_ABOVE_SECONDS = 5.0

log = logging.getLogger(__name__)


class Clock:
    def __init__(self, reference: Callable[[], float] | None = None) -> None:
        self._reference = reference
        self._offset = 0.0
        self._next_sync = 0.0
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        """Seconds to add to this machine's clock to get the shared time."""
        return self._offset

    def follow(self, reference: Callable[[], float] | None) -> None:
        """Take the time from ``reference`` (None: this machine's clock) from now on."""
        with self._lock:
            self._reference, self._offset, self._next_sync = reference, 0.0, 0.0

    def now(self) -> float:
        if self._reference is not None and time.monotonic() >= self._next_sync:
            self._sync()
        return time.time() + self._offset

    def _sync(self) -> None:
        """Measure the offset halfway through the round trip. A store that does not answer
        leaves the last offset in place (its outage is reported where it is used)."""
        with self._lock:
            if time.monotonic() < self._next_sync or self._reference is None:
                return
            self._next_sync = time.monotonic() + RESYNC_SECONDS
            before = time.time()
            try:
                shared = self._reference()
            except Exception as error:  # noqa: BLE001 (keeping time must never fail a request)
                log.warning("could not read the shared clock: %s", type(error).__name__)
                return
            offset = shared - (before + time.time()) / 2
            if abs(offset) > WARN_ABOVE_SECONDS:
                log.warning("this machine's clock is %+.1f s off the shared clock", -offset)
            self._offset = offset


_clock = Clock()


def follow(reference: Callable[[], float] | None) -> None:
    _clock.follow(reference)


def offset() -> float:
    return _clock.offset


def now() -> float:
    """Seconds since the epoch, on the shared clock."""
    return _clock.now()


def seconds() -> int:
    return int(_clock.now())


def utcnow() -> datetime:
    return datetime.fromtimestamp(_clock.now(), UTC)


def today() -> date:
    """Today's date in UTC (habilitations start and end on dates)."""
    return utcnow().date()


class SharedClockSigner(TimestampSigner):
    """itsdangerous's timed signatures on the shared clock: a cookie signed by an instance
    ahead would otherwise be refused as "signed in the future" by one behind."""

    def get_timestamp(self) -> int:
        return seconds()
