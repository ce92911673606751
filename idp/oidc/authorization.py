"""The authorization endpoint's decisions (RFC 6749 4.1.1, OpenID Connect Core 3.1.2).

Authlib validates the client, the exact redirect URI, the response type, the scope, PKCE and
the nonce; the small checks below add what OpenID Connect asks of a provider (``prompt``,
``max_age``, ``acr_values``, unsupported request objects) and decide the next step:
sign in, ask consent, or answer the client. This is the one seam with the login pages:
a pending request goes in, a ``Principal`` comes out. Every redirect carries ``iss``
(RFC 9207); nothing is ever sent to a redirect URI that was not verified.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import AccessDeniedError, InvalidRequestError, OAuth2Error
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    InteractionRequiredError,
    LoginRequiredError,
    RegistrationNotSupportedError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)

from idp import clock
from idp.accounts import users
from idp.authn.sessions import SsoSession, signed_in_user
from idp.oidc import acr as acr_values
from idp.oidc.assurance import record_sign_in
from idp.oidc.consent import has_consent
from idp.oidc.context import ProviderContext
from idp.oidc.principal import Principal
from idp.oidc.server import IdpAuthorizationServer
from idp.storage import keys
from idp.storage.models import User

MAX_PARAM_LENGTH = 2048
PROMPTS = {"none", "login", "consent"}
#: what a waiting request keeps of its parameters: those the decision and the login pages
#: read (RFC 6749 3.1: others are ignored), so that an unauthenticated request stores a few
#: hundred bytes, never what it was sent
KEPT_PARAMETERS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "prompt",
        "max_age",
        "acr_values",
        "claims",
        "login_hint",
        "ui_locales",
        "id_token_hint",
        "display",
        "response_mode",
    }
)
#: the most a waiting request may keep: a request beyond it is refused (invalid_request)
MAX_PENDING_BYTES = 4096


class UnmetAuthenticationRequirementsError(OAuth2Error):
    """OpenID Connect Core errata: the requested acr cannot be met."""

    error = "unmet_authentication_requirements"


@dataclass
class PendingRequest:
    """An authorization request waiting for the person to sign in or consent."""

    id: str
    params: list[list[str]]
    created: int
    login_done_at: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        return next((value for key, value in self.params if key == name), None)

    def pairs(self) -> list[tuple[str, str]]:
        """The request's parameters as the decision takes them (stored as JSON lists)."""
        return [(key, value) for key, value in self.params]


@dataclass
class Outcome:
    """What the web layer does next: ``respond`` (HTTP response), ``login``, ``consent``,
    or ``error_page`` (an error that must not be redirected)."""

    kind: str
    response: Any = None
    pending: PendingRequest | None = None
    error: OAuth2Error | None = None
    client_name: str = ""
    scopes: list[str] = field(default_factory=list)
    #: this decision stored a new waiting request (what the per-address limit counts)
    created_pending: bool = False


class AuthorizationService:
    def __init__(self, ctx: ProviderContext, server: IdpAuthorizationServer) -> None:
        self.ctx = ctx
        self.server = server

    # --- pending requests -------------------------------------------------------------
    def save_pending(self, pending: PendingRequest, ttl: int | None = None) -> None:
        """Keep a waiting request for ``ttl`` seconds (default: the time a person may take
        to sign in)."""
        self.ctx.store.put(
            keys.authorization_request(pending.id),
            pending.__dict__,
            ttl or self.ctx.settings.pending_request_ttl,
        )

    def keep_for_login(self, pending: PendingRequest) -> None:
        """Its login page is shown (or PSC's): the person now has the whole time to sign in.
        Until then a request lives ``pending_unseen_ttl`` seconds, so that requests nobody
        looks at (a script's) leave the store at once."""
        self.save_pending(pending)

    def get_pending(self, pending_id: str | None) -> PendingRequest | None:
        if not pending_id or len(pending_id) > 100:
            return None
        data = self.ctx.store.get(keys.authorization_request(pending_id))
        return PendingRequest(**data) if data else None

    def wants_fresh_second_factor(self, pending: PendingRequest | None) -> bool:
        """The RP asked for a code-level acr: ask the code now, even on a remembered device."""
        return self._wanted_level(pending) >= acr_values.ACR_LEVELS[acr_values.ACR_EMAIL_OTP]

    def wants_psc(self, pending: PendingRequest | None) -> bool:
        """The RP asked for the Pro Santé Connect level: only PSC can sign this person in."""
        return self._wanted_level(pending) >= acr_values.ACR_LEVELS[acr_values.ACR_PSC]

    def _wanted_level(self, pending: PendingRequest | None) -> int:
        if pending is None:
            return 0
        data = {"acr_values": pending.param("acr_values"), "claims": pending.param("claims")}
        client = self.server.query_client(pending.param("client_id") or "")
        try:
            wanted = with_minimum(requested_acr(data), getattr(client, "minimum_acr", None))
            return acr_values.strongest_level(wanted)
        except OAuth2Error:
            return 0

    # --- the decision -----------------------------------------------------------------
    def authorize(
        self,
        params: list[tuple[str, str]],
        session: SsoSession | None,
        pending: PendingRequest | None = None,
        consent_given: bool | None = None,
        account: User | None = None,
    ) -> Outcome:
        """Decide the next step of an authorization request; see the module docstring.
        ``account``: the session's account when the caller just found it may sign in (a
        login in this request), else it is read here."""
        request = self.server.authorization_request(params)
        if account is None or session is None or account.id != session.user_id:
            account = signed_in_user(self.ctx.db_session(), session)
        end_user = _principal(session, account)
        try:
            check_parameter_sizes(params)
            grant = self.server.get_consent_grant(request, end_user=end_user)
        except OAuth2Error as error:
            return self._error(error, request.payload.state)
        redirect_uri = grant.redirect_uri
        try:
            check_unsupported_parameters(request.payload.data)
            prompts = parse_prompt(request.payload.data.get("prompt"))
            max_age = parse_max_age(request.payload.data.get("max_age"))
            wanted_acr = self._deliverable(
                with_minimum(requested_acr(request.payload.data), request.client.minimum_acr)
            )
            if (
                end_user is None
                or account is None
                or session is None
                or self._needs_login(end_user, prompts, max_age, wanted_acr, pending)
            ):
                if "none" in prompts:
                    raise LoginRequiredError()
                return self._waiting("login", params, pending)
            if not users.has_accepted_charter(account, self.ctx.settings.charter_version):
                if "none" in prompts:
                    raise InteractionRequiredError("The conditions of use must be accepted.")
                return self._waiting("charter", params, pending)
            client = request.client
            scopes = (request.scope or "").split()
            if consent_given is False:
                raise AccessDeniedError("The user refused the request.")
            if consent_given is None and self._needs_consent(client, end_user, scopes, prompts):
                if "none" in prompts:
                    raise ConsentRequiredError()
                return self._waiting(
                    "consent", params, pending, client_name=client.name, scopes=scopes
                )
        except OAuth2Error as error:
            error.redirect_uri = redirect_uri
            return self._error(error, request.payload.state)
        return self._issue_code(request, grant, end_user, session)

    def _issue_code(
        self, request: Any, grant: Any, principal: Principal, session: SsoSession
    ) -> Outcome:
        response = self.server.create_authorization_response(request, principal, grant)
        record_sign_in(self.ctx.db_session(), request.client.client_id, principal.acr)
        self._add_issuer(response)
        self.ctx.sessions.add_client(session, request.client.client_id)
        return Outcome("respond", response=response)

    def _deliverable(self, wanted: list[str]) -> list[str]:
        """A level this provider cannot reach as configured (PSC's without PSC, a passkey's
        on an IP address): say so at once."""
        rest = [value for value in wanted if acr_values.deliverable(self.ctx.settings, value)]
        if wanted and not rest:
            raise UnmetAuthenticationRequirementsError(
                "The requested level is not available here (Pro Sante Connect or passkeys)."
            )
        return rest

    def _needs_login(
        self,
        principal: Principal,
        prompts: set[str],
        max_age: int | None,
        wanted_acr: list[str],
        pending: PendingRequest | None,
    ) -> bool:
        fresh = (
            pending is not None
            and pending.login_done_at is not None
            and principal.auth_time >= pending.created
        )
        if "login" in prompts and not fresh:
            return True
        if max_age is not None and clock.seconds() - principal.auth_time > max_age:
            return not fresh
        if acr_values.meets(principal.acr, wanted_acr):
            return False
        if fresh:  # signed in just now and still below: this account cannot reach it
            raise UnmetAuthenticationRequirementsError(
                "The account cannot meet the requested 'acr_values'."
            )
        return True

    def _needs_consent(
        self, client: Any, principal: Principal, scopes: list[str], prompts: set[str]
    ) -> bool:
        if client.first_party:
            return False
        if "consent" in prompts:
            return True
        return not has_consent(self.ctx.db_session(), principal.user.id, client.client_id, scopes)

    def _waiting(
        self,
        kind: str,
        params: list[tuple[str, str]],
        pending: PendingRequest | None,
        **details: Any,
    ) -> Outcome:
        """The request waits for the person (``kind``: login, charter, consent): the one it
        continues, or a new one keeping only ``KEPT_PARAMETERS``. A new one waiting for a
        login lives ``pending_unseen_ttl`` until its page is shown (``keep_for_login``); a
        charter or consent page is shown by this very answer."""
        if pending is not None:
            return Outcome(kind, pending=pending, **details)
        kept = [[key, value] for key, value in params if key in KEPT_PARAMETERS]
        if sum(len(key) + len(value) for key, value in kept) > MAX_PENDING_BYTES:
            raise InvalidRequestError("The request's parameters are too long.")
        pending = PendingRequest(id=secrets.token_urlsafe(24), params=kept, created=clock.seconds())
        unseen = self.ctx.settings.pending_unseen_ttl if kind == "login" else None
        self.save_pending(pending, unseen)
        return Outcome(kind, pending=pending, created_pending=True, **details)

    def _error(self, error: OAuth2Error, state: str | None) -> Outcome:
        if not error.redirect_uri:
            return Outcome("error_page", error=error)
        error.state = state
        response = self.server.handle_error_response(None, error)
        self._add_issuer(response)
        return Outcome("respond", response=response)

    def _add_issuer(self, response: Any) -> None:
        """RFC 9207: every authorization response names its issuer."""
        if response.location:
            response.location = add_params_to_uri(response.location, {"iss": self.ctx.issuer})


def check_parameter_sizes(params: list[tuple[str, str]]) -> None:
    """Sizes, and the characters of the values Authlib quotes in its error descriptions
    (RFC 6749 allows only printable ASCII without " and \\ there; Authlib raises otherwise)."""
    for key, value in params:
        if len(key) > 100 or len(value) > MAX_PARAM_LENGTH:
            raise InvalidRequestError(f"Parameter '{_quotable(key[:100])}' is too long.")
        if key in QUOTED_BY_AUTHLIB and _quotable(value) != value:
            raise InvalidRequestError(f"Parameter '{key}' must be printable ASCII.")


#: parameters whose value Authlib repeats in an error description
QUOTED_BY_AUTHLIB = ("response_type", "redirect_uri")


def _quotable(text: str) -> str:
    """``text`` with what an error description may not hold replaced by "?"."""
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in text)


def check_unsupported_parameters(data: Any) -> None:
    if data.get("request"):
        raise RequestNotSupportedError()
    if data.get("request_uri"):
        raise RequestURINotSupportedError()
    if data.get("registration"):
        raise RegistrationNotSupportedError()
    if data.get("response_mode") not in (None, "query"):
        raise InvalidRequestError("Only 'response_mode=query' is supported.")


def parse_prompt(value: str | None) -> set[str]:
    prompts = set((value or "").split())
    if prompts - PROMPTS:
        raise InvalidRequestError("Unsupported 'prompt' value.")
    if "none" in prompts and len(prompts) > 1:
        raise InvalidRequestError("'prompt=none' cannot be combined with other values.")
    return prompts


def parse_max_age(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 10:
        raise InvalidRequestError("'max_age' must be a non-negative integer.")
    return int(value)


def with_minimum(wanted: list[str], minimum: str | None) -> list[str]:
    """What a login must reach: the module's request, or its registered minimum level when
    the request asks less (or nothing); the tokens then say the level reached."""
    if not minimum:
        return wanted
    floor = acr_values.ACR_LEVELS.get(minimum, 0)
    stronger = [value for value in wanted if acr_values.ACR_LEVELS.get(value, 0) >= floor]
    return stronger or [minimum]


def requested_acr(data: Any) -> list[str]:
    """The acr values an RP requires: ``acr_values``, or an essential ``acr`` in ``claims``
    (OpenID Connect Core 5.5.1.1); both must be met by the login, never silently lowered."""
    wanted = parse_acr_values(data.get("acr_values"))
    essential = parse_claims_acr(data.get("claims"))
    return essential or wanted


def parse_claims_acr(value: str | None) -> list[str]:
    """Only ``acr`` is enforced from ``claims``; other requested claims are voluntary and the
    scopes decide what is returned (Core 5.5: the OP may ignore non-essential ones)."""
    if not value:
        return []
    try:
        claims = json.loads(value)
    except ValueError as exc:
        raise InvalidRequestError("'claims' must be a JSON object.") from exc
    if not isinstance(claims, dict) or not all(isinstance(v, dict | None) for v in claims.values()):
        raise InvalidRequestError("'claims' must be a JSON object of JSON objects.")
    acr = (claims.get("id_token") or {}).get("acr")
    if not isinstance(acr, dict) or not acr.get("essential"):
        return []
    values = acr.get("values") or ([acr["value"]] if isinstance(acr.get("value"), str) else [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidRequestError("'claims.id_token.acr' values must be strings.")
    return parse_acr_values(" ".join(values)) if values else []


def parse_acr_values(value: str | None) -> list[str]:
    requested = (value or "").split()
    if requested and not acr_values.satisfiable(requested):
        raise UnmetAuthenticationRequirementsError(
            "None of the requested 'acr_values' is supported."
        )
    return acr_values.satisfiable(requested)


def _principal(session: SsoSession | None, account: User | None) -> Principal | None:
    """Who the browser's SSO session signs in as, if anyone may."""
    if session is None or account is None:
        return None
    return Principal(
        user=account,
        auth_time=session.auth_time,
        acr=session.acr,
        amr=session.amr,
        sid=session.sid,
    )
