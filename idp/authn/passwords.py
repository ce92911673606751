"""Password hashing and checking with argon2id (OWASP Password Storage Cheat Sheet).

Unknown users are checked against a dummy hash so that "no such user" and "wrong password"
take the same time and give the same answer (no user enumeration).
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from idp.authn import password_formats
from idp.errors import IdpError

MAX_PASSWORD_LENGTH = 1024


class InvalidCredentialsError(IdpError):
    """Unknown user, wrong password or disabled account: one answer for all three."""


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    new_hash: str | None = None  # set when the stored hash used older parameters


class Passwords:
    """argon2id with the configured parameters, transparent rehash when they change."""

    def __init__(self, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self._dummy = self._hasher.hash("not a real password: equalizes timing")

    def hash(self, password: str) -> str:
        if not password or len(password) > MAX_PASSWORD_LENGTH:
            raise ValueError("password must be 1 to 1024 characters")
        return self._hasher.hash(password)

    def check(self, stored_hash: str | None, password: str) -> PasswordCheck:
        """Verify ``password``; with no stored hash, spend the same time and fail."""
        if len(password) > MAX_PASSWORD_LENGTH:
            password = password[:MAX_PASSWORD_LENGTH]
        if stored_hash is not None and password_formats.kind(stored_hash) not in (None, "argon2"):
            return self._check_legacy(stored_hash, password)
        target = stored_hash or self._dummy
        try:
            self._hasher.verify(target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return PasswordCheck(ok=False)
        if stored_hash is None:
            return PasswordCheck(ok=False)
        if self._hasher.check_needs_rehash(stored_hash):
            return PasswordCheck(ok=True, new_hash=self._hasher.hash(password))
        return PasswordCheck(ok=True)

    def _check_legacy(self, stored_hash: str, password: str) -> PasswordCheck:
        """An imported bcrypt or PBKDF2 hash: replaced by argon2id as soon as it matches."""
        if not password or not password_formats.verify_legacy(stored_hash, password):
            return PasswordCheck(ok=False)
        return PasswordCheck(ok=True, new_hash=self._hasher.hash(password))
