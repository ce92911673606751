"""Flask's signed-cookie session, opened only when the request carries the cookie."""

from __future__ import annotations

from typing import Any

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask builds the cookie's signer on every request before looking for the cookie;
    the protocol endpoints (modules, machines) never send one, and the signer was a twentieth
    of a /health request. Saving is Flask's own, unchanged."""

    def open_session(self, app: Any, request: Any) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
