"""Per-address rate limits (Flask-Limiter): Redis when configured, else in process."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from idp.web.context import ctx

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def init_limits(app: Flask) -> None:
    redis_url = app.extensions["idp"].settings.redis_url
    app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = "idp:ratelimit"
    limiter.init_app(app)


def login_limit() -> str:
    return ctx().settings.rate_limit_login


def resend_limit() -> str:
    return ctx().settings.rate_limit_resend
