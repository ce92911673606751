"""``idp clients create|list|show|delete|sync``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import click

from idp.authn.context import ACR_LEVELS
from idp.cli.context import Context, emit, fail, pass_context
from idp.errors import ConflictError, NotFoundError
from idp.oidc import client_sync
from idp.oidc import clients as registry
from idp.oidc.clients import ClientRegistration, InvalidClientMetadataError
from idp.services import of as services_of
from idp.storage import current_session


@click.group()
def clients() -> None:
    """Manage relying-party registrations."""


@clients.command("create")
@click.option("--client-id", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option("--post-logout-redirect-uri", "post_logout_redirect_uris", multiple=True)
@click.option(
    "--grant-type",
    "grant_types",
    multiple=True,
    type=click.Choice(registry.GRANT_TYPES),
    help="Default: authorization_code.",
)
@click.option(
    "--auth-method",
    type=click.Choice(registry.AUTH_METHODS),
    help="Default: client_secret_basic, or none with --public.",
)
@click.option("--scope", default="openid profile email habilitations", show_default=True)
@click.option("--name", default="")
@click.option("--public", is_flag=True, help="A client without a secret (PKCE required).")
@click.option("--third-party", is_flag=True, help="Ask people for consent.")
@click.option("--jwks-file", type=click.File(), help="Public JWK set for private_key_jwt.")
@click.option(
    "--id-token-alg",
    type=click.Choice(registry.SIGNING_ALGS),
    help="ID-token signing algorithm (default RS256; needs an active key).",
)
@click.option(
    "--backchannel-logout-uri", help="Where the module receives back-channel logout tokens."
)
@click.option(
    "--minimum-acr",
    type=click.Choice(sorted(ACR_LEVELS, key=ACR_LEVELS.__getitem__)),
    help="The least level its logins reach, whatever it asks (step-up).",
)
@click.option(
    "--health-data", is_flag=True, help="The module gives access to health data (report)."
)
@click.option(
    "--pkce-optional",
    is_flag=True,
    help="A legacy confidential module that cannot send PKCE yet (PKCE is otherwise required).",
)
@click.option(
    "--may-introspect",
    is_flag=True,
    help="May introspect tokens issued to other clients (otherwise only its own, or those "
    "naming it as audience).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def create(
    obj: Context,
    client_id: str,
    redirect_uris: tuple[str, ...],
    post_logout_redirect_uris: tuple[str, ...],
    grant_types: tuple[str, ...],
    auth_method: str | None,
    scope: str,
    name: str,
    public: bool,
    third_party: bool,
    jwks_file: IO[str] | None,
    id_token_alg: str | None,
    backchannel_logout_uri: str | None,
    may_introspect: bool,
    pkce_optional: bool,
    minimum_acr: str | None,
    health_data: bool,
    as_json: bool,
) -> None:
    """Register a client; its secret is printed once."""
    if public and auth_method not in (None, "none"):
        raise click.UsageError("--public goes with --auth-method none (or no --auth-method)")
    try:
        jwks = json.load(jwks_file) if jwks_file else None
    except ValueError as exc:
        raise click.UsageError(f"--jwks-file: not JSON ({exc})") from exc
    registration = ClientRegistration(
        client_id=client_id,
        redirect_uris=list(redirect_uris),
        post_logout_redirect_uris=list(post_logout_redirect_uris),
        grant_types=list(grant_types) or ["authorization_code"],
        token_endpoint_auth_method=auth_method or ("none" if public else "client_secret_basic"),
        scope=scope,
        client_name=name,
        first_party=not third_party,
        jwks=jwks,
        id_token_signed_response_alg=id_token_alg,
        backchannel_logout_uri=backchannel_logout_uri,
        may_introspect=may_introspect,
        pkce_optional=pkce_optional,
        minimum_acr=minimum_acr,
        health_data=health_data,
    )
    with obj.app.app_context():
        try:
            record, secret = registry.create_client(
                current_session(),
                registration,
                actor="operator",
                allow_private_addresses=not services_of(obj.app).settings.is_production,
            )
            current_session().commit()
            services_of(obj.app).clients.changed()
        except (InvalidClientMetadataError, ConflictError) as exc:
            current_session().rollback()
            fail(str(exc))
        data = {**registry.describe(record), "client_secret": secret}
    human = f"created client {client_id}"
    if secret:
        human += f"\nclient_secret: {secret}\n(shown once: store it now)"
    emit(data, as_json, human)


@clients.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def list_(obj: Context, as_json: bool) -> None:
    """List clients."""
    with obj.app.app_context():
        rows = [registry.describe(r) for r in registry.list_clients(current_session())]
    lines = [
        f"{r['client_id']:<28} {r['token_endpoint_auth_method']:<20} {' '.join(r['grant_types'])}"
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or "no clients")


@clients.command("show")
@click.argument("client_id")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def show(obj: Context, client_id: str, as_json: bool) -> None:
    """Show one client (never its secret)."""
    with obj.app.app_context():
        record = registry.get_client(current_session(), client_id)
        if record is None:
            fail(f"no client {client_id!r}")
        data = registry.describe(record)
    emit(data, as_json, "\n".join(f"{k:<26} {v}" for k, v in data.items()))


@clients.command("delete")
@click.argument("client_id")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def delete(obj: Context, client_id: str, as_json: bool) -> None:
    """Delete a client registration."""
    with obj.app.app_context():
        try:
            registry.delete_client(current_session(), client_id, actor="operator")
            current_session().commit()
            services_of(obj.app).clients.changed()
        except NotFoundError as exc:
            fail(str(exc))
    emit({"client_id": client_id, "deleted": True}, as_json, f"deleted client {client_id}")


@clients.command("sync")
@click.option(
    "--file",
    "path",
    default="config/clients.toml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The clients file (see config/clients.example.toml).",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def sync(obj: Context, path: Path, dry_run: bool, as_json: bool) -> None:
    """Make the registrations match a clients file: idempotent, all or nothing; secrets come
    from the environment variables the file names."""
    production = services_of(obj.app).settings.is_production
    try:
        declared = client_sync.read_file(path, allow_private_addresses=not production)
    except client_sync.ClientFileError as exc:
        fail(str(exc))
    with obj.app.app_context():
        try:
            report = client_sync.sync(current_session(), declared)
        except client_sync.ClientFileError as exc:
            current_session().rollback()
            fail(str(exc))
        if dry_run:
            current_session().rollback()
        else:
            current_session().commit()
            services_of(obj.app).clients.changed()
    data = {**report.as_dict(), "dry_run": dry_run}
    lines = [f"created    {cid}" for cid in report.created]
    lines += [f"changed    {cid}: {', '.join(f)}" for cid, f in report.changed.items()]
    lines += [f"unchanged  {cid}" for cid in report.unchanged]
    lines += [f"not in file (left alone) {cid}" for cid in report.not_in_file]
    if dry_run:
        lines.append("(dry run: nothing was changed)")
    emit(data, as_json, "\n".join(lines) or "no clients declared")
