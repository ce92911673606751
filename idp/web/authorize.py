"""The authorization endpoint and the pages a person meets during it: login and consent."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from idp.authn.passwords import InvalidCredentialsError
from idp.oidc.authorization import Outcome, PendingRequest
from idp.web.context import current_sid, password_login, provider, set_sid
from idp.web.errors import render_error
from idp.web.forms import ConsentForm, LoginForm

bp = Blueprint("authorize", __name__)
MAX_PENDING_PER_BROWSER = 10


@bp.route("/authorize", methods=["GET", "POST"])
def authorize_endpoint() -> Response:
    g.ui_locales = request.values.get("ui_locales", "")
    params = list(request.values.items(multi=True))
    return _follow(provider().authorize(params, current_sid()))


@bp.get("/authorize/resume")
def resume() -> Response:
    pending = _bound_pending(request.args.get("request"))
    return _follow(provider().authorize(_params(pending), current_sid(), pending))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    pending = _bound_pending(request.values.get("request"), required=False)
    form = LoginForm()
    if request.method == "GET" and pending is not None:
        form.username.data = pending.param("login_hint") or ""
    if form.validate_on_submit():
        try:
            sso = password_login().login(form.username.data, form.password.data)
        except InvalidCredentialsError:
            form.password.errors.append(_("Nom d'utilisateur ou mot de passe incorrect."))
            return render_template("login.html", form=form, pending=pending), 401
        provider().ctx.sessions.end(current_sid())
        if pending is not None:
            provider().authorization.mark_login_done(pending)
            response = redirect(url_for("authorize.resume", request=pending.id))
        else:
            response = redirect(url_for("pages.home"))
        set_sid(response, sso.sid)
        return response
    status = 400 if form.errors else 200
    return render_template("login.html", form=form, pending=pending), status


@bp.route("/consent", methods=["GET", "POST"])
def consent() -> Response | str:
    pending = _bound_pending(request.values.get("request_id") or request.args.get("request"))
    form = ConsentForm()
    if form.validate_on_submit():
        allowed = bool(form.allow.data)
        scopes = (_param(pending, "scope") or "").split()
        if allowed:
            provider().record_consent(current_sid(), pending, scopes)
        return _follow(provider().authorize(_params(pending), current_sid(), pending, allowed))
    return _follow(provider().authorize(_params(pending), current_sid(), pending))


def _follow(outcome: Outcome) -> Response:
    if outcome.kind == "respond":
        return outcome.response
    if outcome.kind == "error_page":
        return render_error(outcome.error.error, outcome.error.get_error_description(), 400)
    pending = outcome.pending
    _bind(pending)
    if outcome.kind == "login":
        return redirect(url_for("authorize.login", request=pending.id))
    form = ConsentForm(request_id=pending.id)
    return render_template(
        "consent.html",
        form=form,
        client_name=outcome.client_name,
        scopes=outcome.scopes,
        pending=pending,
    )


def _bind(pending: PendingRequest) -> None:
    """Tie a pending request to this browser, so no one else can finish it."""
    bound = [pid for pid in session.get("pending", []) if pid != pending.id]
    session["pending"] = (bound + [pending.id])[-MAX_PENDING_PER_BROWSER:]


def _bound_pending(pending_id: str | None, required: bool = True) -> PendingRequest | None:
    pending = None
    if pending_id and pending_id in session.get("pending", []):
        pending = provider().authorization.get_pending(pending_id)
    if pending is None and required:
        abort(
            render_error(
                "request_expired",
                _(
                    "Votre demande de connexion a expiré. Retournez sur l'application et "
                    "recommencez."
                ),
                400,
            )
        )
    if pending is not None:
        g.ui_locales = pending.param("ui_locales") or ""
    return pending


def _params(pending: PendingRequest | None) -> list[tuple[str, str]]:
    return [(key, value) for key, value in pending.params] if pending else []


def _param(pending: PendingRequest | None, name: str) -> str | None:
    return pending.param(name) if pending else None
