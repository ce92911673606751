"""The JSON admin API: the referents' rules, for systems that provision accounts.

Bodies are validated against the schemas of the OpenAPI document served at
``/api/admin/v1/openapi.json``; every rule is the domain's (``accounts.administration``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from authlib.oauth2.rfc6749 import MissingAuthorizationError, OAuth2Error
from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from jsonschema import Draft202012Validator, FormatChecker

from idp.accounts import eligibility, users
from idp.accounts.administration import (
    Actor,
    Administration,
    NewHabilitation,
    PermissionDeniedError,
)
from idp.accounts.national_ids import AlreadyLinkedError
from idp.errors import ConflictError, NotFoundError
from idp.oidc import clients as registry
from idp.storage.models import Habilitation, User
from idp.web import admin_openapi, errors
from idp.web.context import ctx, provider, services

bp = Blueprint("admin_api", __name__, url_prefix="/api/admin/v1")
SCOPE = "admin"
CHECKER = FormatChecker()
VALIDATORS = {
    name: Draft202012Validator(schema, format_checker=CHECKER)
    for name, schema in {
        "new": admin_openapi.ACCOUNT_NEW,
        "patch": admin_openapi.ACCOUNT_PATCH,
        "state": admin_openapi.STATE,
        "habilitation": admin_openapi.HABILITATION_IN,
        "client": admin_openapi.CLIENT_ASSURANCE,
    }.items()
}


class ApiError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


errors.handle(bp, errors.json)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    """A refusal of this API's own (the bearer token, the body's schema): its status as is."""
    response = errors.json(error.error, error.description, error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = f'Bearer realm="{ctx().issuer}"'
    return response


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(admin_openapi.document(ctx().issuer))


@bp.get("/accounts")
def search() -> ResponseReturnValue:
    actor = _actor()
    text = request.args.get("q", "")[:100]
    page = request.args.get("page", "1")
    if not page.isdigit() or not 0 < int(page) <= 100000:
        raise ApiError(400, "invalid_request", "page: an integer from 1")
    rows, total = _admin().search(actor, text, int(page))
    return jsonify(items=[_account(actor, u) for u in rows], total=total, page=int(page))


@bp.post("/accounts")
def create() -> ResponseReturnValue:
    actor = _actor()
    body = _body("new")
    fields = {k: v for k, v in body.items() if k not in ("habilitation", "send_mail")}
    try:
        user = _admin().create_account(
            actor,
            fields,
            _new_habilitation(body["habilitation"]),
            bool(body.get("send_mail", False)),
        )
    except ConflictError as exc:
        raise ApiError(409, "conflict", "username already taken") from exc
    except (users.InvalidUserError, ValueError) as exc:
        raise ApiError(400, "invalid_request", str(exc)) from exc
    return jsonify(_account(actor, user)), 201


@bp.get("/accounts/<username>")
def read(username: str) -> ResponseReturnValue:
    actor = _actor()
    return jsonify(_account(actor, _managed(actor, username)))


@bp.patch("/accounts/<username>")
def update(username: str) -> ResponseReturnValue:
    actor = _actor()
    user = _managed(actor, username)
    try:
        _admin().update_account(actor, user, _body("patch"))
    except users.InvalidUserError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from exc
    except AlreadyLinkedError as exc:
        raise ApiError(409, "conflict", "national_id is linked to another account") from exc
    return jsonify(_account(actor, user))


@bp.post("/accounts/<username>/state")
def state(username: str) -> ResponseReturnValue:
    actor = _actor()
    user = _managed(actor, username)
    body = _body("state")
    if "blocked" in body:
        _admin().set_blocked(actor, user, body["blocked"])
    if "active" in body:
        _admin().set_active(actor, user, body["active"])
    return jsonify(_account(actor, user))


@bp.post("/accounts/<username>/habilitations")
def add_habilitation(username: str) -> ResponseReturnValue:
    actor = _actor()
    user = _managed(actor, username)
    try:
        added = _admin().add_habilitation(actor, user, _new_habilitation(_body("habilitation")))
    except ValueError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from exc
    return jsonify(_habilitation(added)), 201


@bp.get("/clients/<client_id>")
def read_client(client_id: str) -> ResponseReturnValue:
    return jsonify(_client_out(_supported_client(_actor(), client_id)))


@bp.patch("/clients/<client_id>")
def update_client(client_id: str) -> ResponseReturnValue:
    """A module's minimum level and health-data flag: support's to set (audited)."""
    actor = _actor()
    record = _supported_client(actor, client_id)
    try:
        provider().set_client_assurance(record, _body("client"), actor.name)
    except registry.InvalidClientMetadataError as exc:
        raise ApiError(400, "invalid_request", str(exc)) from exc
    return jsonify(_client_out(record))


def _supported_client(actor: Actor, client_id: str) -> Any:
    if not actor.is_support:
        raise PermissionDeniedError("not_support")
    record = provider().client_registration(client_id)
    if record is None:
        raise NotFoundError("no such client")
    return record


def _client_out(record: Any) -> dict[str, Any]:
    return {
        "client_id": record.client_id,
        "client_name": record.client_name,
        "minimum_acr": record.minimum_acr,
        "health_data": bool(record.health_data),
    }


@bp.delete("/habilitations/<id:habilitation_id>")
def end_habilitation(habilitation_id: int) -> ResponseReturnValue:
    _admin().end_habilitation(_actor(), habilitation_id)
    return "", 204


def _admin() -> Administration:
    return services().admin


def _actor() -> Actor:
    """Who calls: the token's person, or its client (client_credentials) as support."""
    try:
        token = provider().protector.acquire_token([SCOPE])
    except MissingAuthorizationError as exc:
        raise ApiError(401, "invalid_token", "send an access token with the admin scope") from exc
    except OAuth2Error as exc:
        raise ApiError(exc.status_code or 401, exc.error, exc.description or "") from exc
    if token.get("sub") == token.get("client_id"):
        return _admin().client_actor(str(token["client_id"]))
    actor = _admin().actor_for_subject(str(token.get("sub")))
    if actor is None:
        raise ApiError(401, "invalid_token", "the account is no longer active")
    return actor


def _managed(actor: Actor, username: str) -> User:
    return _admin().account_by_username(actor, username)


def _body(schema: str) -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(
            415 if request.data else 400,
            "invalid_request",
            "send a JSON body (Content-Type: application/json)",
        )
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "invalid_request", "the body is not valid JSON")
    errors = sorted(VALIDATORS[schema].iter_errors(body), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "body"
        raise ApiError(400, "invalid_request", f"{where}: {errors[0].message}"[:300])
    checked: dict[str, Any] = body  # the schema's root is an object
    return checked


def _new_habilitation(data: dict[str, Any]) -> NewHabilitation:
    profile_id, place_id, unit_id = _admin().habilitation_from_codes(
        data["profile"], data["establishment"], data.get("unit")
    )
    return NewHabilitation(
        profile_id,
        place_id,
        unit_id,
        _date(data.get("valid_from")),
        _date(data.get("valid_to")),
        bool(data.get("receives_mails")),
    )


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", f"not a date: {value[:20]}") from exc


def _account(actor: Actor, user: User) -> dict[str, Any]:
    rows = _admin().habilitations_of(actor, user)
    return {
        "username": user.username,
        "sub": user.subject,
        "email": user.email,
        "email_verified": user.email_verified,
        "family_name": user.family_name,
        "given_name": user.given_name,
        "phone": user.phone,
        "fax": user.fax,
        "mobile": user.mobile,
        "profession": user.profession,
        "otp_required": user.otp_required,
        "national_id": user.national_id or "",
        "active": user.is_active,
        "blocked": users.is_blocked(user) or eligibility.is_locked_out(user),
        "locked_out": eligibility.is_locked_out(user),
        "habilitations": [_habilitation(h) for h in rows],
    }


def _habilitation(h: Habilitation) -> dict[str, Any]:
    return {
        "id": h.id,
        "profile": h.profile.code,
        "module": h.profile.module,
        "establishment": h.establishment.finess,
        "unit": h.unit.name if h.unit else None,
        "valid_from": h.valid_from.isoformat(),
        "valid_to": h.valid_to.isoformat() if h.valid_to else None,
        "receives_mails": h.receives_mails,
        "ended_at": h.ended_at.isoformat() if h.ended_at else None,
    }
