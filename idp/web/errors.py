"""Errors are answered once per blueprint: JSON for the machine endpoints, HTML for people.

A blueprint names its renderer (``handle(bp, json)`` or ``handle(bp, html)``) and every error
its views let out (``IdpError`` by its code, ``HTTPException``, a storage outage, anything
unexpected) is answered by it. A request no view matched (an unknown path, a wrong method) is
answered by the renderer of the blueprint that owns the path. Nothing unexpected leaks: a 500
is logged with an event id, and the answer shows only that id.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from functools import partial
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Error
from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response as WsgiResponse

from idp.errors import IdpError
from idp.storage import UNAVAILABLE, db
from idp.web.error_texts import TEXTS, status_of, text_of

log = logging.getLogger("idp.web")
RETRY_AFTER = 5

#: ``render(code, description, status)``
Render = Callable[[str, str, int], Response]


def html(code: str, description: str, status: int) -> Response:
    body = render_template("error.html", code=code, description=description)
    return Response(body, status=status, mimetype="text/html")


def json(code: str, description: str, status: int) -> Response:
    """RFC 6749's shape (``error``, ``error_description``), never cached."""
    response = jsonify(error=code, error_description=description)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


_RENDERERS: dict[str, Render] = {}


def handle(bp: Blueprint, render: Render) -> None:
    """Answer every error of this blueprint's views with ``render``."""
    _RENDERERS[bp.name] = render
    for kind, answer in _ANSWERS:
        bp.register_error_handler(kind, partial(answer, render))


def register(app: Flask) -> None:
    """Errors raised before a view is chosen: the path's owner answers them."""
    for kind, answer in _ANSWERS:
        app.register_error_handler(kind, partial(_by_owner, answer))


def _by_owner(answer: Callable[[Render, Any], WsgiResponse], error: Exception) -> WsgiResponse:
    return answer(_owner(), error)


def _owner() -> Render:
    """The renderer of the blueprint whose view matched, or which a wrong method was sent
    to, or whose URL prefix the path is under; HTML otherwise."""
    name = request.blueprint
    routing = request.routing_exception
    if name is None and isinstance(routing, MethodNotAllowed) and routing.valid_methods:
        adapter = current_app.url_map.bind_to_environ(request.environ)
        try:
            endpoint, _args = adapter.match(method=next(iter(routing.valid_methods)))
        except HTTPException:
            endpoint = ""
        name = str(endpoint).rpartition(".")[0]
    if name is None and isinstance(routing, NotFound):
        name = next(
            (
                bp.name
                for bp in current_app.blueprints.values()
                if bp.url_prefix and request.path.startswith(bp.url_prefix + "/")
            ),
            None,
        )
    return _RENDERERS.get(name or "", html)


def _domain_error(render: Render, error: IdpError) -> Response:
    description = text_of(error) if render is html else str(error)
    return render(error.code, description, status_of(error.code))


def _protocol_error(render: Render, error: OAuth2Error) -> Response:
    """An Authlib error raised outside Authlib's own endpoints (a page validating a logout
    or authorization request): its code and description, as its endpoint would say. A page
    answers 400 whatever the protocol status, since a person reads it."""
    status = 400 if render is html else (error.status_code or 400)
    return render(error.error or "invalid_request", error.get_error_description() or "", status)


def _http_error(render: Render, error: HTTPException) -> WsgiResponse:
    if isinstance(error.response, WsgiResponse):  # abort(redirect(...)): the answer itself
        return error.response
    status = error.code or 500
    code = "invalid_request" if status < 500 else "server_error"
    if status == 404:
        code = "not_found"
    description = error.description or ""
    if status == 429:
        code = "too_many_requests"
        description = str(TEXTS[code])
    response = render(code, description, status)
    if isinstance(error, RateLimitExceeded):  # the window's length: when it is over at the latest
        response.headers["Retry-After"] = str(error.limit.limit.get_expiry())
    return response


def _csrf_error(render: Render, error: CSRFError) -> Response:
    return render("csrf", str(TEXTS["csrf"]), 400)


def _storage_unavailable(render: Render, error: Exception) -> Response:
    """The database or the shared store cannot be reached (a restart, a failover): a clear
    503 that says to retry, never a 500, and nothing of the request was kept."""
    log.warning("storage unavailable (%s): answered 503", type(error).__name__)
    db.session.rollback()
    code = "temporarily_unavailable"
    description = (
        str(TEXTS[code])
        if render is html
        else "The service is briefly unavailable; retry in a few seconds."
    )
    response = render(code, description, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _unexpected(render: Render, error: Exception) -> Response:
    event_id = secrets.token_hex(8)
    log.exception("unexpected error, event id %s", event_id)
    if render is html:
        description = _("Une erreur inattendue est survenue (référence %(id)s).", id=event_id)
    else:
        description = f"event id {event_id}"
    return render("server_error", description, 500)


#: what each kind of error gets; Flask picks the handler of its nearest class
_ANSWERS: tuple[tuple[type[Exception], Callable[[Render, Any], WsgiResponse]], ...] = (
    *((outage, _storage_unavailable) for outage in UNAVAILABLE),
    (IdpError, _domain_error),
    (OAuth2Error, _protocol_error),
    (CSRFError, _csrf_error),
    (HTTPException, _http_error),
    (Exception, _unexpected),
)
