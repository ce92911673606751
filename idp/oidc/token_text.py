"""What a token's text tells before any lookup: its digest (what the store and the database
keep instead of the token) and whether it may be a JWT."""

from __future__ import annotations

import hashlib


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and len(token) < 8192
