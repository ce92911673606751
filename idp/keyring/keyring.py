"""The keyring: which key signs, which keys verify, what the JWKS publishes.

Everything else asks the keyring for ``signing_key(alg)`` and ``public_jwks()`` and never
touches key material itself, so key rotation (a later issue) changes this package only.
Each worker caches the keys for ``key_cache_seconds`` so a change made by another instance
is picked up within that bound without a restart.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from joserfc.jwk import ECKey, Key, KeyParameters, KeySet, OKPKey, RSAKey
from sqlalchemy.orm import Session

from idp import clock
from idp.errors import IdpError
from idp.keyring import kek as kek_module
from idp.storage.models import SigningKey

SUPPORTED_ALGS = ("RS256", "PS256", "ES256", "EdDSA")
PUBLISHED_STATES = ("next", "active", "retired")


class KeyringError(IdpError):
    """No usable key for the requested algorithm."""


def generate_jwk(alg: str) -> Key:
    parameters: KeyParameters = {"alg": alg, "use": "sig"}
    if alg in ("RS256", "PS256"):
        key: Key = RSAKey.generate_key(2048, parameters=parameters)
    elif alg == "ES256":
        key = ECKey.generate_key("P-256", parameters=parameters)
    elif alg == "EdDSA":
        key = OKPKey.generate_key("Ed25519", parameters=parameters)
    else:
        raise KeyringError(f"unsupported algorithm {alg}")
    key.ensure_kid()
    return key


def is_published(row: SigningKey, now: datetime | None = None) -> bool:
    """next and active keys, and retired ones until their tokens can no longer be valid."""
    if row.state in ("next", "active"):
        return True
    now = now or clock.utcnow()
    return row.state == "retired" and row.unpublish_at is not None and row.unpublish_at > now


def load_private_jwk(kek: bytes, row: SigningKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(
        kek_module.decrypt(kek, row.private_jwk_encrypted, row.kid.encode())
    )
    return jwk


class Keyring:
    """Keys stored in SQL, private parts encrypted under the KEK, cached per worker."""

    def __init__(self, session: Callable[[], Session], kek: bytes, cache_seconds: int) -> None:
        self._session = session
        self._kek = kek
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._loaded_at = -1e9
        self._signing: dict[str, Key] = {}
        self._public: KeySet = KeySet([])
        self._jwks: dict[str, Any] = {"keys": []}

    def generate(self, alg: str, state: str = "next") -> SigningKey:
        """Create and store a key; the caller commits."""
        jwk = generate_jwk(alg)
        kid = str(jwk.kid)
        private = json.dumps(jwk.as_dict(private=True)).encode()
        record = SigningKey(
            kid=kid,
            alg=alg,
            state=state,
            public_jwk=jwk.as_dict(private=False),
            private_jwk_encrypted=kek_module.encrypt(self._kek, private, kid.encode()),
            activated_at=clock.utcnow() if state == "active" else None,
        )
        self._session().add(record)
        self._loaded_at = -1e9
        return record

    def ensure_key(self, alg: str) -> bool:
        """Make sure ``alg`` has an active key and a next one; True if any was created."""
        created = False
        for state in ("active", "next"):
            if not self._session().query(SigningKey).filter_by(alg=alg, state=state).first():
                self.generate(alg, state=state)
                created = True
        return created

    @property
    def kek(self) -> bytes:
        return self._kek

    def use_kek(self, kek: bytes) -> None:
        self._kek = kek
        self.reload()

    def signing_key(self, alg: str = "RS256") -> Key:
        """The active private key for ``alg``; its ``kid`` is always set."""
        self._refresh()
        key = self._signing.get(alg)
        if key is None:
            raise KeyringError(f"no active signing key for {alg}; run `idp init`")
        return key

    def public_keyset(self) -> KeySet:
        """Every published public key, for verifying our own tokens."""
        self._refresh()
        return self._public

    def public_jwks(self) -> dict[str, Any]:
        self._refresh()
        return self._jwks

    def algorithms(self) -> list[str]:
        self._refresh()
        return sorted(self._signing)

    def verify_kek(self) -> None:
        """Decrypt every usable key now, so a wrong KEK fails at start-up, not at signing."""
        for row in self._session().query(SigningKey).filter(SigningKey.state != "revoked"):
            load_private_jwk(self._kek, row)
        self.reload()

    def reload(self) -> None:
        """Forget the cache: the next use reads the keys again."""
        self._loaded_at = -1e9

    def _refresh(self) -> None:
        if time.monotonic() - self._loaded_at < self._cache_seconds:
            return
        with self._lock:
            if time.monotonic() - self._loaded_at < self._cache_seconds:
                return
            self._load()
            self._loaded_at = time.monotonic()

    def _load(self) -> None:
        session = self._session()
        published = session.query(SigningKey).filter(SigningKey.state.in_(PUBLISHED_STATES)).all()
        # the JWKS lists active keys first, then next, then retired: the same order on every
        # worker and every database (it followed the rows' physical order before)
        order = {"active": 0, "next": 1, "retired": 2}
        rows = sorted(
            (row for row in published if is_published(row)),
            key=lambda row: (order[row.state], row.alg, row.kid),
        )
        signing: dict[str, Key] = {}
        for row in rows:
            if row.state == "active":
                jwk = load_private_jwk(self._kek, row)
                signing[row.alg] = KeySet.import_key_set({"keys": [jwk]}).keys[0]
        public = [row.public_jwk for row in rows]
        self._signing = signing
        self._public = KeySet.import_key_set({"keys": public}) if public else KeySet([])
        self._jwks = {"keys": public}
