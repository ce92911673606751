"""Administration pages: referents manage their establishments' accounts, support all.

Every rule lives in ``idp.accounts.administration``; a refusal there becomes a 403 here,
whatever ids were typed into the URL or the form.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from idp.accounts import eligibility, habilitations, users
from idp.accounts.administration import (
    EDITABLE,
    Actor,
    Administration,
    NewHabilitation,
    PermissionDeniedError,
)
from idp.accounts.national_ids import AlreadyLinkedError
from idp.accounts.users import InvalidUserError
from idp.authn.context import RIE_CATEGORY
from idp.errors import ConflictError
from idp.oidc import assurance
from idp.web import errors
from idp.web.admin_forms import AccountForm, ActionForm, AddHabilitationForm, NewAccountForm
from idp.web.context import current_sid, provider, services

bp = Blueprint("admin", __name__, url_prefix="/admin")
errors.handle(bp, errors.html)
PER_PAGE = 20


def _admin() -> Administration:
    return services().admin


def _actor() -> Actor:
    user = services().security.signed_in_user(current_sid())
    if user is None:
        abort(redirect(url_for("authorize.login")))
    return _admin().actor(user)


@bp.get("/assurance")
def assurance_report() -> ResponseReturnValue:
    """Support's assurance report for a structure's homologation file (``idp assurance``)."""
    actor = _actor()
    if not actor.is_support:
        raise PermissionDeniedError("not_support")
    made = provider().assurance_report()
    return render_template(
        "admin/assurance.html",
        report=made,
        chart=Markup(assurance.svg_chart(made)),  # noqa: S704 (drawn here, every text escaped)
        means=assurance.MEANS,
        means_labels=assurance.MEANS_LABELS,
        categories=RIE_CATEGORY,
    )


@bp.get("/accounts")
def accounts() -> ResponseReturnValue:
    actor = _actor()
    text = request.args.get("q", "")[:100]
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and 0 < int(page) < 100000 else 1
    rows, total = _admin().search(actor, text, page_number, PER_PAGE)
    warnings = _admin().understaffed(actor)
    return render_template(
        "admin/accounts.html",
        rows=rows,
        total=total,
        q=text,
        page=page_number,
        pages=max(1, -(-total // PER_PAGE)),
        warnings=warnings,
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
def new_account() -> ResponseReturnValue:
    actor = _actor()
    form = NewAccountForm()
    _choices(form, actor)
    if form.validate_on_submit():
        fields = _fields(form, "username", *EDITABLE)
        try:
            user = _admin().create_account(actor, fields, _habilitation(form), form.send_mail.data)
        except (InvalidUserError, ConflictError, ValueError) as error:
            form.username.errors.append(_message(error))
        else:
            return redirect(url_for("admin.account", user_id=user.id))
    return render_template("admin/new_account.html", form=form), 400 if form.errors else 200


@bp.route("/accounts/<id:user_id>", methods=["GET", "POST"])
def account(user_id: int) -> ResponseReturnValue:
    actor = _actor()
    user = _admin().account(actor, user_id)
    form = AccountForm(obj=user)
    if form.validate_on_submit():
        fields = _fields(form, *EDITABLE, "national_id")
        try:
            _admin().update_account(actor, user, fields)
        except InvalidUserError as error:
            form.email.errors.append(_message(error))
        except AlreadyLinkedError:
            form.national_id.errors.append(
                _("Cet identifiant national est déjà rattaché à un autre compte.")
            )
        else:
            return redirect(url_for("admin.account", user_id=user.id))
    return _account_page(actor, user, form, AddHabilitationForm(formdata=None))


@bp.post("/accounts/<id:user_id>/habilitations")
def add_habilitation(user_id: int) -> ResponseReturnValue:
    actor = _actor()
    user = _admin().account(actor, user_id)
    form = AddHabilitationForm()
    _choices(form, actor)
    if form.validate_on_submit():
        try:
            _admin().add_habilitation(actor, user, _habilitation(form))
        except ValueError as error:
            form.valid_to.errors.append(_message(error))
        else:
            return redirect(url_for("admin.account", user_id=user.id))
    return _account_page(actor, user, AccountForm(obj=user, formdata=None), form, status=400)


@bp.post("/habilitations/<id:habilitation_id>/end")
def end_habilitation(habilitation_id: int) -> ResponseReturnValue:
    actor = _actor()
    _require_action()
    _admin().end_habilitation(actor, habilitation_id)
    return redirect(request.referrer or url_for("admin.accounts"))


@bp.post("/habilitations/<id:habilitation_id>/mails")
def toggle_mails(habilitation_id: int) -> ResponseReturnValue:
    actor = _actor()
    _require_action()
    _admin().set_receives_mails(actor, habilitation_id, request.form.get("value") == "1")
    return redirect(request.referrer or url_for("admin.accounts"))


@bp.post("/accounts/<id:user_id>/<any(block, unblock, deactivate, reactivate):action>")
def change_state(user_id: int, action: str) -> ResponseReturnValue:
    actor = _actor()
    _require_action()
    user = _admin().account(actor, user_id)
    if action in ("block", "unblock"):
        _admin().set_blocked(actor, user, action == "block")
    else:
        _admin().set_active(actor, user, action == "reactivate")
    return redirect(url_for("admin.account", user_id=user.id))


@bp.post("/accounts/<id:user_id>/second-factor/reset")
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    """Support removes an authenticator app its owner lost (audited, mailed)."""
    actor = _actor()
    _require_action()
    user = _admin().account(actor, user_id)
    if not actor.is_support:
        raise PermissionDeniedError("not_support")
    services().apps.reset(user, actor.name)
    return redirect(url_for("admin.account", user_id=user.id))


@bp.post("/accounts/<id:user_id>/passkeys/<id:passkey_id>/remove")
def remove_passkey(user_id: int, passkey_id: int) -> ResponseReturnValue:
    """A device lost: support, or the référent who manages the account, removes its passkey
    (audited in the account's history, mailed to its owner)."""
    actor = _actor()
    _require_action()
    user = _admin().account(actor, user_id)
    _admin().require_manage(actor, user)
    services().passkeys.remove(user, passkey_id, actor=actor.name)
    return redirect(url_for("admin.account", user_id=user.id))


def _account_page(
    actor: Actor, user: Any, form: AccountForm, add_form: AddHabilitationForm, status: int = 200
) -> tuple[str, int]:
    _choices(add_form, actor)
    rows = _admin().habilitations_of(actor, user)
    page = render_template(
        "admin/account.html",
        user=user,
        form=form,
        add_form=add_form,
        action=ActionForm(),
        habilitations=rows,
        today=habilitations.today(),
        history=_admin().history(actor, user),
        blocked=users.is_blocked(user) or eligibility.is_locked_out(user),
        has_app=actor.is_support and services().apps.totp.is_enrolled(user),
        passkeys=services().passkeys.of(user) if _admin().can_manage(actor, user) else [],
        manageable={
            h.id for h in rows if actor.is_support or h.establishment_id in actor.referent_of
        },
    )
    return page, 400 if form.errors or add_form.errors else status


def _choices(form: Any, actor: Actor) -> None:
    profiles, places, units = _admin().choices(actor)
    names = {e.id: e.name for e in places}
    form.profile_id.choices = [(p.id, p.label) for p in profiles]
    form.establishment_id.choices = [(e.id, f"{e.name} ({e.finess})") for e in places]
    form.unit_id.choices = [(0, "—")] + [
        (u.id, f"{names[u.establishment_id]} — {u.name}") for u in units
    ]


def _habilitation(form: Any) -> NewHabilitation:
    return NewHabilitation(
        form.profile_id.data,
        form.establishment_id.data,
        form.unit_id.data or None,
        form.valid_from.data,
        form.valid_to.data,
        bool(form.receives_mails.data),
    )


def _fields(form: Any, *names: str) -> dict[str, Any]:
    """Form values as the domain wants them: trimmed text ("" when empty), booleans."""
    values = {}
    for name in names:
        data = getattr(form, name).data
        values[name] = bool(data) if isinstance(data, bool) else (data or "").strip()
    return values


def _require_action() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _message(error: Exception) -> str:
    if isinstance(error, ConflictError):
        return str(_("Ce nom d'utilisateur est déjà pris."))
    if isinstance(error, InvalidUserError):
        return str(_("Valeur invalide : %(field)s.", field=error.field))
    return str(_("La date de fin précède la date de début."))
