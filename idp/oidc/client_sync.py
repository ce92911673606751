"""Client registrations as configuration: ``config/clients.toml`` declares the modules and
``idp clients sync`` makes the database match it, idempotently.

The file holds metadata only. A confidential client names the environment variable of its
secret (``secret_env``); a secret written in the file is refused. Clients absent from the file
are left alone (reported), so a registration made with ``idp clients create`` survives a sync.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts import audit
from idp.errors import IdpError
from idp.oidc.clients import ClientRegistration, create_client, get_client, hash_secret
from idp.storage.models import OAuthClient

REGISTRATION_FIELDS = {f.name for f in fields(ClientRegistration)}
CONFIDENTIAL = {"client_secret_basic", "client_secret_post"}


class ClientFileError(IdpError):
    """The clients file cannot be applied (the message says where and why)."""


@dataclass
class Declared:
    registration: ClientRegistration
    secret_env: str | None = None


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "not_in_file": self.not_in_file,
        }


def read_file(path: Path, allow_private_addresses: bool = True) -> list[Declared]:
    """The declared clients, each validated (``ClientRegistration.validate``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ClientFileError(f"{path}: {error}") from error
    unknown_top = set(data) - {"client"}
    if unknown_top:
        raise ClientFileError(f"{path}: unknown section(s) {', '.join(sorted(unknown_top))}")
    declared, seen = [], set()
    for index, entry in enumerate(data.get("client", []), start=1):
        where = f"{path}: client #{index}"
        if not isinstance(entry, dict):
            raise ClientFileError(f"{where}: must be a table")
        if "client_secret" in entry:
            raise ClientFileError(
                f"{where}: secrets never go in the file; name an environment variable with "
                "secret_env"
            )
        unknown = set(entry) - REGISTRATION_FIELDS - {"secret_env"}
        if unknown:
            raise ClientFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        values = {k: v for k, v in entry.items() if k != "secret_env"}
        try:
            registration = ClientRegistration(**values)
            registration.validate(allow_private_addresses)
        except (TypeError, IdpError) as error:
            raise ClientFileError(f"{where} ({entry.get('client_id', '?')}): {error}") from error
        if registration.client_id in seen:
            raise ClientFileError(f"{where}: client_id {registration.client_id!r} appears twice")
        seen.add(registration.client_id)
        declared.append(Declared(registration, entry.get("secret_env")))
    return declared


def plan_secret(item: Declared, environ: dict[str, str]) -> str | None:
    """The secret from the environment; required for a confidential client."""
    method = item.registration.token_endpoint_auth_method
    if method not in CONFIDENTIAL:
        return None
    name = item.secret_env
    secret = environ.get(name or "", "")
    if not name or len(secret) < 32:
        raise ClientFileError(
            f"{item.registration.client_id}: a confidential client needs secret_env naming "
            "an environment variable that holds a secret of at least 32 characters"
        )
    return secret


def sync(
    session: Session,
    declared: list[Declared],
    environ: dict[str, str] | None = None,
    actor: str = "operator",
) -> SyncReport:
    """Create or update every declared client; the caller commits (all or nothing)."""
    environ = dict(os.environ) if environ is None else environ
    secrets = {item.registration.client_id: plan_secret(item, environ) for item in declared}
    report = SyncReport()
    for item in declared:
        registration = item.registration
        secret = secrets[registration.client_id]
        record = get_client(session, registration.client_id)
        if record is None:
            create_client(session, registration, secret=secret, actor=actor)
            report.created.append(registration.client_id)
            continue
        changes = _apply(record, registration, secret)
        if changes:
            audit.record(
                session,
                actor,
                "client.updated",
                f"client:{record.client_id}",
                fields=changes,
            )
            report.changed[record.client_id] = changes
        else:
            report.unchanged.append(record.client_id)
    names = {item.registration.client_id for item in declared}
    report.not_in_file = sorted(
        cid for (cid,) in session.query(OAuthClient.client_id).all() if cid not in names
    )
    return report


def _apply(record: OAuthClient, registration: ClientRegistration, secret: str | None) -> list[str]:
    changes = []
    for name in REGISTRATION_FIELDS - {"client_id"}:
        wanted = getattr(registration, name)
        if getattr(record, name) != wanted:
            setattr(record, name, wanted)
            changes.append(name)
    wanted_hash = hash_secret(secret) if secret else None
    if record.client_secret_hash != wanted_hash:
        record.client_secret_hash = wanted_hash
        changes.append("client_secret")
    return sorted(changes)
