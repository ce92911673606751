"""Authenticator apps (TOTP, RFC 6238, with pyotp): the stronger second factor.

Enrolment: a fresh secret waits 10 minutes in the ephemeral store until the person proves the
app works with a first code; only then is it stored, encrypted under the KEK. Ten recovery
codes are shown once and stored as keyed hashes. A code is accepted within one 30-second step
of drift, and never twice: the last step used is kept and raised atomically.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any

import pyotp
import segno
from sqlalchemy import exists, update
from sqlalchemy.orm import Session

from idp import clock
from idp.accounts import audit
from idp.authn.constant_time import same_text
from idp.errors import IdpError
from idp.keyring import kek as kek_module
from idp.storage import keys
from idp.storage.database import changed_rows
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import RecoveryCode, TotpCredential, User

ISSUER_NAME = "ViaTrajectoire"
ENROLMENT_TTL = 600
RECOVERY_CODES = 10
STEP = 30


class TotpCodeError(IdpError):
    """Wrong, replayed or expired app code (or recovery code)."""


class TotpEnrolment:
    def __init__(self, secret: str, uri: str) -> None:
        self.secret = secret
        self.uri = uri

    def qr_data_uri(self) -> str:
        """The QR code as an SVG data URI, drawn here: no external service sees the secret."""
        return segno.make(self.uri, error="m").svg_data_uri(scale=5, dark="#161616")


class Totp:
    def __init__(
        self, db_session: Callable[[], Session], store: EphemeralStore, kek: bytes, hash_key: str
    ) -> None:
        self._db_session = db_session
        self._store = store
        self._kek = kek
        self._hash_key = hash_key.encode()

    def is_enrolled(self, user: User) -> bool:
        return self._credential(user) is not None

    @staticmethod
    def enrolled_clause(user_id: Any) -> Any:
        """``is_enrolled`` as a SQL condition, for a query that reads the account with it."""
        return exists().where(TotpCredential.__table__.c.user_id == user_id)

    def begin(self, user: User) -> TotpEnrolment:
        """A new secret waiting for its first code (replaces any unfinished enrolment)."""
        data = self._store.get(self._enrol_key(user))
        secret = data["secret"] if data else pyotp.random_base32()
        self._store.put(self._enrol_key(user), {"secret": secret}, ENROLMENT_TTL)
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER_NAME)
        return TotpEnrolment(secret, uri)

    def confirm(self, user: User, code: str) -> list[str]:
        """Store the app once a first code proves it works; returns the recovery codes."""
        data = self._store.get(self._enrol_key(user))
        step = self._matching_step(data["secret"], code) if data else None
        if data is None or step is None:
            raise TotpCodeError()
        session = self._db_session()
        session.query(TotpCredential).filter_by(user_id=user.id).delete()
        session.query(RecoveryCode).filter_by(user_id=user.id).delete()
        encrypted = kek_module.encrypt(self._kek, data["secret"].encode(), self._aad(user))
        session.add(
            TotpCredential(user_id=user.id, secret_encrypted=encrypted, last_used_step=step)
        )
        codes = [self._new_recovery_code() for _ in range(RECOVERY_CODES)]
        session.add_all(RecoveryCode(user_id=user.id, code_hash=self._hash(c)) for c in codes)
        audit.record(
            session,
            user.username,
            "user.totp_enrolled",
            f"user:{user.subject}",
            description="Application d'authentification activée",
        )
        session.commit()
        self._store.delete(self._enrol_key(user))
        return codes

    def verify(self, user: User, code: str) -> str:
        """Accept an app code or a recovery code once; returns "totp" or "recovery"."""
        code = (code or "").strip().replace(" ", "").replace("-", "")
        credential = self._credential(user)
        if credential is None or not code or len(code) > 32:
            raise TotpCodeError()
        if code.isdigit() and len(code) == 6:
            secret = kek_module.decrypt(self._kek, credential.secret_encrypted, self._aad(user))
            step = self._matching_step(secret.decode(), code)
            if step is not None and self._claim_step(credential, step):
                return "totp"
            raise TotpCodeError()
        if self._use_recovery_code(user, code):
            return "recovery"
        raise TotpCodeError()

    def remove(self, user: User, actor: str) -> None:
        session = self._db_session()
        session.query(TotpCredential).filter_by(user_id=user.id).delete()
        session.query(RecoveryCode).filter_by(user_id=user.id).delete()
        audit.record(
            session,
            actor,
            "user.totp_removed",
            f"user:{user.subject}",
            description="Application d'authentification retirée",
        )
        session.commit()

    def remaining_recovery_codes(self, user: User) -> int:
        return (
            self._db_session().query(RecoveryCode).filter_by(user_id=user.id, used_at=None).count()
        )

    def _matching_step(self, secret: str, code: str) -> int | None:
        code = (code or "").strip().replace(" ", "")
        totp = pyotp.TOTP(secret)
        now = clock.seconds()
        for drift in (0, -1, 1):
            at = now + drift * STEP
            if same_text(totp.at(at), code):
                return at // STEP
        return None

    def _claim_step(self, credential: TotpCredential, step: int) -> bool:
        """Atomically move the last used step forward: a code cannot be used twice."""
        session = self._db_session()
        result = session.execute(
            update(TotpCredential)
            .where(TotpCredential.id == credential.id, TotpCredential.last_used_step < step)
            .values(last_used_step=step)
        )
        session.commit()
        return changed_rows(result) == 1

    def _use_recovery_code(self, user: User, code: str) -> bool:
        session = self._db_session()
        result = session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == self._hash(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=clock.utcnow())
        )
        if changed_rows(result) == 1:
            audit.record(
                session,
                user.username,
                "user.recovery_code_used",
                f"user:{user.subject}",
                description="Code de secours utilisé",
            )
        session.commit()
        return changed_rows(result) == 1

    def _credential(self, user: User) -> TotpCredential | None:
        return self._db_session().query(TotpCredential).filter_by(user_id=user.id).one_or_none()

    def _new_recovery_code(self) -> str:
        raw = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"

    def _hash(self, code: str) -> str:
        normalized = code.replace("-", "").replace(" ", "").upper()
        return hmac.new(self._hash_key, normalized.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _aad(user: User) -> bytes:
        return f"totp:{user.id}".encode()

    @staticmethod
    def _enrol_key(user: User) -> str:
        return keys.totp_enrolment(user.id)
