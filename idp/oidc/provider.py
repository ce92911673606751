"""The protocol's use cases as the web layer calls them: one method per endpoint.

Each method runs Authlib's endpoint on the current HTTP request and owns the unit of work:
it commits what a successful answer stored and rolls back anything a refusal left behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from authlib.oauth2.rfc6749 import MissingAuthorizationError, OAuth2Error
from flask import Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from idp import clock, metrics
from idp.accounts import users
from idp.authn.sessions import SsoSession, signed_in_user
from idp.oidc import assurance, clients
from idp.oidc.authorization import AuthorizationService, Outcome, PendingRequest
from idp.oidc.clients import GRANT_TYPES
from idp.oidc.consent import grant_consent
from idp.oidc.context import ProviderContext
from idp.oidc.discovery import provider_metadata
from idp.oidc.server import create_authorization_server
from idp.oidc.userinfo import create_resource_protector, userinfo_claims
from idp.storage import database, keys
from idp.storage.models import OAuthClient, User

T = TypeVar("T")


class Provider:
    def __init__(self, ctx: ProviderContext) -> None:
        self.ctx = ctx
        self.server = create_authorization_server(ctx)
        self.authorization = AuthorizationService(ctx, self.server)
        self.protector = create_resource_protector(ctx)
        self._discovery: tuple[Any, str, str] | None = None
        self._jwks: tuple[Any, str, str] | None = None

    def metadata(self) -> dict[str, Any]:
        return provider_metadata(self.ctx)

    def jwks(self) -> dict[str, Any]:
        return self.ctx.keyring.public_jwks()

    def discovery_document(self) -> tuple[str, str]:
        """(JSON, ETag) of the metadata, serialised again only when the signing algorithms
        change (nothing else in it changes while the process runs)."""
        algorithms = tuple(self.ctx.keyring.algorithms())
        cached = self._discovery
        if cached is None or cached[0] != algorithms:
            body = json.dumps(self.metadata(), sort_keys=True)
            cached = self._discovery = (algorithms, body, _etag(body))
        return cached[1], cached[2]

    def jwks_document(self) -> tuple[str, str]:
        """(JSON, ETag) of the JWKS, serialised again only when the keyring reloads its keys."""
        jwks = self.ctx.keyring.public_jwks()
        cached = self._jwks
        if cached is None or cached[0] is not jwks:
            body = json.dumps(jwks, sort_keys=True)
            cached = self._jwks = (jwks, body, _etag(body))
        return cached[1], cached[2]

    def authorize(
        self,
        params: list[tuple[str, str]],
        sid: str | None,
        pending: PendingRequest | None = None,
        consent_given: bool | None = None,
    ) -> Outcome:
        session = self.ctx.sessions.get(sid)
        outcome = self._in_unit_of_work(
            lambda: self.authorization.authorize(params, session, pending, consent_given)
        )
        if pending is not None and outcome.kind in ("respond", "error_page"):
            self.ctx.store.delete(keys.authorization_request(pending.id))
        return outcome

    def answer_after_login(
        self, pending: PendingRequest, session: SsoSession, account: User | None = None
    ) -> Response | None:
        """The answer to the module right after the login that ``pending`` waited for, when
        nothing more is asked of the person: the browser goes back to the module at once
        instead of through ``/authorize/resume``, one request less at every login. None when
        a page comes next (charter, consent, an error): the request is kept, marked as
        logged in, for the resume to show it. ``account``: as ``LoginStep.account``."""
        pending.login_done_at = clock.seconds()
        outcome = self._in_unit_of_work(
            lambda: self.authorization.authorize(pending.pairs(), session, pending, account=account)
        )
        if outcome.kind != "respond":
            self.authorization.save_pending(pending)
            return None
        self.ctx.store.delete(keys.authorization_request(pending.id))
        response: Response = outcome.response
        return response

    def record_consent(self, sid: str | None, pending: PendingRequest, scopes: list[str]) -> None:
        db = self.ctx.db_session()
        user = signed_in_user(db, self.ctx.sessions.get(sid))
        client_id = pending.param("client_id") or ""
        if user is not None:
            grant_consent(db, user.id, user.username, client_id, scopes)
            db.commit()

    def accept_charter(self, sid: str | None) -> None:
        """The signed-in person accepts the current conditions of use."""
        db = self.ctx.db_session()
        user = signed_in_user(db, self.ctx.sessions.get(sid))
        if user is not None:
            users.accept_charter(db, user, self.ctx.settings.charter_version)
            db.commit()

    def token(self) -> Response:
        oauth_request = self.server.create_oauth2_request(None)  # Authlib's view of the request
        grant = oauth_request.payload.grant_type or ""

        def respond() -> Response:
            response: Response = self.server.create_token_response(oauth_request)
            return response

        with database.sharing_one_connection():  # a refresh's read and rotation
            response = self._respond(respond)
        if response.status_code == 200:
            metrics.TOKENS.labels(grant if grant in GRANT_TYPES else "other").inc()
        return response

    def introspect(self) -> Response:
        return self._respond(lambda: self.server.create_endpoint_response("introspection"))

    def revoke(self) -> Response:
        return self._respond(lambda: self.server.create_endpoint_response("revocation"))

    def userinfo(self) -> Response:
        """Claims for a valid bearer token; RFC 6750 3 errors with ``WWW-Authenticate``."""
        try:
            token = self.protector.acquire_token(["openid"])
            response = jsonify(userinfo_claims(self.ctx, token))
        except MissingAuthorizationError:
            response = jsonify(
                error="invalid_request",
                error_description="Send the access token as a Bearer token.",
            )
            response.status_code = 401
            response.headers["WWW-Authenticate"] = f'Bearer realm="{self.ctx.issuer}"'
        except OAuth2Error as error:
            status, body, headers = error()
            response = Response(json.dumps(body), status=status, headers=headers)
            response.headers["WWW-Authenticate"] = bearer_challenge(self.ctx.issuer, error)
        response.headers["Cache-Control"] = "no-store"
        return response

    def validate_end_session(self) -> Any:
        """Raises OAuth2Error for a bad ``id_token_hint``; returns Authlib's request."""
        return self.server.validate_endpoint_request("end_session")

    def logout_needs_confirmation(self, validated: Any, sid: str | None) -> bool:
        """Ask the person before a logout unless the request names this browser's own
        session: without a valid ``id_token_hint`` (RP-Initiated Logout 6), and when the
        hint is someone else's ID token (its ``sid``, or its ``sub`` if it has none, is not
        this browser's), which anyone could send a link with. A browser with no session has
        nothing of its own to lose."""
        claims = validated.id_token_claims
        if claims is None:
            return True
        session = self.ctx.sessions.get(sid)
        if session is None:
            return False
        if claims.get("sid"):
            return bool(claims["sid"] != session.sid)
        account = users.get_by_id(self.ctx.db_session(), session.user_id)
        return account is None or claims.get("sub") != account.subject

    def end_session(self, validated: Any, sid: str | None) -> Response | None:
        self.ctx.sessions.logout(sid)
        response: Response | None = self.server.create_endpoint_response("end_session", validated)
        return response

    def client_registration(self, client_id: str) -> OAuthClient | None:
        return clients.get_client(self.ctx.db_session(), client_id)

    def set_client_assurance(
        self, record: OAuthClient, changes: dict[str, Any], actor: str
    ) -> None:
        """A module's minimum level and health-data flag, set by support (audited, and every
        worker's client cache told). InvalidClientMetadataError for an unknown level."""
        clients.set_assurance(self.ctx.db_session(), record, changes, actor)
        self.ctx.db_session().commit()
        self.ctx.clients.changed()

    def assurance_report(self) -> assurance.AssuranceReport:
        return assurance.report(self.ctx.db_session())

    def readiness_problems(self) -> list[str]:
        """What keeps this instance from serving (names only: no connection strings)."""
        problems = []
        try:
            self.ctx.db_session().execute(text("SELECT 1"))
            self.ctx.db_session().rollback()
        except SQLAlchemyError:
            self.ctx.db_session().rollback()
            problems.append("database")
        try:
            self.ctx.store.ping()
        except Exception:  # any client error means the same to a load balancer
            problems.append("ephemeral store")
        return problems

    def error_response(self, error: OAuth2Error) -> Response:
        response: Response = self.server.handle_error_response(None, error)
        return response

    def _respond(self, produce: Callable[[], Response]) -> Response:
        return self._in_unit_of_work(produce, commit_if=lambda r: r.status_code == 200)

    def _in_unit_of_work(
        self, produce: Callable[[], T], commit_if: Callable[[T], bool] | None = None
    ) -> T:
        session = self.ctx.db_session()
        try:
            result = produce()
        except Exception:
            session.rollback()
            raise
        if not _touched(session):
            return result  # nothing read or written (cached clients and holders): no round trip
        if commit_if is None or commit_if(result):
            session.commit()
        else:
            session.rollback()
        return result


def _touched(session: Any) -> bool:
    """Whether the request used the database. Asking the scoped proxy would create a Session
    only to find it empty (a measurable part of a cached introspection or client grant)."""
    if not session.registry.has():
        return False
    current = session()  # the request's Session behind the scoped proxy
    return bool(current.in_transaction() or current.new or current.dirty or current.deleted)


def _etag(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def bearer_challenge(realm: str, error: OAuth2Error) -> str:
    """RFC 6750 3: the challenge names the realm, the error code and its description."""
    description = (error.description or "").replace('"', "'")
    return f'Bearer realm="{realm}", error="{error.error}", error_description="{description}"'
