"""The provider's authentication levels (``acr``), weakest first, and how to compare them.

A module asks for a level; any stronger level satisfies it (a card login satisfies a page
that asks for the emailed code).
"""

from __future__ import annotations

from collections.abc import Iterable

PASSWORD = "urn:viatrajectoire:acr:password"
EMAIL_OTP = "urn:viatrajectoire:acr:otp-email"
TOTP = "urn:viatrajectoire:acr:totp"
#: a passkey (phishing-resistant), activated after a password and a second factor
PASSKEY = "urn:viatrajectoire:acr:passkey"
#: a passkey activated through Pro Santé Connect (FIDO means activated by e-CPS, RIE v2)
PASSKEY_PSC = "urn:viatrajectoire:acr:passkey-psc"
PSC = "urn:viatrajectoire:acr:psc"
LEVELS = {PASSWORD: 1, EMAIL_OTP: 2, TOTP: 3, PASSKEY: 4, PASSKEY_PSC: 5, PSC: 6}
#: the levels that resist phishing (a passkey's, Pro Santé Connect's)
PHISHING_RESISTANT = frozenset({PASSKEY, PASSKEY_PSC, PSC})


def satisfies(achieved: str | None, wanted: Iterable[str]) -> bool:
    """True when ``achieved`` is at least one of the ``wanted`` levels (unknown never is)."""
    level = LEVELS.get(achieved or "", 0)
    return any(level >= LEVELS.get(value, 99) for value in wanted)
