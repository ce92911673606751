"""Password hashes of the systems accounts are imported from, checked as they are until the
person's next login replaces them with argon2id.

Known formats: argon2 (``$argon2id$``, ``$argon2i$``), bcrypt (``$2a$``, ``$2b$``, ``$2y$``),
PBKDF2-SHA256 as Django writes it (``pbkdf2_sha256$iterations$salt$base64``) and as passlib
does (``$pbkdf2-sha256$rounds$salt$checksum`` in passlib's "ab64" alphabet). Anything else
is not a usable hash: the account is imported without a password.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable

import bcrypt

ARGON2 = re.compile(r"^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")
BCRYPT = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")
DJANGO_PBKDF2 = re.compile(r"^pbkdf2_sha256\$(\d{1,8})\$([^$]{1,128})\$([A-Za-z0-9+/=]{40,64})$")
PASSLIB_PBKDF2 = re.compile(
    r"^\$pbkdf2-sha256\$(\d{1,8})\$([./A-Za-z0-9]{0,128})\$([./A-Za-z0-9]{43})$"
)
#: an imported hash asking more than this is refused (a check must not take seconds)
MAX_ITERATIONS = 5_000_000
BCRYPT_MAX_BYTES = 72  # bcrypt ignores what follows; the legacy system did too


def kind(stored: str | None) -> str | None:
    """The format of a stored hash: argon2, bcrypt, pbkdf2_sha256, or None if unusable."""
    if not stored:
        return None
    if ARGON2.match(stored):
        return "argon2"
    if BCRYPT.match(stored) and 4 <= int(stored[4:6]) <= 16:
        return "bcrypt"
    for pattern in (DJANGO_PBKDF2, PASSLIB_PBKDF2):
        match = pattern.match(stored)
        if match and 1000 <= int(match[1]) <= MAX_ITERATIONS:
            return "pbkdf2_sha256"
    return None


def verify_legacy(stored: str, password: str) -> bool:
    """Check a bcrypt or PBKDF2-SHA256 hash (argon2 is Passwords' own)."""
    secret = password.encode("utf-8")
    if BCRYPT.match(stored):
        return bcrypt.checkpw(secret[:BCRYPT_MAX_BYTES], stored.encode("ascii"))
    if match := DJANGO_PBKDF2.match(stored):
        expected = _b64(match[3], base64.b64decode)
        salt = match[2].encode("utf-8")
    elif match := PASSLIB_PBKDF2.match(stored):
        expected = _b64(match[3], _ab64)
        salt = _b64(match[2], _ab64)
    else:
        return False
    if expected is None or salt is None:
        return False
    derived = hashlib.pbkdf2_hmac("sha256", secret, salt, int(match[1]), len(expected))
    return hmac.compare_digest(derived, expected)


def _ab64(text: str) -> bytes:
    """passlib's base64: "." for "+", no padding."""
    text = text.replace(".", "+")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _b64(text: str, decode: Callable[[str], bytes]) -> bytes | None:
    try:
        return decode(text)
    except (binascii.Error, ValueError):
        return None
