"""A local stand-in for Pro Santé Connect that speaks real OpenID Connect over HTTP.

It reproduces what ``docs/pro-sante-connect.md`` records of PSC: a Keycloak-style issuer
(``<base>/auth/realms/esante-wallet``), discovery at the non-standard wallet path and the
standard one, an authorization endpoint outside the issuer (``<base>/wallet/auth``), RS256 ID
tokens with PSC's claims, userinfo as JSON or a signed JWT, key rotation, logout and
introspection. Switches on the wallet page (or ``POST /_sandbox/switches``) produce the
failures a relying party must survive. State lives in memory: one process, test use only.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, abort, jsonify, redirect, render_template, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from psc_sandbox.identities import IDENTITIES, Identity

REALM_PATH = "/auth/realms/esante-wallet"
OIDC_PATH = REALM_PATH + "/protocol/openid-connect"
AUTHORIZE_PATH = "/wallet/auth"
DEFAULT_ACR = {"CARD": "eidas3", "MOBILE": "eidas1"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Switches:
    """What the next logins (or the whole stand-in) do wrong; see the wallet page."""

    acr: str = ""  # "" = PSC's usual per mode (card eidas3, app eidas1)
    omit_iss: bool = False
    wrong_iss: bool = False
    skew: int = 0  # seconds added to iat/exp/auth_time (clock skew)
    lifetime: int = 120  # exp - iat; negative: already expired
    error: str = ""  # e.g. access_denied: the login is refused
    bad_signature: bool = False
    wrong_nonce: bool = False
    userinfo_jwt: bool = False
    userinfo_other_sub: bool = False
    delay: float = 0.0  # seconds every back-channel answer waits (slow provider)
    down: bool = False  # back-channel endpoints answer 503
    omit_logout_state: bool = False

    def update(self, values: dict[str, Any]) -> None:
        for name, current in asdict(Switches()).items():
            if name in values:
                raw = values[name]
                if isinstance(current, bool):
                    value: Any = raw in (True, "1", "true", "on", 1)
                elif isinstance(current, int):
                    value = int(raw or 0)
                elif isinstance(current, float):
                    value = float(raw or 0)
                else:
                    value = str(raw)
                setattr(self, name, value)


@dataclass
class Grant:
    identity: Identity
    mode: str
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    session_id: str
    auth_time: int
    switches: Switches
    issued: dict[str, Any] = field(default_factory=dict)


class Sandbox:
    """The stand-in's memory: keys, codes, tokens, sessions, switches."""

    def __init__(self, base_url: str, clients: dict[str, str]) -> None:
        self.base_url = base_url.rstrip("/")
        self.issuer = self.base_url + REALM_PATH
        self.clients = clients
        self.switches = Switches()
        self.lock = threading.Lock()
        self.keys: list[RSAKey] = []
        self.rogue_key = RSAKey.generate_key(2048, auto_kid=True)
        self.codes: dict[str, Grant] = {}
        self.tokens: dict[str, Grant] = {}
        self.sessions: dict[str, int] = {}
        self.logouts: list[dict[str, str]] = []
        self.rotate()

    def rotate(self) -> str:
        key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        with self.lock:
            self.keys = [key, *self.keys][:3]
        return key.kid

    def jwks(self) -> dict[str, Any]:
        return KeySet(self.keys).as_dict(private=False)

    def sign(self, claims: dict[str, Any], typ: str = "JWT", rogue: bool = False) -> str:
        key = self.keys[0]
        if rogue:  # the published kid, another private key: the signature cannot verify
            return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": typ}, claims, self.rogue_key)
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": typ}, claims, key)


def create_app(base_url: str, clients: dict[str, str] | None = None) -> Flask:
    """``clients``: client id -> secret. Redirect URIs on the loopback address are accepted."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secrets.token_hex(16)
    sandbox = Sandbox(base_url, clients or {"viatrajectoire-idp": "psc-sandbox-secret"})
    app.extensions["psc_sandbox"] = sandbox

    @app.before_request
    def _slow_or_down() -> Response | None:
        path = request.path
        if path.startswith(OIDC_PATH) and not path.endswith("/logout"):
            if sandbox.switches.delay:
                time.sleep(sandbox.switches.delay)
            if sandbox.switches.down:
                return Response("Service Unavailable", 503)
        return None

    @app.get(REALM_PATH + "/.well-known/wallet-openid-configuration")
    @app.get(REALM_PATH + "/.well-known/openid-configuration")
    def discovery() -> Response:
        return jsonify(_metadata(sandbox))

    @app.get(OIDC_PATH + "/certs")
    def certs() -> Response:
        return jsonify(sandbox.jwks())

    @app.get(AUTHORIZE_PATH)
    def wallet() -> str | Response:
        params = _check_authorization_request(sandbox)
        return render_template(
            "wallet.html",
            params=params,
            identities=IDENTITIES.values(),
            switches=sandbox.switches,
        )

    @app.post(AUTHORIZE_PATH)
    def wallet_decision() -> Response:
        params = _check_authorization_request(sandbox, request.form)
        switches = Switches(**asdict(sandbox.switches))
        switches.update(request.form.to_dict())
        back = {"state": params["state"]} if params.get("state") else {}
        if not switches.omit_iss:
            back["iss"] = "https://attacker.invalid" if switches.wrong_iss else sandbox.issuer
        if request.form.get("decision") == "cancel" or switches.error:
            back["error"] = switches.error or "access_denied"
            return redirect(_with_query(params["redirect_uri"], back))
        identity = IDENTITIES.get(request.form.get("identity", ""))
        if identity is None:
            abort(400, "unknown identity")
        mode = request.form.get("mode") or identity.default_mode
        session_id = request.cookies.get("psc_sandbox_session") or str(uuid.uuid4())
        with sandbox.lock:
            auth_time = sandbox.sessions.setdefault(session_id, int(time.time()))
        code = secrets.token_urlsafe(24)
        sandbox.codes[code] = Grant(
            identity=identity,
            mode=mode,
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            nonce=params.get("nonce"),
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
            session_id=session_id,
            auth_time=auth_time,
            switches=switches,
        )
        back = {"code": code, **back, "session_state": session_id}
        response = redirect(_with_query(params["redirect_uri"], back))
        response.set_cookie("psc_sandbox_session", session_id, httponly=True, samesite="Lax")
        return response

    @app.post(OIDC_PATH + "/token")
    def token() -> Response:
        client_id = _authenticate_client(sandbox)
        if request.form.get("grant_type") != "authorization_code":
            return _oauth_error("unsupported_grant_type", 400)
        with sandbox.lock:
            grant = sandbox.codes.pop(request.form.get("code", ""), None)
        if grant is None or grant.client_id != client_id:
            return _oauth_error("invalid_grant", 400, "Code not valid")
        if request.form.get("redirect_uri") != grant.redirect_uri:
            return _oauth_error("invalid_grant", 400, "Incorrect redirect_uri")
        if not _pkce_ok(grant, request.form.get("code_verifier")):
            return _oauth_error("invalid_grant", 400, "PKCE verification failed")
        return jsonify(_issue_tokens(sandbox, grant))

    @app.route(OIDC_PATH + "/userinfo", methods=["GET", "POST"])
    def userinfo() -> Response:
        grant = _bearer_grant(sandbox)
        if grant is None:
            response = jsonify(error="invalid_token")
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        claims = {**grant.identity.userinfo, "sub": grant.issued["sub"]}
        claims["authMode"] = grant.mode
        if grant.switches.userinfo_other_sub:
            claims["sub"] = f"f:{uuid.uuid4()}:someone-else"
        if grant.switches.userinfo_jwt:
            signed = {**claims, "iss": sandbox.issuer, "aud": grant.client_id}
            return Response(sandbox.sign(signed), content_type="application/jwt")
        return jsonify(claims)

    @app.post(OIDC_PATH + "/token/introspect")
    def introspect() -> Response:
        _authenticate_client(sandbox)
        grant = sandbox.tokens.get(request.form.get("token", ""))
        if grant is None or grant.issued["exp"] < time.time():
            return jsonify(active=False)
        issued = grant.issued
        return jsonify(
            active=True,
            client_id=grant.client_id,
            sub=issued["sub"],
            exp=issued["exp"],
            iat=issued["iat"],
            scope="openid scope_all",
            token_type="Bearer",
        )

    @app.get(OIDC_PATH + "/logout")
    def logout() -> Response | str:
        target = request.args.get("post_logout_redirect_uri", "")
        if target and not _loopback(target):
            abort(400, "post_logout_redirect_uri is not registered")
        session_id = request.cookies.get("psc_sandbox_session")
        with sandbox.lock:
            sandbox.sessions.pop(session_id or "", None)
            sandbox.logouts.append(
                {
                    "id_token_hint": "yes" if request.args.get("id_token_hint") else "no",
                    "post_logout_redirect_uri": target,
                }
            )
        if not target:
            response: Any = Response("Vous êtes déconnecté de Pro Santé Connect (bac à sable).")
        else:
            state = request.args.get("state")
            back = {"state": state} if state and not sandbox.switches.omit_logout_state else {}
            response = redirect(_with_query(target, back))
        response.delete_cookie("psc_sandbox_session")
        return response

    @app.route("/_sandbox/switches", methods=["GET", "POST"])
    def switches() -> Response:
        if request.method == "POST":
            values = request.get_json(silent=True) or request.form.to_dict()
            if values.get("reset"):
                sandbox.switches = Switches()
            sandbox.switches.update(values)
        return jsonify(asdict(sandbox.switches))

    @app.post("/_sandbox/rotate")
    def rotate() -> Response:
        return jsonify(kid=sandbox.rotate())

    @app.get("/_sandbox/logouts")
    def logouts() -> Response:
        return jsonify(sandbox.logouts)

    @app.get("/")
    def index() -> str:
        return render_template("index.html", sandbox=sandbox, identities=IDENTITIES.values())

    return app


def _metadata(sandbox: Sandbox) -> dict[str, Any]:
    oidc = sandbox.issuer + "/protocol/openid-connect"
    return {
        "issuer": sandbox.issuer,
        "authorization_endpoint": sandbox.base_url + AUTHORIZE_PATH,
        "token_endpoint": oidc + "/token",
        "userinfo_endpoint": oidc + "/userinfo",
        "jwks_uri": oidc + "/certs",
        "end_session_endpoint": oidc + "/logout",
        "introspection_endpoint": oidc + "/token/introspect",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "userinfo_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "scopes_supported": ["openid", "scope_all"],
        "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
        "authorization_response_iss_parameter_supported": True,
        "claims_parameter_supported": True,
    }


def _check_authorization_request(sandbox: Sandbox, source: Any = None) -> dict[str, str]:
    params = {k: v for k, v in (source or request.args).items() if isinstance(v, str)}
    if params.get("client_id") not in sandbox.clients:
        abort(400, "unknown client_id")
    if not _loopback(params.get("redirect_uri", "")):
        abort(400, "redirect_uri is not registered")
    if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
        abort(400, "response_type=code and scope openid are required")
    return {
        k: params[k]
        for k in (
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "nonce",
            "acr_values",
            "code_challenge",
            "code_challenge_method",
        )
        if k in params
    }


def _loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in {"http", "https"} and parts.hostname in LOOPBACK


def _with_query(uri: str, params: dict[str, str]) -> str:
    if not params:
        return uri
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def _authenticate_client(sandbox: Sandbox) -> str:
    """client_secret_basic or client_secret_post, as Keycloak accepts both."""
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        client_id, secret = auth.username or "", auth.password or ""
    else:
        client_id = request.form.get("client_id", "")
        secret = request.form.get("client_secret", "")
    expected = sandbox.clients.get(client_id)
    if expected is None or not secrets.compare_digest(expected, secret):
        abort(_oauth_error("invalid_client", 401, "Invalid client credentials"))
    return client_id


def _pkce_ok(grant: Grant, verifier: str | None) -> bool:
    if grant.code_challenge is None:
        return True
    if not verifier:
        return False
    if grant.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant.code_challenge
    return verifier == grant.code_challenge


def _issue_tokens(sandbox: Sandbox, grant: Grant) -> dict[str, Any]:
    switches = grant.switches
    now = int(time.time()) + switches.skew
    identity = grant.identity
    sub = f"f:{uuid.uuid5(uuid.NAMESPACE_URL, identity.key)}:{identity.national_id}"
    access_token = sandbox.sign(
        {
            "iss": sandbox.issuer,
            "sub": sub,
            "aud": "account",
            "azp": grant.client_id,
            "typ": "Bearer",
            "iat": now,
            "exp": now + max(switches.lifetime, 60),
            "jti": str(uuid.uuid4()),
            "scope": "openid scope_all",
        }
    )
    issued = {"sub": sub, "iat": now, "exp": now + switches.lifetime}
    grant.issued = issued
    sandbox.tokens[access_token] = grant
    id_claims = {
        "iss": sandbox.issuer,
        "aud": grant.client_id,
        "azp": grant.client_id,
        "sub": sub,
        "typ": "ID",
        "iat": now,
        "exp": now + switches.lifetime,
        "auth_time": grant.auth_time + switches.skew,
        "jti": str(uuid.uuid4()),
        "sid": grant.session_id,
        "session_state": grant.session_id,
        "at_hash": _at_hash(access_token),
        "acr": switches.acr or DEFAULT_ACR.get(grant.mode, "eidas1"),
        "authMode": grant.mode,
        "SubjectNameID": identity.national_id,
        "preferred_username": identity.national_id,
        "given_name": identity.given_name,
        "family_name": identity.family_name,
    }
    if grant.nonce is not None:
        id_claims["nonce"] = "not-the-nonce" if switches.wrong_nonce else grant.nonce
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": max(switches.lifetime, 60),
        "refresh_expires_in": 1800,
        "refresh_token": secrets.token_urlsafe(32),
        "id_token": sandbox.sign(id_claims, rogue=switches.bad_signature),
        "session_state": grant.session_id,
        "scope": "openid scope_all",
    }


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _bearer_grant(sandbox: Sandbox) -> Grant | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    grant = sandbox.tokens.get(header[7:].strip())
    if grant is None or grant.issued["exp"] + 60 < time.time():
        return None
    return grant


def _oauth_error(error: str, status: int, description: str = "") -> Response:
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    return response
