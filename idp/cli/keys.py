"""``idp keys list|generate|rotate|retire|revoke|export-public|rewrap``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from idp.cli.context import Context, emit, fail, pass_context
from idp.keyring import KeyringError
from idp.keyring.kek import decode_kek
from idp.keyring.keyring import SUPPORTED_ALGS
from idp.keyring.lifecycle import KeyLifecycle, describe
from idp.services import of as services_of
from idp.storage import current_session

ACTOR = "operator"
T = TypeVar("T")


def _lifecycle(obj: Context) -> KeyLifecycle:
    return services_of(obj.app).keys


@click.group()
def keys() -> None:
    """Signing keys: states next → active → retired, or revoked."""


@keys.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def list_(obj: Context, as_json: bool) -> None:
    """Every key with its state and dates."""
    with obj.app.app_context():
        rows = [describe(r) for r in _lifecycle(obj).all_keys()]
    lines = [
        f"{r['kid'][:20]:<21} {r['alg']:<6} {r['state']:<8} created {r['created']}"
        f"  activated {r['activated'] or '-'}  retires at {r['retires_at'] or '-'}"
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or "no keys: run `idp init`")


@keys.command()
@click.option("--alg", type=click.Choice(SUPPORTED_ALGS), default="RS256", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def generate(obj: Context, alg: str, as_json: bool) -> None:
    """Add a next key (published now, signing after the next rotation)."""
    with obj.app.app_context():
        row = _run(lambda: _lifecycle(obj).generate(alg, ACTOR))
        emit(describe(row), as_json, f"generated next {alg} key {row.kid}")


@keys.command()
@click.option("--alg", type=click.Choice(SUPPORTED_ALGS), help="Default: every algorithm.")
@click.option(
    "--if-due",
    is_flag=True,
    help="Only when the active key is older than key_rotation_days (for a scheduler).",
)
@click.option("--force", is_flag=True, help="Emergency: do not wait one JWKS cache lifetime.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def rotate(obj: Context, alg: str | None, if_due: bool, force: bool, as_json: bool) -> None:
    """next → active, active → retired, and a fresh next."""
    with obj.app.app_context():
        kids = _run(lambda: _lifecycle(obj).rotate(ACTOR, alg=alg, if_due=if_due, force=force))
    human = "\n".join(f"now signing with {kid}" for kid in kids) or "nothing was due"
    emit({"activated": kids}, as_json, human)


@keys.command()
@click.argument("kid")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def retire(obj: Context, kid: str, as_json: bool) -> None:
    """Retire an active key (rotating its algorithm) or withdraw a next key.

    A kid beginning with "-" goes after "--": idp keys retire -- -AbC…"""
    with obj.app.app_context():
        _run(lambda: _lifecycle(obj).retire(kid, ACTOR))
    emit({"kid": kid, "retired": True}, as_json, f"retired {kid}")


@keys.command()
@click.argument("kid")
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def revoke(obj: Context, kid: str, reason: str, as_json: bool) -> None:
    """Withdraw a compromised key at once; its tokens stop verifying.

    A kid beginning with "-" goes after "--": idp keys revoke --reason R -- -AbC…"""
    with obj.app.app_context():
        _run(lambda: _lifecycle(obj).revoke(kid, reason, ACTOR))
    emit({"kid": kid, "revoked": True}, as_json, f"revoked {kid}")


@keys.command("export-public")
@click.option("--json", "as_json", is_flag=True, help="Accepted for symmetry: always JSON.")
@pass_context
def export_public(obj: Context, as_json: bool) -> None:
    """Print the published JWKS (public keys only)."""
    with obj.app.app_context():
        keyring = services_of(obj.app).keyring
        keyring.reload()
        click.echo(json.dumps(keyring.public_jwks(), indent=2))


@keys.command()
@click.option(
    "--new-kek-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="File holding the new KEK (base64 of 32 bytes).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def rewrap(obj: Context, new_kek_file: Path, as_json: bool) -> None:
    """Re-encrypt every private key under a new KEK; then point the provider at it."""
    new_kek = decode_kek(new_kek_file.read_text())
    with obj.app.app_context():
        count = _run(lambda: _lifecycle(obj).rewrap(new_kek, ACTOR))
    emit(
        {"rewrapped": count},
        as_json,
        f"{count} keys now encrypted under {new_kek_file}: switch IDP_KEY_ENCRYPTION_KEY "
        "(or the KEK file) to it before the next start",
    )


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except KeyringError as exc:
        current_session().rollback()
        fail(str(exc))
