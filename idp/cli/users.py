"""``idp users``: accounts, their habilitations and support rights, from the command line
(audited as ``operator``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from idp.accounts import account_import, audit, eligibility, habilitation_specs, habilitations
from idp.accounts import users as accounts
from idp.accounts.administration import OPERATOR, NewHabilitation
from idp.accounts.import_report import decode
from idp.authn import password_formats
from idp.cli.context import Context, emit, fail, pass_context
from idp.cli.progress import progress_bar
from idp.errors import ConflictError, NotFoundError
from idp.services import of as services_of
from idp.storage import current_session
from idp.storage.models import Habilitation, User


def describe(user: User, with_habilitations: bool = False) -> dict[str, Any]:
    data = {
        "subject": user.subject,
        "username": user.username,
        "email": user.email,
        "email_verified": user.email_verified,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "active": user.is_active,
        "blocked": accounts.is_blocked(user) or eligibility.is_locked_out(user),
        "locked_out": eligibility.is_locked_out(user),
        "support": user.is_support,
        "created_at": user.created_at.isoformat(),
    }
    if with_habilitations:
        data["habilitations"] = [
            {
                "id": h.id,
                "spec": _spec_of(h),
                "valid": h.is_valid(habilitations.today()),
                "ended_at": h.ended_at.isoformat() if h.ended_at else None,
            }
            for h in habilitations.of_user(current_session(), user)
        ]
    return data


def _spec_of(h: Habilitation) -> str:
    spec = f"{h.profile.code}@{h.establishment.finess}"
    if h.unit is not None:
        spec += f":{h.unit.name}"
    return f"{spec}:{h.valid_from.isoformat()}..{h.valid_to.isoformat() if h.valid_to else ''}"


def resolve(obj: Context, specs: tuple[str, ...]) -> list[NewHabilitation]:
    """Each ``PROFILE@FINESS[:UNIT][:FROM..TO]`` as ids, or a clear error naming the code."""
    admin = services_of(obj.app).admin
    news = []
    for text in specs:
        try:
            spec = habilitation_specs.parse(text)
            profile_id, place_id, unit_id = admin.habilitation_from_codes(
                spec.profile, spec.finess, spec.unit
            )
        except habilitation_specs.HabilitationSpecError as exc:
            raise click.UsageError(f"--habilitation {exc}") from exc
        except NotFoundError as exc:
            fail(f"{text}: no such {exc} (idp profiles list, idp establishments show FINESS)")
        news.append(
            NewHabilitation(profile_id, place_id, unit_id, spec.valid_from, spec.valid_to, True)
        )
    return news


def _user(username: str) -> User:
    user = accounts.get_by_username(current_session(), username)
    if user is None:
        fail(f"no user {username!r}")
    return user


HABILITATION_HELP = (
    "PROFILE@FINESS[:UNIT][:FROM..TO], e.g. GA_DIRECTION@070000011 or "
    "REFERENT@070000011:2027-01-01..2027-12-31 (repeatable)."
)


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option(
    "--password",
    help="Prompted when neither this nor --welcome is given (never put it in shell history "
    "in production).",
)
@click.option(
    "--welcome",
    is_flag=True,
    help="No password: mail a link to choose one (valid 72 h), which also checks the address.",
)
@click.option("--given-name", default="")
@click.option("--family-name", default="")
@click.option(
    "--email-verified",
    is_flag=True,
    help="The operator checked the address (codes are mailed to it).",
)
@click.option("--otp-required", is_flag=True, help='The "double authentification" flag.')
@click.option("--habilitation", "specs", multiple=True, help=HABILITATION_HELP)
@click.option("--support", is_flag=True, help="A support account (manages every establishment).")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def create(
    obj: Context,
    username: str,
    email: str,
    password: str | None,
    welcome: bool,
    given_name: str,
    family_name: str,
    email_verified: bool,
    otp_required: bool,
    specs: tuple[str, ...],
    support: bool,
    as_json: bool,
) -> None:
    """Create an account, with its habilitations, in one step (all or nothing)."""
    if welcome and password:
        raise click.UsageError("--welcome sends a link to choose the password: no --password")
    if not welcome and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    app = obj.app
    with app.app_context():
        news = resolve(obj, specs)
        admin = services_of(app).admin
        operator = admin.operator_actor()
        try:
            user = accounts.create_user(
                current_session(),
                services_of(app).passwords,
                username=username,
                email=email,
                password=password,
                given_name=given_name,
                family_name=family_name,
                actor=OPERATOR,
                email_verified=email_verified,
                otp_required=otp_required,
            )
            user.created_by = OPERATOR
            user.is_support = support
            if support:
                audit.record(
                    current_session(),
                    OPERATOR,
                    "user.support_granted",
                    f"user:{user.subject}",
                    description="Attribution du rôle support",
                )
            admin.add_habilitations(operator, user, news)  # commits the account with them
        except (accounts.InvalidUserError, ConflictError, ValueError) as exc:
            current_session().rollback()
            fail(str(exc))
        if welcome:
            services_of(app).password_changes.send_welcome(user)
        data = describe(user, with_habilitations=True)
    human = f"created user {data['username']} (sub {data['subject']})"
    human += "".join(f"\n  habilitation {h['spec']}" for h in data["habilitations"])
    if welcome:
        human += f"\n  welcome link mailed to {data['email']}"
    emit(data, as_json, human)


@users.command("grant")
@click.argument("username")
@click.argument("specs", nargs=-1, required=True, metavar="PROFILE@FINESS[:UNIT][:FROM..TO]...")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def grant(obj: Context, username: str, specs: tuple[str, ...], as_json: bool) -> None:
    """Give habilitations to an account (all or nothing; reactivates a deactivated one)."""
    app = obj.app
    with app.app_context():
        user = _user(username)
        news = resolve(obj, specs)
        admin = services_of(app).admin
        try:
            added = admin.add_habilitations(admin.operator_actor(), user, news)
        except (ValueError, NotFoundError) as exc:
            fail(str(exc))
        data = [{"id": h.id, "spec": _spec_of(h)} for h in added]
    emit(data, as_json, "\n".join(f"granted {d['spec']} (id {d['id']})" for d in data))


@users.command("end-habilitation")
@click.argument("username")
@click.argument("spec", metavar="PROFILE@FINESS[:UNIT] | ID")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def end_habilitation(obj: Context, username: str, spec: str, as_json: bool) -> None:
    """End an account's current habilitation, named by its id (idp users show) or by
    PROFILE@FINESS[:UNIT]; it stays in the history. With none left, sessions and tokens end."""
    app = obj.app
    with app.app_context():
        user = _user(username)
        current = habilitations.valid_of(current_session(), user)
        if spec.isdigit():
            matches = [h for h in current if h.id == int(spec)]
        else:
            try:
                wanted = habilitation_specs.parse(spec)
            except habilitation_specs.HabilitationSpecError as exc:
                raise click.UsageError(str(exc)) from exc
            matches = [
                h
                for h in current
                if h.profile.code == wanted.profile
                and h.establishment.finess == wanted.finess
                and (wanted.unit is None or (h.unit is not None and h.unit.name == wanted.unit))
            ]
        if not matches:
            fail(f"{username} holds no current habilitation {spec!r}")
        if len(matches) > 1:
            ids = ", ".join(str(h.id) for h in matches)
            fail(f"{spec!r} names several habilitations (ids {ids}): give the id")
        ended = _spec_of(matches[0])
        services_of(app).admin.end_habilitation(
            services_of(app).admin.operator_actor(), matches[0].id
        )
    emit({"ended": ended}, as_json, f"ended {ended}")


@users.command("make-support")
@click.argument("username")
@pass_context
def make_support(obj: Context, username: str) -> None:
    """Make an account support: it manages every establishment's accounts (audited)."""
    _set_support(obj, username, True)


@users.command("drop-support")
@click.argument("username")
@pass_context
def drop_support(obj: Context, username: str) -> None:
    """Take support's rights back from an account (audited)."""
    _set_support(obj, username, False)


def _set_support(obj: Context, username: str, value: bool) -> None:
    app = obj.app
    with app.app_context():
        user = _user(username)
        admin = services_of(app).admin
        changed = admin.set_support(admin.operator_actor(), user, value)
    state = "support" if value else "not support"
    click.echo(f"{username} is now {state}" if changed else f"{username} was already {state}")


@users.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "csv", "jsonl"]),
    default="auto",
    show_default=True,
    help="auto: JSON lines for *.jsonl / *.ndjson, CSV otherwise.",
)
@click.option("--dry-run", is_flag=True, help="Check every line; write nothing.")
@click.option(
    "--refused",
    "refused_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the refused lines (number and reason) to this file, as JSON lines.",
)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def import_(
    obj: Context, path: Path, fmt: str, dry_run: bool, refused_path: Path | None, as_json: bool
) -> None:
    """Import accounts with their habilitations (CSV with a header, or JSON lines).

    Columns: username, email, given_name, family_name, email_verified, otp_required, phone,
    profession, password_hash (argon2, bcrypt or PBKDF2-SHA256, kept as is), habilitations
    (PROFILE@FINESS[:UNIT][:FROM..TO], separated by |). Valid lines are written in batches;
    run it again after an interruption: accounts already present are skipped.
    """
    jsonl = fmt == "jsonl" or (fmt == "auto" and path.suffix in (".jsonl", ".ndjson"))
    text = decode(path.read_bytes())
    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    app = obj.app
    with app.app_context(), progress_bar(total) as progress:
        importer = account_import.AccountImport(
            current_session(), OPERATOR, password_formats.kind, source=path.name
        )
        try:
            report = importer.run(
                account_import.read_lines(text, jsonl), dry_run=dry_run, progress=progress
            )
        finally:
            current_session().rollback()  # what a failure left of its batch; committed batches stay
    if refused_path is not None:
        refused_path.write_text(
            "".join(json.dumps(r.as_dict(), ensure_ascii=False) + "\n" for r in report.refused)
        )
    data = {
        **report.counts(),
        "without_password": importer.without_password,
        "refused_lines": [r.as_dict() for r in report.refused],
        "dry_run": dry_run,
    }
    lines = report.lines()
    lines[0] = lines[0].replace("unchanged", "already present")
    lines.insert(
        1,
        f"{importer.without_password} without a usable password hash (welcome link "
        "at their first login)",
    )
    if dry_run:
        lines.append("(dry run: nothing was written)")
    emit(data, as_json, "\n".join(lines))
    if report.refused:
        raise SystemExit(1)


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def list_(obj: Context, as_json: bool) -> None:
    """List accounts."""
    with obj.app.app_context():
        rows = [describe(u) for u in accounts.list_users(current_session())]
    lines = [f"{r['username']:<24} {r['email']:<32} {r['subject']}" for r in rows]
    emit(rows, as_json, "\n".join(lines) or "no users")


@users.command("show")
@click.argument("username")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def show(obj: Context, username: str, as_json: bool) -> None:
    """Show one account."""
    with obj.app.app_context():
        data = describe(_user(username), with_habilitations=True)
    human = [f"{k:<15} {v}" for k, v in data.items() if k != "habilitations"]
    for h in data["habilitations"]:
        state = "current" if h["valid"] else "ended" if h["ended_at"] else "not current"
        human.append(f"habilitation   {h['id']:<6} {h['spec']}  ({state})")
    emit(data, as_json, "\n".join(human))


@users.command("unblock")
@click.argument("username")
@pass_context
def unblock(obj: Context, username: str) -> None:
    """Unblock an account blocked after failed passwords."""
    with obj.app.app_context():
        user = accounts.get_by_username(current_session(), username)
        if user is None:
            fail(f"no user {username!r}")
        accounts.unblock(current_session(), user, actor="operator")
        current_session().commit()
        services_of(obj.app).throttle.reset_account(username)
    click.echo(f"unblocked {username}")


@users.command("reset-second-factor")
@click.argument("username")
@pass_context
def reset_second_factor(obj: Context, username: str) -> None:
    """Remove the authenticator app of an account whose owner lost it (audited, mailed).

    The account's sessions and remembered browsers end; its next login asks an emailed code.
    """
    with obj.app.app_context():
        user = accounts.get_by_username(current_session(), username)
        if user is None:
            fail(f"no user {username!r}")
        removed = services_of(obj.app).apps.reset(user, actor="operator")
    click.echo(
        f"authenticator app removed from {username}" if removed else f"{username} has no app"
    )
