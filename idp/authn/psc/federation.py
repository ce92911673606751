"""Signing in through Pro Santé Connect, as a use case: start, callback, link, logout.

The browser carries only the ``state``; the nonce, the PKCE verifier and the pending request
live in the ephemeral store under that state and are consumed by the callback, so a state is
good once and only in the browser that started the login. What PSC returns turns into a
session on the linked account under the same rules as a password login (deactivated, blocked,
no valid habilitation); an identity with no account is held for a one-time "rattachement".
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from idp import clock, metrics
from idp.accounts import eligibility, national_ids, users
from idp.authn.constant_time import same_text
from idp.authn.context import ACR_PSC, AMR_BY_PSC_MODE
from idp.authn.psc.claims import PscClaimsError, PscIdentity, parse
from idp.authn.psc.client import PscClient, PscDeniedError, PscError, PscRejectedError
from idp.authn.sessions import SessionService, SsoSession
from idp.errors import IdpError
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import User

log = logging.getLogger(__name__)
STATE_TTL = 900
LINK_TTL = 900


class NoLinkedAccountError(IdpError):
    """PSC identified a professional whom no account is linked to yet."""

    def __init__(self, link_id: str, identity: PscIdentity) -> None:
        super().__init__("no linked account")
        self.link_id = link_id
        self.identity = identity


class LinkExpiredError(IdpError):
    """The identity held for linking is gone (expired or used)."""


@dataclass
class Callback:
    """A verified PSC answer."""

    identity: PscIdentity
    id_token: str
    pending_id: str | None
    id_claims: dict[str, Any]
    userinfo: dict[str, Any]


class PscFederation:
    def __init__(
        self,
        client: PscClient,
        store: EphemeralStore,
        db_session: Callable[[], Session],
        sessions: SessionService,
        notify: Callable[[User, str, str], None],
    ) -> None:
        self.client = client
        self._store = store
        self._db_session = db_session
        self._sessions = sessions
        self._notify = notify

    # --- the round trip through PSC -------------------------------------------------------
    def start(self, redirect_uri: str, pending_id: str | None) -> tuple[str, str]:
        """(state, URL of PSC's authorization endpoint) for a new login."""
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)
        url = self.client.authorization_url(redirect_uri, state, nonce, verifier)
        record = {
            "nonce": nonce,
            "verifier": verifier,
            "redirect_uri": redirect_uri,
            "pending_id": pending_id,
        }
        self._store.put(self._state_key(state), record, STATE_TTL)
        return state, url

    def callback(self, args: dict[str, str], browser_state: str | None) -> Callback:
        """Check PSC's redirect and what it vouches for; raises a PscError with a reason."""
        state = args.get("state") or ""
        if not state or len(state) > 200:
            raise PscRejectedError("state missing from the callback")
        if not browser_state or not same_text(browser_state, state):
            raise PscRejectedError("state does not belong to this browser")
        record = self._store.consume(self._state_key(state))
        if record is None:
            raise PscRejectedError("state unknown, expired or already used")
        try:
            return self._verified(args, record)
        except PscError as error:
            error.pending_id = record["pending_id"]  # the way back continues the RP's request
            raise

    def _verified(self, args: dict[str, str], record: dict[str, Any]) -> Callback:
        if args.get("error"):
            raise PscDeniedError(args["error"][:60])
        if "iss" in args and args["iss"] != self.client.issuer:
            raise PscRejectedError("iss in the callback is not PSC's issuer")
        code = args.get("code") or ""
        if not code or len(code) > 2000:
            raise PscRejectedError("no code in the callback")
        tokens = self.client.exchange(code, record["redirect_uri"], record["verifier"])
        claims = self.client.verify_id_token(
            tokens["id_token"], record["nonce"], tokens["access_token"]
        )
        userinfo = self.client.userinfo(tokens["access_token"], claims["sub"])
        try:
            identity = parse(claims, userinfo)
        except PscClaimsError as error:
            raise PscRejectedError("no SubjectNameID in PSC's answer") from error
        return Callback(identity, tokens["id_token"], record["pending_id"], claims, userinfo)

    # --- the account ---------------------------------------------------------------------
    @metrics.outcomes(
        metrics.LOGINS,
        "psc",
        {
            NoLinkedAccountError: "not_linked",
            eligibility.NotEligibleError: "refused",
        },
    )
    def sign_in(self, answer: Callback) -> SsoSession:
        """A session on the linked account; NoLinkedAccountError holds the identity to link."""
        session = self._db_session()
        user = national_ids.find_account(
            session, answer.identity.national_id, answer.identity.linkable_ids()
        )
        if user is None or not user.national_id_verified:
            # no account, or an identifier only typed by a referent: the person confirms it
            # with their own password and second factor ("rattachement")
            session.rollback()
            raise NoLinkedAccountError(self._hold(answer), answer.identity)
        return self._open(session, user, answer)

    def link_and_sign_in(self, link_id: str | None, password_session: SsoSession) -> SsoSession:
        """Bind the held identity to the account that just proved its password (and code),
        then replace that session by a PSC one. AlreadyLinkedError if the identifier is
        another account's, or this account holds another identifier."""
        data = self._store.consume(self._link_key(link_id)) if link_id else None
        if data is None:
            raise LinkExpiredError()
        answer = Callback(
            parse(data["id_claims"], data["userinfo"]),
            data["id_token"],
            data["pending_id"],
            data["id_claims"],
            data["userinfo"],
        )
        session = self._db_session()
        user = users.get_by_id(session, password_session.user_id)
        if user is None:
            raise LinkExpiredError()
        if (
            user.national_id
            and user.national_id_verified
            and user.national_id not in answer.identity.linkable_ids()
        ):  # a verified identifier is the person's; one a référent only typed gives way
            raise national_ids.AlreadyLinkedError(user.national_id)
        try:
            national_ids.link(
                session, user, answer.identity.national_id, actor=user.username, verified=True
            )
        except national_ids.AlreadyLinkedError:
            session.rollback()
            raise
        self._sessions.end(password_session.sid)
        opened = self._open(session, user, answer)
        self._notify(
            user,
            "carte CPS / e-CPS rattachée",
            "Votre identité Pro Santé Connect (carte CPS ou e-CPS) vient d'être rattachée à "
            "votre compte ViaTrajectoire : elle permet désormais de vous y connecter.",
        )
        return opened

    def held_identity(self, link_id: str | None) -> PscIdentity | None:
        data = self._store.get(self._link_key(link_id)) if link_id else None
        return parse(data["id_claims"], data["userinfo"]) if data else None

    def logout_url(self, sso: SsoSession | None, return_to: str, state: str) -> str | None:
        """Where the browser goes to end PSC's own session, if this one came from PSC."""
        if sso is None or not sso.psc or not sso.psc.get("id_token"):
            return None
        return self.client.logout_url(sso.psc["id_token"], return_to, state)

    def _open(self, session: Session, user: User, answer: Callback) -> SsoSession:
        """The same rules as a password login, then the session and the fresh PSC profile."""
        identity = answer.identity
        try:
            eligibility.check_sign_in(session, user)
        except eligibility.NotEligibleError:
            session.rollback()
            raise
        now = clock.utcnow()
        user.psc_profile = {**identity.as_claims(), "updated_at": int(now.timestamp())}
        user.last_login_at = now
        session.commit()
        log.info(
            "psc login: account %s, mode %s, acr %s", user.id, identity.auth_mode, identity.acr
        )
        evidence = {
            "id_token": answer.id_token,
            "acr": identity.acr,
            "auth_mode": identity.auth_mode,
        }
        return self._sessions.start(
            user.id, list(AMR_BY_PSC_MODE[identity.auth_mode]), ACR_PSC, psc=evidence
        )

    def _hold(self, answer: Callback) -> str:
        link_id = secrets.token_urlsafe(24)
        record = {
            "id_claims": answer.id_claims,
            "userinfo": answer.userinfo,
            "id_token": answer.id_token,
            "pending_id": answer.pending_id,
        }
        self._store.put(self._link_key(link_id), record, LINK_TTL)
        return link_id

    @staticmethod
    def _state_key(state: str) -> str:
        return keys.psc_state(state)

    @staticmethod
    def _link_key(link_id: str) -> str:
        return keys.psc_link(link_id[:100])
