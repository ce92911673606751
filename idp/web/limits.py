"""Per-address rate limits (Flask-Limiter): Redis when configured, else in process."""

from __future__ import annotations

from flask import Flask, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from idp.services import of as services_of
from idp.web.context import ctx

# No X-RateLimit-* headers: reading the window for them took two more Redis round trips on
# every limited request; a refusal still says when to come back (Retry-After, web.errors).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)

#: Blueprints with no per-address limit: the protocol endpoints, called by modules from a
#: few addresses at high rates, with high-entropy secrets or signed assertions.
UNLIMITED_BLUEPRINTS = frozenset({"protocol"})


@limiter.request_filter
def _unlimited() -> bool:
    """Skip the limiter where no limit can apply: resolving the (empty) set of limits was a
    tenth of a token or introspection request."""
    return request.blueprint in UNLIMITED_BLUEPRINTS


def init_limits(app: Flask) -> None:
    redis_url = services_of(app).settings.redis_url
    app.config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = "idp:ratelimit"
    limiter.init_app(app)


def login_limit() -> str:
    return ctx().settings.rate_limit_login


def resend_limit() -> str:
    return ctx().settings.rate_limit_resend


def captcha_limit() -> str:
    return ctx().settings.rate_limit_captcha


def captcha_audio_limit() -> str:
    return ctx().settings.rate_limit_captcha_audio


def pending_limit() -> str:
    return ctx().settings.rate_limit_pending


def created_pending(response: object) -> bool:
    """Only the requests that stored a waiting request count (``g.created_pending``)."""
    return bool(g.get("created_pending"))
