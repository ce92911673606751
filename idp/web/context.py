"""Access to the wired services from a view, and the SSO cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g, request
from werkzeug.wrappers import Response

from idp.authn.login import PasswordLogin
from idp.authn.password_changes import PasswordChanges
from idp.oidc.context import ProviderContext
from idp.oidc.provider import Provider
from idp.services import Services
from idp.services import of as services_of

SSO_COOKIE = "idp_sso"


def services() -> Services:
    """The provider's services, for the view being answered."""
    return services_of(current_app)


def ctx() -> ProviderContext:
    return services().context


def provider() -> Provider:
    return services().provider


def password_login() -> PasswordLogin:
    return services().login


def password_changes() -> PasswordChanges:
    return services().password_changes


def allow_form_target(url: str | None) -> None:
    """Let this page's forms lead, through the redirects that follow them, to ``url``'s
    origin (the Content-Security-Policy ``form-action`` of the page names it)."""
    parts = urlsplit(url or "")
    if parts.scheme in ("https", "http") and parts.netloc:
        g.setdefault("form_origins", set()).add(f"{parts.scheme}://{parts.netloc}")


def cookie_name(name: str) -> str:
    """Under https a cookie is named ``__Host-…``: the browser then keeps it only if it was
    set Secure, for this host alone and the whole site, so no sibling domain can plant one."""
    return f"__Host-{name}" if ctx().settings.issuer_is_https else name


def current_sid() -> str | None:
    return request.cookies.get(cookie_name(SSO_COOKIE))


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    """Every cookie the provider sets: ``__Host-`` under https, HttpOnly, SameSite=Lax,
    Secure under https, the whole site."""
    response.set_cookie(
        cookie_name(name),
        value,
        max_age=max_age,
        httponly=True,
        secure=ctx().settings.issuer_is_https,
        samesite="Lax",
        path="/",
    )


def set_sid(response: Response, sid: str) -> None:
    set_cookie(response, SSO_COOKIE, sid, ctx().settings.sso_session_ttl)


def clear_sid(response: Response) -> None:
    response.delete_cookie(
        cookie_name(SSO_COOKIE),
        path="/",
        httponly=True,
        secure=ctx().settings.issuer_is_https,
        samesite="Lax",
    )
