"""The machine-facing endpoints: discovery, JWKS, token, userinfo, introspection, revocation.

Bodies are JSON, errors use the RFC error codes, and no endpoint accepts a parameter twice
(RFC 6749 3.1 and 3.2).
"""

from __future__ import annotations

import base64

from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError
from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as WsgiResponse

from idp.web import errors
from idp.web.context import provider

bp = Blueprint("protocol", __name__)
errors.handle(bp, errors.json)


@bp.get("/health")
def health() -> ResponseReturnValue:
    """Liveness for load balancers: the process answers (touches nothing else)."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/health/ready")
def ready() -> ResponseReturnValue:
    """Readiness: the database and the ephemeral store answer."""
    problems = provider().readiness_problems()
    response = jsonify(status="ok" if not problems else "unavailable", problems=problems)
    response.status_code = 200 if not problems else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/.well-known/openid-configuration")
@bp.get("/.well-known/oauth-authorization-server")
def discovery() -> ResponseReturnValue:
    body, etag = provider().discovery_document()
    return _cacheable(body, etag, "application/json", 3600)


@bp.get("/jwks.json")
def jwks() -> ResponseReturnValue:
    body, etag = provider().jwks_document()
    return _cacheable(body, etag, "application/jwk-set+json", provider().ctx.settings.jwks_max_age)


def _cacheable(body: str, etag: str, mimetype: str, max_age: int) -> WsgiResponse:
    """Public documents: cached by browsers and RPs (max-age, ETag), readable cross-origin."""
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


@bp.post("/token")
def token() -> ResponseReturnValue:
    return _once_each() or provider().token()


@bp.post("/introspect")
def introspect() -> ResponseReturnValue:
    return _once_each() or provider().introspect()


@bp.post("/revoke")
def revoke() -> ResponseReturnValue:
    return _once_each() or provider().revoke()


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo() -> ResponseReturnValue:
    response = provider().userinfo()
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _once_each() -> Response | None:
    """Refuse a body that repeats a parameter or is not a form, and unreadable Basic auth."""
    if _malformed_basic_credentials():
        return provider().error_response(
            InvalidClientError(status_code=401, description="Malformed Basic credentials.")
        )
    if request.mimetype != "application/x-www-form-urlencoded":
        return provider().error_response(
            InvalidRequestError("The body must be application/x-www-form-urlencoded.")
        )
    for key, values in request.form.lists():
        if len(values) > 1:
            return provider().error_response(InvalidRequestError(f"Repeated parameter '{key}'."))
    return None


def _malformed_basic_credentials() -> bool:
    """RFC 7617 credentials must be base64 of UTF-8 text (Authlib would fail with a 500), and
    a scheme without credentials ("Basic", "Bearer\\x85") is malformed too (found by fuzzing)."""
    header = request.headers.get("Authorization", "")
    if header and len(header.split(None, 1)) < 2:
        return True  # a scheme alone, or followed by Unicode blanks only
    if not header[:6].lower() == "basic ":
        return False
    try:
        base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return True
    return False
