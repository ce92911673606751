"""The demo module's pages and API.

Tokens stay on the server (``TokenStore``, keyed by a random id in the signed cookie): a
browser cookie cannot hold an access token with habilitations plus an ID token. Before every
page the local session is checked against the provider's back-channel logouts.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, flash, redirect, render_template, request, session, url_for
from viatrajectoire_auth import acr
from viatrajectoire_auth.flask import ViaTrajectoireAuth, current_identity

SCOPE = "openid profile email habilitations"
STEP_UP_MESSAGES = {
    acr.EMAIL_OTP: "le code reçu par courriel",
    acr.TOTP: "le code de votre application d'authentification",
    acr.PSC: "votre carte CPS ou e-CPS (Pro Santé Connect)",
}


class TokenStore:
    """Tokens of the signed-in people of this process, by local session id."""

    def __init__(self) -> None:
        self._tokens: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def put(self, token: dict[str, Any]) -> str:
        key = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[key] = token
        return key

    def get(self, key: str | None) -> dict[str, Any] | None:
        with self._lock:
            return self._tokens.get(key or "")

    def replace(self, key: str, token: dict[str, Any]) -> None:
        with self._lock:
            if key in self._tokens:
                self._tokens[key] = token

    def drop(self, key: str | None) -> None:
        with self._lock:
            self._tokens.pop(key or "", None)


def create_app(
    issuer: str,
    client_id: str,
    client_secret: str,
    base_url: str,
    name: str = "Module de démonstration",
    step_up_acr: str = acr.PSC,
    secret_key: str | None = None,
) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),
        SESSION_COOKIE_NAME=f"demo-{client_id}",
        VT_AUTH_ISSUER=issuer,
        VT_AUTH_CLIENT_ID=client_id,
        VT_AUTH_CLIENT_SECRET=client_secret,
        VT_AUTH_REALM=name,
    )
    base_url = base_url.rstrip("/")
    auth = ViaTrajectoireAuth(app)
    oauth = OAuth(app)
    idp = oauth.register(
        "idp",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256"},
    )
    tokens = TokenStore()
    app.extensions["demo_module.tokens"] = tokens

    def signed_in() -> dict[str, Any] | None:
        token = tokens.get(session.get("token_key"))
        return session.get("person") if token else None

    @app.before_request
    def end_sessions_the_provider_ended() -> None:
        person = session.get("person")
        if person is None:
            return
        ended = auth.resource.ended_sessions.is_ended(
            person.get("sid"), person.get("sub"), person["signed_in_at"]
        )
        if ended or tokens.get(session.get("token_key")) is None:
            tokens.drop(session.get("token_key"))
            session.clear()
            if ended:
                flash("Votre session a été fermée depuis ViaTrajectoire (déconnexion).")

    @app.get("/")
    def home() -> str:
        return render_template(
            "home.html", name=name, person=signed_in(), step_up=STEP_UP_MESSAGES.get(step_up_acr)
        )

    @app.get("/login")
    def login() -> Any:
        params = {}
        if request.args.get("acr_values"):
            params["acr_values"] = request.args["acr_values"][:300]
        if request.args.get("max_age", "").isdigit():
            params["max_age"] = request.args["max_age"]
        session["next"] = _local(request.args.get("next"))
        return idp.authorize_redirect(f"{base_url}/callback", **params)

    @app.get("/callback")
    def callback() -> Any:
        if "error" in request.args:
            reason = request.args.get("error_description") or request.args["error"]
            flash(f"Connexion refusée : {reason[:200]}")
            return redirect(url_for("home"))
        try:
            token = idp.authorize_access_token()
        except Exception as error:  # noqa: BLE001 - any failure is shown, none is trusted
            app.logger.warning("sign-in failed: %s", type(error).__name__)
            flash("La connexion n'a pas pu être vérifiée : recommencez.")
            return redirect(url_for("home"))
        claims = token["userinfo"]
        tokens.drop(session.get("token_key"))
        next_page = session.pop("next", "/")
        session.clear()
        session["token_key"] = tokens.put(dict(token))
        session["person"] = {
            "sub": claims["sub"],
            "sid": claims.get("sid"),
            "name": claims.get("name") or claims.get("preferred_username"),
            "acr": claims.get("acr"),
            "signed_in_at": int(time.time()),
        }
        return redirect(next_page)

    def own_api(page: str, path: str) -> Any:
        """Calls the module's own API over HTTP with the access token, as a front end would;
        an expired access token is refreshed once (rotation: the new refresh token is kept)."""
        key = session.get("token_key")
        token = tokens.get(key)
        if token is None:
            return redirect(url_for("login", next=page))
        answer = _call_api(f"{base_url}{path}", token["access_token"])
        if answer["status"] == 401 and "invalid_token" in answer["challenge"]:
            try:
                fresh = idp.fetch_access_token(
                    grant_type="refresh_token", refresh_token=token.get("refresh_token", "")
                )
            except Exception:  # noqa: BLE001 - refused or unreachable: sign in again
                return redirect(url_for("login", next=page))
            tokens.replace(key, {**token, **fresh})
            answer = _call_api(f"{base_url}{path}", fresh["access_token"])
        return answer

    @app.get("/moi")
    def me_page() -> Any:
        answer = own_api("/moi", "/api/moi")
        if not isinstance(answer, dict):
            return answer
        return render_template("api.html", name=name, person=signed_in(), answer=answer)

    @app.get("/volet-medical")
    def sensitive_page() -> Any:
        """Needs ``step_up_acr``: the API answers 401 with a challenge, the page follows it."""
        answer = own_api("/volet-medical", "/api/volet-medical")
        if not isinstance(answer, dict):
            return answer
        if answer["status"] == 401 and "insufficient_user_authentication" in answer["challenge"]:
            return redirect(url_for("login", next="/volet-medical", acr_values=step_up_acr))
        return render_template("sensitive.html", name=name, person=signed_in(), answer=answer)

    @app.get("/logout")
    def logout() -> Any:
        token = tokens.get(session.get("token_key")) or {}
        tokens.drop(session.get("token_key"))
        session.clear()
        metadata = idp.load_server_metadata()
        query = {"client_id": client_id, "post_logout_redirect_uri": f"{base_url}/"}
        if token.get("id_token"):
            query["id_token_hint"] = token["id_token"]
        return redirect(f"{metadata['end_session_endpoint']}?{urlencode(query)}")

    @app.get("/api/moi")
    @auth.token_required("habilitations")
    def api_me() -> dict[str, Any]:
        return {
            "sub": current_identity.subject,
            "profession": current_identity.profession,
            "national_id": current_identity.national_id,
            "acr": current_identity.acr,
            "habilitations": [
                {
                    "profile": h.profile_label,
                    "module": h.module,
                    "establishment": h.establishment.name,
                    "unit": h.unit,
                }
                for h in current_identity.habilitations
            ],
        }

    @app.get("/api/volet-medical")
    @auth.habilitation_required(module="GRAND_AGE")
    @auth.acr_required(step_up_acr)
    def api_sensitive() -> dict[str, Any]:
        return {"volet_medical": "Synthèse médicale de Mme A. (données fictives)"}

    app.add_url_rule(
        "/backchannel-logout",
        "backchannel_logout",
        auth.backchannel_logout_view(),
        methods=["POST"],
    )

    @app.errorhandler(404)
    def not_found(_: Exception) -> tuple[str, int]:
        return "Page introuvable", 404

    return app


def _call_api(url: str, access_token: str) -> dict[str, Any]:
    try:
        response = requests.get(
            url, headers={"Authorization": f"Bearer {access_token}"}, timeout=10
        )
    except requests.RequestException as error:
        return {"status": 0, "challenge": "", "body": {"error": type(error).__name__}}
    body = response.json() if "json" in response.headers.get("Content-Type", "") else {}
    return {
        "status": response.status_code,
        "challenge": response.headers.get("WWW-Authenticate", ""),
        "body": body,
    }


def _local(target: str | None) -> str:
    """Only paths of this module: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"
