"""Passkeys (WebAuthn Level 3, FIDO2): their ceremonies, on py_webauthn, and what is kept.

py_webauthn (``webauthn``) does the checks of the specification — the challenge, the exact
origin, the RP ID's hash, the flags, the signature, the attestation statement — on plain
bytes and JSON, with no web framework of its own; what is ours is which challenge belongs to
which step, what a passkey records, and what a login with one proves (``passkey_level``).

- The RP ID is the issuer's host, a domain name (browsers refuse an IP address): with an
  issuer on an IP address passkeys are off (``PasskeyPolicy.enabled``).
- A challenge is single use, lives 5 minutes, and is bound to what it was made for (a pending
  login of this browser, or the account page's session): the caller names that binding, and a
  response checked against another binding is refused.
- The user handle is 32 random bytes per account, never the username or the national id.
- A passkey records how it was activated (the level of the sign-in that added it), when, its
  AAGUID, whether it is synced (backup eligible, backed up), its transports, its last use and
  its sign count. A sign count that goes back (a cloned authenticator) refuses the login,
  suspends the passkey for good (a copy would otherwise catch up with the count), and is
  audited and mailed to the account.
- Attestation ``none``; an AAGUID allow-list (``passkey_aaguids``) for structures that
  homologate given hardware keys refuses any other, with a clear message.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from idp import clock
from idp.accounts import audit, users
from idp.authn.context import (
    ACR_PASSKEY,
    ACR_PASSKEY_PSC,
    ACR_PSC,
    AMR_HARDWARE_KEY,
    AMR_MFA,
    AMR_SOFTWARE_KEY,
    AMR_USER_PRESENCE,
)
from idp.errors import IdpError
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import Passkey, User

CHALLENGE_TTL = 300
#: a browser's answer is a few kB; anything much larger is not one
MAX_RESPONSE_BYTES = 16_384
NAME_LENGTH = 60
KNOWN_TRANSPORTS = {t.value for t in AuthenticatorTransport}


class PasskeyError(IdpError):
    """A ceremony failed; ``code`` says why (the pages and the JSON answers show it)."""

    code = "passkey_refused"


class ChallengeExpiredError(PasskeyError):
    code = "passkey_challenge_expired"


class UnknownPasskeyError(PasskeyError):
    code = "passkey_unknown"


class PasskeyNotAllowedError(PasskeyError):
    """The authenticator's model is not on the structure's allow-list."""

    code = "passkey_model_not_allowed"


class ClonedAuthenticatorError(PasskeyError):
    """The sign count went back: two authenticators hold the same key."""

    code = "passkey_cloned"


@dataclass(frozen=True)
class PasskeyPolicy:
    rp_id: str | None  # None: the issuer's host is an IP address, passkeys are off
    rp_name: str
    origin: str
    aaguids: frozenset[str]

    @property
    def enabled(self) -> bool:
        return self.rp_id is not None


@dataclass(frozen=True)
class PasskeyLevel:
    """What a login with a passkey proves: the level of its activation, and its methods."""

    acr: str
    amr: list[str]


def passkey_level(passkey: Passkey, user_verified: bool) -> PasskeyLevel:
    """A passkey activated through Pro Santé Connect gives ``passkey-psc``, one activated
    after a password and a second factor ``passkey``. Synced and device-bound passkeys sit at
    the same level (both phishing-resistant; docs/features.md); ``amr`` tells them apart:
    ``hwk`` for a key bound to its device, ``swk`` for one synced by a provider (NIST SP
    800-63B-4: AAL3 and AAL2)."""
    acr = ACR_PASSKEY_PSC if passkey.activated_with == ACR_PSC else ACR_PASSKEY
    amr = [AMR_SOFTWARE_KEY if passkey.backup_eligible else AMR_HARDWARE_KEY, AMR_USER_PRESENCE]
    if user_verified:
        amr.append(AMR_MFA)  # the key and the PIN or fingerprint that unlocked it
    return PasskeyLevel(acr, amr)


@dataclass(frozen=True)
class Proven:
    """A verified assertion: whose, with which passkey, at which level."""

    user: User
    passkey: Passkey
    level: PasskeyLevel


class Passkeys:
    def __init__(
        self,
        db_session: Callable[[], Session],
        store: EphemeralStore,
        policy: PasskeyPolicy,
        notify: Callable[[User, str, str], None],
    ) -> None:
        self._db_session = db_session
        self._store = store
        self.policy = policy
        self._notify = notify

    # --- reading -------------------------------------------------------------------------
    def of(self, user: User) -> list[Passkey]:
        return (
            self._db_session()
            .query(Passkey)
            .filter_by(user_id=user.id)
            .order_by(Passkey.created_at)
            .all()
        )

    def has_any(self, user_id: int) -> bool:
        return self._db_session().query(Passkey.id).filter_by(user_id=user_id).first() is not None

    # --- registration --------------------------------------------------------------------
    def registration_options(self, user: User, bound_to: str) -> tuple[str, str]:
        """(challenge id, options as JSON) to add a passkey to ``user``'s account."""
        self._require_enabled()
        handle = self._handle(user)
        options = generate_registration_options(
            rp_id=str(self.policy.rp_id),
            rp_name=self.policy.rp_name,
            user_id=base64url_to_bytes(handle),
            user_name=user.username,
            user_display_name=f"{user.given_name} {user.family_name}".strip() or user.username,
            timeout=CHALLENGE_TTL * 1000,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[self._descriptor(p) for p in self.of(user)],
        )
        challenge_id = self._keep_challenge(options.challenge, "register", bound_to, user.id)
        return challenge_id, options_to_json(options)

    def register(
        self,
        user: User,
        challenge_id: str,
        response: str,
        bound_to: str,
        name: str,
        activated_with: str,
    ) -> Passkey:
        """Check the browser's answer and keep the passkey; PasskeyError otherwise (nothing
        kept). ``activated_with``: the ``acr`` of the fresh sign-in that allowed it."""
        challenge = self._take_challenge(challenge_id, "register", bound_to, user.id)
        credential = _parsed(response)
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=str(self.policy.rp_id),
                expected_origin=self.policy.origin,
                require_user_verification=True,
            )
        except WebAuthnException as error:
            raise PasskeyError(str(error)) from None
        if self.policy.aaguids and verified.aaguid not in self.policy.aaguids:
            raise PasskeyNotAllowedError(verified.aaguid)
        session = self._db_session()
        if session.query(Passkey.id).filter_by(credential_id=verified.credential_id).first():
            raise PasskeyError("this passkey is registered already")
        transports = (credential.get("response") or {}).get("transports") or []
        passkey = Passkey(
            user_id=user.id,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            aaguid=verified.aaguid,
            transports=[t for t in transports if t in KNOWN_TRANSPORTS][:8],
            backup_eligible=verified.credential_device_type == "multi_device",
            backed_up=verified.credential_backed_up,
            name=_name(name) or "Clé d'accès",
            activated_with=activated_with,
            activated_at=clock.utcnow(),
        )
        session.add(passkey)
        session.flush()
        audit.record(
            session,
            user.username,
            "user.passkey_added",
            f"user:{user.subject}",
            description=f"Ajout d'une clé d'accès ({passkey.name})",
            activated_with=activated_with,
        )
        session.commit()
        self._notify(
            user,
            "clé d'accès ajoutée",
            f"Une clé d'accès ({passkey.name}) a été ajoutée à votre compte ViaTrajectoire. "
            "Si vous n'en êtes pas à l'origine, contactez votre référent.",
        )
        return passkey

    # --- authentication ------------------------------------------------------------------
    def login_options(self, bound_to: str, user_id: int | None = None) -> tuple[str, str]:
        """(challenge id, options as JSON): for any discoverable passkey (``user_id`` None:
        a passwordless sign-in), or for the account's own (a second factor)."""
        self._require_enabled()
        allowed = []
        if user_id is not None:
            allowed = [
                self._descriptor(p)
                for p in self._db_session().query(Passkey).filter_by(user_id=user_id)
            ]
        options = generate_authentication_options(
            rp_id=str(self.policy.rp_id),
            timeout=CHALLENGE_TTL * 1000,
            allow_credentials=allowed,
            user_verification=(
                UserVerificationRequirement.REQUIRED
                if user_id is None
                else UserVerificationRequirement.PREFERRED
            ),
        )
        challenge_id = self._keep_challenge(options.challenge, "login", bound_to, user_id)
        return challenge_id, options_to_json(options)

    def authenticate(
        self, challenge_id: str, response: str, bound_to: str, user_id: int | None = None
    ) -> Proven:
        """Check an assertion; the account and the level it proves. ``user_id``: the account
        whose second factor this is (its passkeys only); None for a passwordless sign-in,
        which requires user verification."""
        challenge = self._take_challenge(challenge_id, "login", bound_to, user_id)
        credential = _parsed(response)
        session = self._db_session()
        passkey = self._passkey_of(session, credential)
        if passkey.suspended_at is not None:
            raise ClonedAuthenticatorError(passkey.name)
        user = session.get(User, passkey.user_id)
        if user is None or (user_id is not None and user.id != user_id):
            raise UnknownPasskeyError("not this account's passkey")
        handle = (credential.get("response") or {}).get("userHandle")
        if handle and handle != user.passkey_handle:
            raise UnknownPasskeyError("the user handle is another account's")
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=str(self.policy.rp_id),
                expected_origin=self.policy.origin,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=0,  # compared below, to tell a clone apart
                require_user_verification=user_id is None,
            )
        except WebAuthnException as error:
            raise PasskeyError(str(error)) from None
        if (verified.new_sign_count or passkey.sign_count) and (
            verified.new_sign_count <= passkey.sign_count
        ):
            self._cloned(session, user, passkey, verified.new_sign_count)
        passkey.sign_count = verified.new_sign_count
        passkey.backed_up = verified.credential_backed_up
        passkey.last_used_at = clock.utcnow()
        session.commit()
        return Proven(user, passkey, passkey_level(passkey, verified.user_verified))

    def _cloned(self, session: Session, user: User, passkey: Passkey, count: int) -> None:
        stored = passkey.sign_count
        session.rollback()
        passkey.suspended_at = clock.utcnow()
        audit.record(
            session,
            "system",
            "user.passkey_cloned",
            f"user:{user.subject}",
            description=f"Connexion refusée : la clé d'accès {passkey.name} semble "
            "copiée (compteur en recul)",
            stored=stored,
            presented=count,
        )
        session.commit()
        self._notify(
            user,
            "connexion refusée : clé d'accès copiée ?",
            f"Une connexion avec votre clé d'accès « {passkey.name} » a été refusée : son "
            "compteur d'utilisation est revenu en arrière, ce qui arrive quand la clé a été "
            "copiée. Elle est suspendue : retirez-la de « Mon compte », ajoutez-en une autre, "
            "et prévenez votre référent.",
        )
        raise ClonedAuthenticatorError(passkey.name)

    # --- managing ------------------------------------------------------------------------
    def rename(self, user: User, passkey_id: int, name: str) -> None:
        passkey = self._own(user, passkey_id)
        wanted = _name(name)
        if not wanted or wanted == passkey.name:
            return
        passkey.name = wanted
        audit.record(
            self._db_session(),
            user.username,
            "user.passkey_renamed",
            f"user:{user.subject}",
            description=f"Clé d'accès renommée ({wanted})",
        )
        self._db_session().commit()

    def remove(self, user: User, passkey_id: int, actor: str) -> None:
        """Remove one passkey (its owner, or support and the référent for a lost device)."""
        passkey = self._own(user, passkey_id)
        session = self._db_session()
        session.delete(passkey)
        audit.record(
            session,
            actor,
            "user.passkey_removed",
            f"user:{user.subject}",
            description=f"Retrait de la clé d'accès {passkey.name}",
        )
        session.commit()
        self._notify(
            user,
            "clé d'accès retirée",
            f"La clé d'accès « {passkey.name} » a été retirée de votre compte ViaTrajectoire"
            + ("" if actor == user.username else f" par {actor}")
            + ".",
        )

    def _own(self, user: User, passkey_id: int) -> Passkey:
        passkey = self._db_session().get(Passkey, passkey_id)
        if passkey is None or passkey.user_id != user.id:
            raise UnknownPasskeyError("no such passkey")
        return passkey

    # --- helpers -------------------------------------------------------------------------
    def _require_enabled(self) -> None:
        if not self.policy.enabled:
            raise PasskeyError("passkeys need the issuer on a domain name")

    def _handle(self, user: User) -> str:
        """The account's user handle (random, made at its first passkey)."""
        if not user.passkey_handle:
            users.set_passkey_handle(
                self._db_session(), user, bytes_to_base64url(secrets.token_bytes(32))
            )
            self._db_session().commit()
        return str(user.passkey_handle)

    @staticmethod
    def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
        transports = [
            AuthenticatorTransport(t) for t in passkey.transports or [] if t in KNOWN_TRANSPORTS
        ]
        return PublicKeyCredentialDescriptor(id=passkey.credential_id, transports=transports)

    def _keep_challenge(
        self, challenge: bytes, purpose: str, bound_to: str, user_id: int | None
    ) -> str:
        challenge_id = secrets.token_urlsafe(24)
        value = {
            "challenge": bytes_to_base64url(challenge),
            "purpose": purpose,
            "bound": bound_to,
            "user_id": user_id,
        }
        self._store.put(keys.passkey_challenge(challenge_id), value, CHALLENGE_TTL)
        return challenge_id

    def _take_challenge(
        self, challenge_id: str, purpose: str, bound_to: str, user_id: int | None
    ) -> bytes:
        """The challenge, used up; ChallengeExpiredError if gone, or made for another step."""
        data = (
            self._store.consume(keys.passkey_challenge(challenge_id))
            if challenge_id and len(challenge_id) < 64
            else None
        )
        if (
            data is None
            or data["purpose"] != purpose
            or data["bound"] != bound_to
            or data["user_id"] != user_id
        ):
            raise ChallengeExpiredError("no such challenge")
        return base64url_to_bytes(data["challenge"])

    @staticmethod
    def _passkey_of(session: Session, credential: dict[str, Any]) -> Passkey:
        try:
            raw = base64url_to_bytes(str(credential.get("rawId") or credential.get("id") or ""))
        except ValueError:
            raise UnknownPasskeyError("not a credential id") from None
        passkey = session.query(Passkey).filter_by(credential_id=raw).one_or_none() if raw else None
        if passkey is None:
            raise UnknownPasskeyError("no such passkey")
        return passkey


def _parsed(response: str) -> dict[str, Any]:
    """The browser's answer as a JSON object, or PasskeyError."""
    if not isinstance(response, str) or not response or len(response) > MAX_RESPONSE_BYTES:
        raise PasskeyError("no answer, or too large")
    try:
        value = json.loads(response)
    except ValueError:
        raise PasskeyError("not JSON") from None
    if not isinstance(value, dict):
        raise PasskeyError("not a JSON object")
    return value


def _name(name: str) -> str:
    return " ".join((name or "").split())[:NAME_LENGTH]
