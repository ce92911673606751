"""Flask extension: decorators for API routes and the back-channel logout endpoint.

    auth = ViaTrajectoireAuth(app)   # VT_AUTH_ISSUER, VT_AUTH_CLIENT_ID, VT_AUTH_CLIENT_SECRET

    @app.get("/api/demandes/<finess>")
    @auth.habilitation_required(module="GRAND_AGE", establishment_arg="finess")
    @auth.acr_required(acr.EMAIL_OTP)
    def demandes(finess): return {"for": current_identity.subject}

Refusals become JSON bodies with the RFC 6750 / 9470 ``WWW-Authenticate`` challenge.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.local import LocalProxy

from viatrajectoire_auth.claims import Identity
from viatrajectoire_auth.errors import AuthError, InvalidLogoutTokenError
from viatrajectoire_auth.guards import require_acr, require_habilitation, require_scope
from viatrajectoire_auth.logout import LogoutEvent
from viatrajectoire_auth.resource import ResourceServer

EXTENSION = "viatrajectoire_auth"


class ViaTrajectoireAuth:
    def __init__(self, app: Flask | None = None, **options: Any) -> None:
        #: extra ResourceServer options (store, leeway, algorithms …)
        self.options = options
        self._resource: ResourceServer | None = None
        self._lock = threading.Lock()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.extensions[EXTENSION] = self
        app.register_error_handler(AuthError, self.error_response)

    @property
    def resource(self) -> ResourceServer:
        """Built on first use, so a module may start before the provider answers."""
        with self._lock:
            if self._resource is None:
                config = current_app.config
                self._resource = ResourceServer(
                    config["VT_AUTH_ISSUER"],
                    config["VT_AUTH_CLIENT_ID"],
                    config.get("VT_AUTH_CLIENT_SECRET"),
                    introspect=config.get("VT_AUTH_INTROSPECT", False),
                    **self.options,
                )
            return self._resource

    def identity(self, introspect: bool | None = None) -> Identity:
        """The caller of this request (validated once per request)."""
        if "vt_identity" not in g or (introspect and not g.get("vt_introspected")):
            g.vt_identity = self.resource.authenticate(
                request.headers.get("Authorization"), introspect
            )
            g.vt_introspected = bool(introspect or self.resource.introspect)
        return g.vt_identity

    def token_required(self, *scopes: str, introspect: bool | None = None) -> Callable:
        def check(_: dict[str, Any]) -> None:
            require_scope(self.identity(introspect), *scopes)

        return _guard(check)

    def habilitation_required(
        self,
        module: str | None = None,
        profile: str | None = None,
        right: str | None = None,
        establishment: str | None = None,
        establishment_arg: str | None = None,
    ) -> Callable:
        """``establishment_arg`` names the route argument holding the FINESS to check."""

        def check(kwargs: dict[str, Any]) -> None:
            finess = kwargs.get(establishment_arg) if establishment_arg else establishment
            g.vt_habilitation = require_habilitation(
                self.identity(), module, profile, finess, right
            )

        return _guard(check)

    def acr_required(self, acr_values: str | Iterable[str], max_age: int | None = None) -> Callable:
        def check(_: dict[str, Any]) -> None:
            require_acr(self.identity(), acr_values, max_age)

        return _guard(check)

    def backchannel_logout_view(
        self, on_logout: Callable[[LogoutEvent], None] | None = None
    ) -> Callable[[], Response]:
        """A view for the module's ``backchannel_logout_uri`` (register it with POST)."""

        def backchannel_logout() -> Response:
            try:
                event = self.resource.logout_tokens.validate(request.form.get("logout_token"))
            except InvalidLogoutTokenError as error:
                current_app.logger.warning("logout token refused: %s", error)
                response = jsonify(error="invalid_request", error_description=str(error))
                response.status_code = 400
            else:
                self.resource.ended_sessions.record(event)
                if on_logout is not None:
                    on_logout(event)
                response = Response(status=200)
            response.headers["Cache-Control"] = "no-store"
            return response

        return backchannel_logout

    def error_response(self, error: AuthError) -> Response:
        response = jsonify(error.to_dict())
        response.status_code = error.status
        challenge = error.www_authenticate(current_app.config.get("VT_AUTH_REALM"))
        if challenge:
            response.headers["WWW-Authenticate"] = challenge
        response.headers["Cache-Control"] = "no-store"
        return response


def _guard(check: Callable[[dict[str, Any]], None]) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            check(kwargs)
            return view(*args, **kwargs)

        return guarded

    return decorator


def _current_identity() -> Identity:
    return current_app.extensions[EXTENSION].identity()


#: the caller of the current request, inside a guarded route
current_identity: Identity = LocalProxy(_current_identity)  # type: ignore[assignment]
