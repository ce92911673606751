"""``idp users create|list|show``."""

from __future__ import annotations

from typing import Any

import click

from idp.accounts import users as accounts
from idp.cli import Context, emit, fail, pass_context
from idp.errors import ConflictError
from idp.storage import db
from idp.storage.models import User


def describe(user: User) -> dict[str, Any]:
    return {
        "subject": user.subject,
        "username": user.username,
        "email": user.email,
        "email_verified": user.email_verified,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "active": user.is_active,
        "blocked": accounts.is_blocked(user),
        "created_at": user.created_at.isoformat(),
    }


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted when omitted (never put it in shell history in production).",
)
@click.option("--given-name", default="")
@click.option("--family-name", default="")
@click.option(
    "--email-verified",
    is_flag=True,
    help="The operator checked the address (codes are mailed to it).",
)
@click.option("--otp-required", is_flag=True, help='The "double authentification" flag.')
@click.option("--json", "as_json", is_flag=True)
@pass_context
def create(
    obj: Context,
    username: str,
    email: str,
    password: str,
    given_name: str,
    family_name: str,
    email_verified: bool,
    otp_required: bool,
    as_json: bool,
) -> None:
    """Create an account."""
    with obj.app.app_context():
        try:
            user = accounts.create_user(
                db.session,
                obj.app.extensions["idp"].passwords,
                username=username,
                email=email,
                password=password,
                given_name=given_name,
                family_name=family_name,
                actor="operator",
                email_verified=email_verified,
                otp_required=otp_required,
            )
            db.session.commit()
        except (accounts.InvalidUserError, ConflictError) as exc:
            db.session.rollback()
            fail(str(exc))
        emit(describe(user), as_json, f"created user {user.username} (sub {user.subject})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def list_(obj: Context, as_json: bool) -> None:
    """List accounts."""
    with obj.app.app_context():
        rows = [describe(u) for u in accounts.list_users(db.session)]
    lines = [f"{r['username']:<24} {r['email']:<32} {r['subject']}" for r in rows]
    emit(rows, as_json, "\n".join(lines) or "no users")


@users.command("show")
@click.argument("username")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def show(obj: Context, username: str, as_json: bool) -> None:
    """Show one account."""
    with obj.app.app_context():
        user = accounts.get_by_username(db.session, username)
        if user is None:
            fail(f"no user {username!r}")
        data = describe(user)
    emit(data, as_json, "\n".join(f"{k:<15} {v}" for k, v in data.items()))


@users.command("unblock")
@click.argument("username")
@pass_context
def unblock(obj: Context, username: str) -> None:
    """Unblock an account blocked after failed passwords."""
    with obj.app.app_context():
        user = accounts.get_by_username(db.session, username)
        if user is None:
            fail(f"no user {username!r}")
        accounts.unblock(db.session, user, actor="operator")
        db.session.commit()
        obj.app.extensions["idp.login"].throttle.reset_account(username)
    click.echo(f"unblocked {username}")


@users.command("reset-second-factor")
@click.argument("username")
@pass_context
def reset_second_factor(obj: Context, username: str) -> None:
    """Remove the authenticator app of an account whose owner lost it (audited, mailed).

    The account's sessions and remembered browsers end; its next login asks an emailed code.
    """
    with obj.app.app_context():
        user = accounts.get_by_username(db.session, username)
        if user is None:
            fail(f"no user {username!r}")
        removed = obj.app.extensions["idp.apps"].reset(user, actor="operator")
    click.echo(
        f"authenticator app removed from {username}" if removed else f"{username} has no app"
    )
