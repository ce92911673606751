"""The provider's authentication levels (``acr``), weakest first, and how to compare them.

A module asks for a level; any stronger level satisfies it (a card login satisfies a page
that asks for the emailed code).
"""

from __future__ import annotations

from collections.abc import Iterable

PASSWORD = "urn:viatrajectoire:acr:password"
EMAIL_OTP = "urn:viatrajectoire:acr:otp-email"
TOTP = "urn:viatrajectoire:acr:totp"
PSC = "urn:viatrajectoire:acr:psc"
LEVELS = {PASSWORD: 1, EMAIL_OTP: 2, TOTP: 3, PSC: 4}


def satisfies(achieved: str | None, wanted: Iterable[str]) -> bool:
    """True when ``achieved`` is at least one of the ``wanted`` levels (unknown never is)."""
    level = LEVELS.get(achieved or "", 0)
    return any(level >= LEVELS.get(value, 99) for value in wanted)
