"""A relying party driving the provider through the Flask test client, step by step or at once.

``rp.sign_in(user)`` runs authorize -> login -> (consent) -> code -> token, so a test reads
like the scenario it checks; each step is also available alone for the refusals.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from idp.services import of as services_of
from tests.factories import PASSWORD, ClientInfo
from tests.mailbox import Outbox

CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class Authorization:
    """The state of one authorization request as the RP keeps it."""

    params: dict[str, str]
    verifier: str | None
    response: TestResponse | None = None
    result: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.result["code"]


class RelyingParty:
    def __init__(self, client: FlaskClient, info: ClientInfo, outbox: Outbox | None = None) -> None:
        self.client = client
        self.info = info
        settings = services_of(client.application).settings
        self.outbox = outbox or Outbox(settings.resolved_outbox())

    def in_new_browser(self) -> RelyingParty:
        """The same client, from a browser with no cookies."""
        return RelyingParty(self.client.application.test_client(), self.info, self.outbox)

    # --- authorization endpoint -------------------------------------------------------
    def request(self, pkce: bool = True, **params: Any) -> Authorization:
        verifier, challenge = pkce_pair()
        base = {
            "response_type": "code",
            "client_id": self.info.client_id,
            "redirect_uri": self.info.redirect_uri,
            "scope": "openid profile email",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
        }
        if pkce:
            base.update(code_challenge=challenge, code_challenge_method="S256")
        base.update({k: v for k, v in params.items() if v is not None})
        for key in [k for k, v in params.items() if v is None]:
            base.pop(key, None)
        return Authorization(base, verifier if pkce else None)

    def start(self, auth: Authorization) -> TestResponse:
        auth.response = self.client.get("/authorize", query_string=auth.params)
        return auth.response

    def login(self, auth: Authorization, username: str, password: str = PASSWORD) -> TestResponse:
        """From the login redirect, post the form and follow to the RP's redirect URI."""
        response = auth.response
        assert response is not None and response.status_code == 302, response
        page = self.client.get(response.location)
        response = self.client.post(
            response.location,
            data={
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                "username": username,
                "password": password,
            },
        )
        if response.status_code == 302 and "/login/code" in response.location:
            response = self.enter_code(response.location)
        if response.status_code != 302:
            auth.response = response
            return response
        return self.follow(auth, response)

    def password_step(
        self, username: str, password: str = PASSWORD, **params: Any
    ) -> tuple[Authorization, TestResponse]:
        """Start a request and post the password only; the answer says what comes next."""
        auth = self.request(**params)
        response = self.start(auth)
        page = self.client.get(response.location)
        response = self.client.post(
            response.location,
            data={
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                "username": username,
                "password": password,
            },
        )
        return auth, response

    def enter_code(self, location: str, code: str | None = None) -> TestResponse:
        """The code step: read the mailed code (unless given) and post it."""
        page = self.client.get(location)
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        return self.client.post(
            location,
            data={
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                "otp": code or self.outbox.latest_code(),
            },
        )

    def follow(self, auth: Authorization, response: TestResponse) -> TestResponse:
        while response.status_code == 302 and not response.location.startswith(
            self.info.redirect_uri
        ):
            response = self.client.get(response.location)
        auth.response = response
        if response.status_code == 302:
            auth.result = query(response.location)
        return response

    def consent(self, auth: Authorization, allow: bool = True) -> TestResponse:
        html = auth.response.get_data(as_text=True)
        request_id = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html).group(1)
        button = {"allow": "Autoriser"} if allow else {"deny": "Refuser"}
        response = self.client.post(
            "/consent", data={"csrf_token": csrf_token(html), "request_id": request_id, **button}
        )
        return self.follow(auth, response)

    def authorize(self, username: str, password: str = PASSWORD, **params: Any) -> Authorization:
        auth = self.request(**params)
        response = self.start(auth)
        if response.status_code == 302 and "/login" in response.location:
            self.login(auth, username, password)
        else:
            self.follow(auth, response)
        return auth

    # --- token endpoint ---------------------------------------------------------------
    def token_request(
        self,
        data: dict[str, Any],
        auth_method: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        method = auth_method or self.info.auth_method
        headers = dict(headers or {})
        data = dict(data)
        if method == "client_secret_basic":
            raw = f"{self.info.client_id}:{self.info.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        elif method == "client_secret_post":
            data.update(client_id=self.info.client_id, client_secret=self.info.client_secret)
        elif method == "none":
            data["client_id"] = self.info.client_id
        return self.client.post("/token", data=data, headers=headers)

    def exchange(self, auth: Authorization, **extra: Any) -> TestResponse:
        data = {
            "grant_type": "authorization_code",
            "code": auth.code,
            "redirect_uri": auth.params["redirect_uri"],
        }
        if auth.verifier:
            data["code_verifier"] = auth.verifier
        data.update(extra)
        return self.token_request(data)

    def refresh(
        self, refresh_token: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> TestResponse:
        return self.token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra},
            headers=headers,
        )

    def sign_in(self, username: str, password: str = PASSWORD, **params: Any) -> dict[str, Any]:
        auth = self.authorize(username, password, **params)
        response = self.exchange(auth)
        assert response.status_code == 200, response.get_json()
        return {**response.get_json(), "_auth": auth}

    # --- other endpoints --------------------------------------------------------------
    def authenticated_post(self, path: str, data: dict[str, Any]) -> TestResponse:
        raw = f"{self.info.client_id}:{self.info.client_secret}".encode()
        return self.client.post(
            path, data=data, headers={"Authorization": "Basic " + base64.b64encode(raw).decode()}
        )

    def introspect(self, token: str, **extra: Any) -> dict[str, Any]:
        response = self.authenticated_post("/introspect", {"token": token, **extra})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def revoke(self, token: str, **extra: Any) -> TestResponse:
        return self.authenticated_post("/revoke", {"token": token, **extra})

    def userinfo(self, access_token: str) -> TestResponse:
        return self.client.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})
