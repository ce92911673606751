"""The WSGI application factory for any server: ``idp.wsgi:build`` (granian ``--factory``,
gunicorn ``'idp.wsgi:build()'``); ``idp serve`` uses it.

Behind a reverse proxy, the client's address and scheme come from ``X-Forwarded-For`` and
``X-Forwarded-Proto``, trusted only when the request arrives from an address listed in
``IDP_FORWARDED_ALLOW_IPS`` (default the loopback, as gunicorn's ``forwarded_allow_ips``):
rate limits and lockouts then count the real client, and nobody else can spoof it.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from idp import create_app, log_redaction


class TrustedProxy:
    def __init__(self, wsgi_app: Any, trusted: set[str]) -> None:
        self._direct = wsgi_app
        self._proxied = ProxyFix(wsgi_app, x_for=1, x_proto=1)
        self._trusted = trusted

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if is_trusted(environ.get("REMOTE_ADDR", ""), self._trusted):
            return self._proxied(environ, start_response)
        return self._direct(environ, start_response)


def is_trusted(address: str, trusted: set[str]) -> bool:
    """An exact address, a network (``10.0.0.0/8``, a container network), or ``*`` (only
    where nothing but the proxy can reach the instances)."""
    if address in trusted or "*" in trusted:
        return True
    networks = [t for t in trusted if "/" in t]
    if not networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)
    except ValueError:
        return False


def trusted_addresses() -> set[str]:
    raw = os.environ.get("IDP_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    return {item.strip() for item in raw.split(",") if item.strip()}


SECRET_VARIABLES = (
    "IDP_SECRET_KEY",
    "IDP_KEY_ENCRYPTION_KEY",
    "IDP_DATABASE_URL",
    "IDP_REDIS_URL",
    "IDP_SMTP_URL",
    "IDP_PSC_CLIENT_SECRET",
)


def build() -> Any:
    """One application per worker. Secrets are dropped from the process environment once the
    settings hold them: some servers (granian) copy it into every request's WSGI environ."""
    log_redaction.install()  # in each worker: granian logs access from the worker process
    application = create_app()
    # Flask's documented way to put a middleware in front (mypy sees a method replaced)
    application.wsgi_app = TrustedProxy(  # type: ignore[method-assign]
        application.wsgi_app, trusted_addresses()
    )
    for name in SECRET_VARIABLES:
        os.environ.pop(name, None)
    return application
