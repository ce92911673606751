"""Each request's id, latency and (in JSON log mode) its one log event; and ``/metrics``.

The request id comes from the proxy's ``X-Request-Id`` when it is a plain token, otherwise a
new one; it is sent back in the answer and added to every log record of the request, so a
support call ("it failed at 8:02") finds the lines of that request on every instance.

``/metrics`` is not public: it answers only a bearer token equal to ``IDP_METRICS_TOKEN``
(404 while none is set), so scrapers authenticate and nobody else learns the counters.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, abort, g, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from idp import clock, metrics
from idp.log_redaction import redact
from idp.web import errors
from idp.web.context import ctx, services

bp = Blueprint("telemetry", __name__)
errors.handle(bp, errors.html)
log = logging.getLogger("idp.request")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def init(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    started = g.get("started")
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics.REQUESTS.labels(endpoint, request.method, str(response.status_code)).observe(elapsed)
    response.headers["X-Request-Id"] = g.request_id
    if ctx().settings.log_format == "json":
        g.client_id = _client_id()
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": redact(request.path),
                "endpoint": endpoint,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                "outcome": _outcome(response),
                "remote_addr": request.remote_addr,
            },
        )
    return response


def _client_id() -> str | None:
    """The client a protocol request names (never its secret): Basic user, or client_id."""
    try:
        auth = request.authorization
        named = auth.username if auth is not None and auth.type == "basic" else None
        named = named or request.args.get("client_id") or request.form.get("client_id")
    except (HTTPException, ValueError):  # an oversized or malformed body: no client to name
        return None
    return named[:100] if isinstance(named, str) and named else None


def _outcome(response: Response) -> str:
    """ "ok", the OAuth error code of a JSON error answer, or the status class."""
    if response.status_code < 400:
        return "ok"
    if response.is_json and response.content_length and response.content_length < 4096:
        body = response.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return str(body["error"])[:40]
    return "client_error" if response.status_code < 500 else "server_error"


@bp.route("/metrics")
def scrape() -> ResponseReturnValue:
    token = ctx().settings.metrics_token
    if not token:
        abort(404)
    auth = request.headers.get("Authorization", "")
    if not hmac.compare_digest(auth.encode(), f"Bearer {token}".encode()):
        return Response(
            "metrics need the scraper's bearer token\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"', "Content-Type": "text/plain"},
        )
    body, content_type = metrics.exposition(metrics.DatabaseGauges(_database_state))
    return Response(body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"})


def _database_state() -> dict[str, Any]:
    state = {
        "deliveries": services().backchannel.counts(),
        "keys": services().keys.published_ages(),
        "clock_offset": clock.offset(),
    }
    ctx().db_session().rollback()  # a scrape only reads
    return state
