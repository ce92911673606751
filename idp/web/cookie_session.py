"""Flask's signed-cookie session, opened only when the request carries the cookie, and
signed on the shared clock (``idp.clock``)."""

from __future__ import annotations

from typing import Any

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from idp.clock import SharedClockSigner


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask builds the cookie's signer on every request before looking for the cookie;
    the protocol endpoints (modules, machines) never send one, and the signer was a twentieth
    of a /health request. Saving is Flask's own, unchanged."""

    def open_session(self, app: Any, request: Any) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Any) -> URLSafeTimedSerializer | None:
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            serializer.signer = SharedClockSigner
        return serializer
