"""One error handler per kind of client: JSON for the protocol endpoints, HTML for people.

Nothing unexpected leaks: a 500 is logged with an event id, and the page shows only that id.
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from idp.storage import UNAVAILABLE, db

log = logging.getLogger("idp.web")
RETRY_AFTER = 5

API_PREFIXES = (
    "/token",
    "/introspect",
    "/revoke",
    "/userinfo",
    "/jwks.json",
    "/.well-known",
    "/api/",
)


def wants_json() -> bool:
    return request.path.startswith(API_PREFIXES)


def render_error(code: str, description: str, status: int) -> Response:
    body = render_template("error.html", code=code, description=description)
    return Response(body, status=status, mimetype="text/html")


def _http_error(error: HTTPException) -> Response:
    if error.response is not None:
        return error.response
    status = error.code or 500
    code = "invalid_request" if status < 500 else "server_error"
    if status == 404:
        code = "not_found"
    if status == 429:
        code = "too_many_requests"
        error.description = _("Trop de requêtes depuis votre adresse : réessayez dans une minute.")
    if wants_json():
        response = jsonify(error=code, error_description=error.description)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_error(code, error.description or "", status)


def _csrf_error(error: CSRFError) -> Response:
    return render_error(
        "csrf",
        _(
            "Le formulaire a expiré ou a été envoyé depuis une autre page. Rechargez la page "
            "et recommencez."
        ),
        400,
    )


def _storage_unavailable(error: Exception) -> Response:
    """The database or the shared store cannot be reached (a restart, a failover): a clear
    503 that says to retry, never a 500, and nothing of the request was kept."""
    log.warning("storage unavailable (%s): answered 503", type(error).__name__)
    db.session.rollback()
    if wants_json():
        response = jsonify(
            error="temporarily_unavailable",
            error_description="The service is briefly unavailable; retry in a few seconds.",
        )
        response.status_code = 503
    else:
        response = render_error(
            "temporarily_unavailable",
            _("Le service est momentanément indisponible : réessayez dans quelques instants."),
            503,
        )
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _unexpected(error: Exception) -> Response:
    event_id = secrets.token_hex(8)
    log.exception("unexpected error, event id %s", event_id)
    if wants_json():
        response = jsonify(error="server_error", error_description=f"event id {event_id}")
        response.status_code = 500
        return response
    return render_error(
        "server_error",
        _("Une erreur inattendue est survenue (référence %(id)s).", id=event_id),
        500,
    )


def register(app: Flask) -> None:
    for outage in UNAVAILABLE:
        app.register_error_handler(outage, _storage_unavailable)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
