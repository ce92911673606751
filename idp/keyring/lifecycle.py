"""Key states and the operator's actions on them: generate, rotate, retire, revoke, rewrap.

    next ──rotate──▶ active ──rotate──▶ retired ──(longest token lifetime + skew)──▶ unpublished
      └──────────────┴──────── revoke ─────────▶ revoked (withdrawn at once)

A key signs only after it was published as ``next`` for a whole JWKS cache lifetime, so a
relying party that caches the JWKS never meets an unknown ``kid``. Each transition is a
conditional UPDATE inside one transaction, and a partial unique index allows one active key
per algorithm: two instances rotating at once cannot both win.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp import clock
from idp.accounts import audit
from idp.keyring import kek as kek_module
from idp.keyring.keyring import SUPPORTED_ALGS, Keyring, KeyringError, is_published
from idp.storage import keys
from idp.storage.database import changed_rows
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import SigningKey


class RotationRefusedError(KeyringError):
    """The rotation cannot happen now; the message says why and what to do."""


@dataclass
class Timing:
    jwks_max_age: int
    longest_token_lifetime: int
    clock_skew: int
    key_cache_seconds: int
    rotation_days: int

    @property
    def retired_lifetime(self) -> timedelta:
        """How long a retired key stays published: its last tokens must still verify."""
        return timedelta(
            seconds=self.longest_token_lifetime + self.clock_skew + self.key_cache_seconds
        )


def describe(row: SigningKey) -> dict[str, Any]:
    return {
        "kid": row.kid,
        "alg": row.alg,
        "state": row.state,
        "published": is_published(row),
        "created": _iso(row.created_at),
        "activated": _iso(row.activated_at),
        "retired": _iso(row.retired_at),
        "retires_at": _iso(row.unpublish_at),
        "revoked": _iso(row.revoked_at),
        "revoke_reason": row.revoke_reason,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


class KeyLifecycle:
    def __init__(
        self,
        db_session: Callable[[], Session],
        keyring: Keyring,
        store: EphemeralStore,
        timing: Timing,
    ) -> None:
        self._db_session = db_session
        self._keyring = keyring
        self._store = store
        self.timing = timing

    def all_keys(self) -> list[SigningKey]:
        return (
            self._db_session()
            .query(SigningKey)
            .order_by(SigningKey.alg, SigningKey.created_at)
            .all()
        )

    def published_ages(self) -> list[tuple[str, str, str, float]]:
        """(kid, alg, state, seconds since activation or creation) of each published key."""
        now = clock.utcnow()
        return [
            (k.kid, k.alg, k.state, (now - (k.activated_at or k.created_at)).total_seconds())
            for k in self.all_keys()
            if k.state in ("next", "active", "retired")
        ]

    def generate(self, alg: str, actor: str) -> SigningKey:
        """A new ``next`` key, published now, signing after the next rotation."""
        if alg not in SUPPORTED_ALGS:
            raise KeyringError(f"unsupported algorithm {alg!r}; one of {', '.join(SUPPORTED_ALGS)}")
        row = self._keyring.generate(alg, state="next")
        audit.record(self._db_session(), actor, "key.generated", f"key:{row.kid}", alg=alg)
        self._commit()
        return row

    def rotate(
        self, actor: str, alg: str | None = None, if_due: bool = False, force: bool = False
    ) -> list[str]:
        """next → active, active → retired, a fresh next; for ``alg`` or every active alg.

        Returns the newly active kids (empty when ``if_due`` and nothing was due).
        """
        algs = [alg] if alg else sorted({r.alg for r in self.all_keys() if r.state == "active"})
        activated = []
        for one in algs:
            if if_due and not self._is_due(one):
                continue
            activated.append(self._rotate_one(one, actor, force))
        return activated

    def retire(self, kid: str, actor: str) -> None:
        """Retire an active key (a rotation of its algorithm) or withdraw an unused next key."""
        row = self._require(kid)
        if row.state == "active":
            self._rotate_one(row.alg, actor, force=False)
        elif row.state == "next":
            now = clock.utcnow()
            self._transition(row.kid, "next", state="retired", retired_at=now, unpublish_at=now)
            audit.record(self._db_session(), actor, "key.retired", f"key:{kid}")
            self._commit()
        else:
            raise KeyringError(f"key {kid} is {row.state}: only next or active keys retire")

    def revoke(self, kid: str, reason: str, actor: str) -> None:
        """Withdraw a key at once (compromise): its tokens stop verifying everywhere."""
        row = self._require(kid)
        if row.state == "revoked":
            raise KeyringError(f"key {kid} is already revoked")
        if not reason.strip():
            raise KeyringError("say why the key is revoked (--reason)")
        successor = None
        if row.state == "active":
            successor = self._next_of(row.alg)
            if successor is None:
                raise KeyringError(
                    f"{kid} is the only {row.alg} key that can sign: `idp keys generate --alg "
                    f"{row.alg}` first, then revoke (the new key takes over at once)"
                )
        now = clock.utcnow()
        self._transition(
            kid, row.state, state="revoked", revoked_at=now, revoke_reason=reason.strip()[:200]
        )
        if successor is not None:
            self._transition(successor.kid, "next", state="active", activated_at=now)
        audit.record(
            self._db_session(),
            actor,
            "key.revoked",
            f"key:{kid}",
            reason=reason,
            successor=successor.kid if successor else None,
        )
        self._commit()
        lifetime = int(self.timing.retired_lifetime.total_seconds()) + 60
        self._store.put(keys.revoked_key(kid), {"at": int(now.timestamp())}, lifetime)

    def rewrap(self, new_kek: bytes, actor: str) -> int:
        """Re-encrypt every private key under a new KEK (then switch IDP_KEY_ENCRYPTION_KEY)."""
        rows = self.all_keys()
        for row in rows:
            plain = kek_module.decrypt(
                self._keyring.kek, row.private_jwk_encrypted, row.kid.encode()
            )
            row.private_jwk_encrypted = kek_module.encrypt(new_kek, plain, row.kid.encode())
        audit.record(self._db_session(), actor, "key.rewrapped", "keys", count=len(rows))
        self._commit()
        self._keyring.use_kek(new_kek)  # this process goes on with the new KEK
        return len(rows)

    def _rotate_one(self, alg: str, actor: str, force: bool) -> str:
        upcoming = self._next_of(alg)
        if upcoming is None:
            raise RotationRefusedError(
                f"no next {alg} key: `idp keys generate --alg {alg}`, then rotate after "
                f"{self.timing.jwks_max_age} s (one JWKS cache lifetime)"
            )
        age = (clock.utcnow() - upcoming.created_at).total_seconds()
        if age < self.timing.jwks_max_age and not force:
            raise RotationRefusedError(
                f"next {alg} key {upcoming.kid} has been published for {int(age)} s only: "
                f"relying parties may cache the JWKS {self.timing.jwks_max_age} s; rotate later "
                f"(or --force in an emergency)"
            )
        now = clock.utcnow()
        current = self._active_of(alg)
        if current is not None:
            self._transition(
                current.kid,
                "active",
                state="retired",
                retired_at=now,
                unpublish_at=now + self.timing.retired_lifetime,
            )
        self._transition(upcoming.kid, "next", state="active", activated_at=now)
        fresh = self._keyring.generate(alg, state="next")
        audit.record(
            self._db_session(),
            actor,
            "key.rotated",
            f"key:{upcoming.kid}",
            alg=alg,
            retired=current.kid if current else None,
            next=fresh.kid,
        )
        self._commit()
        return upcoming.kid

    def _transition(self, kid: str, expected: str, **values: Any) -> None:
        """Change a key only if it is still in ``expected`` state (else another instance won)."""
        result = self._db_session().execute(
            update(SigningKey)
            .where(SigningKey.kid == kid, SigningKey.state == expected)
            .values(**values)
        )
        if changed_rows(result) != 1:
            self._db_session().rollback()
            raise RotationRefusedError(f"key {kid} changed meanwhile (another instance?)")

    def _commit(self) -> None:
        try:
            self._db_session().commit()
        except IntegrityError as exc:
            self._db_session().rollback()
            raise RotationRefusedError("another instance rotated at the same time") from exc
        self._keyring.reload()

    def _is_due(self, alg: str) -> bool:
        current = self._active_of(alg)
        if current is None or current.activated_at is None:
            return True
        return clock.utcnow() - current.activated_at >= timedelta(days=self.timing.rotation_days)

    def _require(self, kid: str) -> SigningKey:
        row = self._db_session().get(SigningKey, kid)
        if row is None:
            raise KeyringError(f"no key {kid!r}")
        return row

    def _next_of(self, alg: str) -> SigningKey | None:
        return (
            self._db_session()
            .query(SigningKey)
            .filter_by(alg=alg, state="next")
            .order_by(SigningKey.created_at)
            .first()
        )

    def _active_of(self, alg: str) -> SigningKey | None:
        return self._db_session().query(SigningKey).filter_by(alg=alg, state="active").first()
