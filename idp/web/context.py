"""Access to the wired services from a view, and the SSO cookie."""

from __future__ import annotations

from flask import Response, current_app, request

from idp.authn.login import PasswordLogin
from idp.oidc.context import ProviderContext
from idp.oidc.provider import Provider

SSO_COOKIE = "idp_sso"


def ctx() -> ProviderContext:
    return current_app.extensions["idp"]


def provider() -> Provider:
    return current_app.extensions["idp.provider"]


def password_login() -> PasswordLogin:
    return current_app.extensions["idp.login"]


def current_sid() -> str | None:
    return request.cookies.get(SSO_COOKIE)


def set_sid(response: Response, sid: str) -> None:
    settings = ctx().settings
    response.set_cookie(
        SSO_COOKIE,
        sid,
        max_age=settings.sso_session_ttl,
        httponly=True,
        secure=settings.issuer_is_https,
        samesite="Lax",
        path="/",
    )


def clear_sid(response: Response) -> None:
    response.delete_cookie(
        SSO_COOKIE, path="/", httponly=True, secure=ctx().settings.issuer_is_https, samesite="Lax"
    )
