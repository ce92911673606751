"""Our relying-party side of Pro Santé Connect: discovery, the authorization URL, the code
exchange, ID token and userinfo verification (``docs/pro-sante-connect.md``).

Built on Authlib's requests client (PKCE S256, ``client_secret_basic``/``_post``, an optional
client certificate for mTLS). Every URL can be set explicitly because PSC's discovery path and
authorization host are non-standard. The ID token is checked here rather than by Authlib's
``CodeIDToken`` so that each refusal has its own reason in the logs: signature by ``kid`` (the
JWKS is fetched again, at most every ``psc_jwks_refetch_interval`` seconds, when a ``kid`` is
unknown: PSC rotated its keys), ``iss``, ``aud``, ``azp``, ``nonce``, ``exp``/``iat`` with a
leeway, ``at_hash``, and an ``acr`` at least the one asked.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.urls import add_params_to_uri
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from idp import clock
from idp.errors import IdpError
from idp.settings import Settings

ALGORITHMS = ["RS256", "PS256", "ES256"]
EIDAS_LEVELS = {"eidas1": 1, "eidas2": 2, "eidas3": 3}
METADATA_TTL = 3600
ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)


class PscError(IdpError):
    """A PSC login that cannot go on; ``reason`` is for the logs, never shown raw."""

    code = "psc_failed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pending_id: str | None = None


class PscUnavailableError(PscError):
    """PSC did not answer in time, or answered with a server error."""

    code = "psc_unavailable"


class PscRejectedError(PscError):
    """PSC's answer cannot be trusted (signature, issuer, nonce, expiry, state…)."""

    code = "psc_rejected"


class PscDeniedError(PscError):
    """PSC came back with an error instead of a code: ``error`` is its code (``access_denied``
    when the person cancelled or did not confirm on the e-CPS app)."""

    code = "psc_denied"

    def __init__(self, error: str) -> None:
        super().__init__(f"PSC answered error={error}")
        self.error = error


class PscClient:
    """One per process: caches PSC's metadata and keys between logins."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._keys_at = 0.0
        self.http = requests.Session()
        if settings.psc_client_cert:
            self.http.cert = (settings.psc_client_cert, settings.psc_client_key)

    # --- where PSC is ---------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return self.settings.psc_issuer or str(self.metadata().get("issuer", ""))

    def endpoint(self, name: str) -> str:
        override = getattr(self.settings, "psc_" + name, "")
        url = override or self.metadata().get(name)
        if not isinstance(url, str) or not url:
            raise PscUnavailableError(f"no {name} in PSC's configuration")
        return url

    def metadata(self) -> dict[str, Any]:
        """PSC's discovery document, cached for an hour; not fetched when every URL is set."""
        if all(getattr(self.settings, "psc_" + name) for name in ENDPOINTS):
            if self.settings.psc_issuer:
                return {"issuer": self.settings.psc_issuer}
        with self._lock:
            if self._metadata is not None and clock.now() - self._metadata_at < METADATA_TTL:
                return self._metadata
        document = self._get_json(self._discovery_url(), "discovery")
        if self.settings.psc_issuer and document.get("issuer") != self.settings.psc_issuer:
            raise PscRejectedError("discovery issuer differs from psc_issuer")
        with self._lock:
            self._metadata, self._metadata_at = document, clock.now()
        return document

    def _discovery_url(self) -> str:
        return (
            self.settings.psc_discovery_url
            or self.settings.psc_issuer + "/.well-known/wallet-openid-configuration"
        )

    # --- the front channel ----------------------------------------------------------------
    def authorization_url(
        self, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        url: str
        url, _ = self._oauth(redirect_uri).create_authorization_url(
            self.endpoint("authorization_endpoint"),
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
            acr_values=self.settings.psc_acr_values,
        )
        return url

    def logout_url(self, id_token: str, post_logout_redirect_uri: str, state: str) -> str:
        return str(
            add_params_to_uri(
                self.endpoint("end_session_endpoint"),
                {
                    "id_token_hint": id_token,
                    "post_logout_redirect_uri": post_logout_redirect_uri,
                    "state": state,
                },
            )
        )

    # --- the back channel -----------------------------------------------------------------
    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """The token response for ``code``; PscUnavailableError or PscRejectedError."""
        oauth = self._oauth(redirect_uri)
        oauth.register_compliance_hook("access_token_response", _raise_on_server_error)
        try:
            token = oauth.fetch_token(
                self.endpoint("token_endpoint"),
                code=code,
                code_verifier=code_verifier,
                timeout=self.settings.psc_timeout,
            )
        except requests.RequestException as error:
            raise PscUnavailableError(f"token endpoint: {type(error).__name__}") from error
        except AuthlibBaseError as error:
            raise PscRejectedError(f"token endpoint refused: {error.error}") from error
        except ValueError as error:  # not JSON
            raise PscUnavailableError("token endpoint: unreadable answer") from error
        if not isinstance(token.get("id_token"), str) or not token.get("access_token"):
            raise PscRejectedError("token response without id_token or access_token")
        return dict(token)

    def verify_id_token(self, id_token: str, nonce: str, access_token: str) -> dict[str, Any]:
        claims, header = self._verify_signature(id_token)
        now = clock.now()
        leeway = self.settings.psc_leeway
        client_id = self.settings.psc_client_id
        audiences = claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
        checks = [
            (claims.get("iss") == self.issuer, "iss is not PSC's issuer"),
            (client_id in audiences, "aud does not name us"),
            (len(audiences) == 1 or claims.get("azp") == client_id, "azp does not name us"),
            (claims.get("azp") in (None, client_id), "azp names another client"),
            (claims.get("nonce") == nonce, "nonce mismatch"),
            (isinstance(claims.get("sub"), str) and claims["sub"], "no sub"),
            (_number(claims.get("exp")) + leeway > now, "expired"),
            (_number(claims.get("iat")) - leeway <= now, "issued in the future (clock skew)"),
            (self.acr_accepted(claims.get("acr")), f"acr {claims.get('acr')!r} below request"),
            (_at_hash_ok(claims.get("at_hash"), access_token, header), "at_hash mismatch"),
        ]
        for passed, reason in checks:
            if not passed:
                raise PscRejectedError(f"ID token: {reason}")
        return claims

    def acr_accepted(self, acr: Any) -> bool:
        wanted = EIDAS_LEVELS.get(self.settings.psc_acr_values.split()[0], 1)
        return EIDAS_LEVELS.get(acr if isinstance(acr, str) else "", 0) >= wanted

    def userinfo(self, access_token: str, subject: str) -> dict[str, Any]:
        """Userinfo as JSON or as a signed JWT; its ``sub`` must be the ID token's."""
        try:
            response = self.http.get(
                self.endpoint("userinfo_endpoint"),
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                timeout=self.settings.psc_timeout,
            )
        except requests.RequestException as error:
            raise PscUnavailableError(f"userinfo: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise PscUnavailableError(f"userinfo: HTTP {response.status_code}")
        if response.status_code != 200:
            raise PscRejectedError(f"userinfo: HTTP {response.status_code}")
        if response.headers.get("Content-Type", "").startswith("application/jwt"):
            claims, _ = self._verify_signature(response.text.strip())
            if claims.get("iss") not in (None, self.issuer):
                raise PscRejectedError("userinfo JWT: iss is not PSC's issuer")
        else:
            try:
                claims = response.json()
            except ValueError as error:
                raise PscRejectedError("userinfo: neither JSON nor JWT") from error
        if not isinstance(claims, dict) or claims.get("sub") != subject:
            raise PscRejectedError("userinfo: sub differs from the ID token's")
        return claims

    # --- keys -----------------------------------------------------------------------------
    def _verify_signature(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            header = jws.extract_compact(token.encode()).protected
        except (JoseError, ValueError, UnicodeError) as error:
            raise PscRejectedError("not a compact JWS") from error
        if header.get("alg") not in ALGORITHMS:
            raise PscRejectedError(f"algorithm {header.get('alg')!r} not accepted")
        key = self._key(header.get("kid"))
        try:
            decoded = jwt.decode(token, key, algorithms=ALGORITHMS)
        except (JoseError, ValueError) as error:
            raise PscRejectedError(f"signature: {type(error).__name__}") from error
        return dict(decoded.claims), header

    def _key(self, kid: Any) -> Any:
        if not isinstance(kid, str):
            raise PscRejectedError("no kid")
        keys = self._keyset(refresh=False)
        if kid not in {key.kid for key in keys.keys}:
            keys = self._keyset(refresh=True)
        try:
            return keys.get_by_kid(kid)
        except (JoseError, ValueError) as error:
            raise PscRejectedError(f"unknown kid {kid[:40]!r}") from error

    def _keyset(self, refresh: bool) -> KeySet:
        with self._lock:
            keys, fetched_at = self._keys, self._keys_at
        interval = self.settings.psc_jwks_refetch_interval
        if keys is not None and (not refresh or clock.now() - fetched_at < interval):
            return keys
        document = self._get_json(self.endpoint("jwks_uri"), "JWKS")
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]  # checked by joserfc
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise PscRejectedError("JWKS unreadable") from error
        with self._lock:
            self._keys, self._keys_at = keys, clock.now()
        return keys

    # --- plumbing ------------------------------------------------------------------------
    def _oauth(self, redirect_uri: str) -> OAuth2Session:
        settings = self.settings
        session = OAuth2Session(
            client_id=settings.psc_client_id,
            client_secret=settings.psc_client_secret or None,
            scope=settings.psc_scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method=settings.psc_token_auth_method,
        )
        if settings.psc_client_cert:
            session.cert = (settings.psc_client_cert, settings.psc_client_key)
        return session

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = self.http.get(url, timeout=self.settings.psc_timeout)
        except requests.RequestException as error:
            raise PscUnavailableError(f"{what}: {type(error).__name__}") from error
        if response.status_code != 200:
            raise PscUnavailableError(f"{what}: HTTP {response.status_code}")
        try:
            document = response.json()
        except ValueError as error:
            raise PscUnavailableError(f"{what}: not JSON") from error
        if not isinstance(document, dict):
            raise PscUnavailableError(f"{what}: not a JSON object")
        return document


def _raise_on_server_error(response: requests.Response) -> requests.Response:
    if response.status_code >= 500:
        raise PscUnavailableError(f"token endpoint: HTTP {response.status_code}")
    return response


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _at_hash_ok(at_hash: Any, access_token: str, header: dict[str, Any]) -> bool:
    """OpenID Connect Core 3.1.3.6: checked when present (PSC sends it)."""
    if at_hash is None:
        return True
    hash_name = {"256": "sha256", "384": "sha384", "512": "sha512"}.get(
        str(header.get("alg", ""))[-3:], "sha256"
    )
    digest = hashlib.new(hash_name, access_token.encode()).digest()
    expected = base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()
    return isinstance(at_hash, str) and at_hash == expected
