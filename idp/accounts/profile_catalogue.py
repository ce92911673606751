"""The habilitation profiles as configuration: ``config/profiles.toml`` declares each profile
(code, label, module, rights, referent flag) and ``idp profiles sync`` makes the database
match it, idempotently and all or nothing.

Profiles absent from the file are left alone and reported: habilitations given with them
stay readable in every account's history, so a profile is never deleted by a sync.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from idp.accounts import audit
from idp.accounts.directory import MODULES
from idp.accounts.import_report import ImportReport
from idp.errors import IdpError
from idp.storage.models import Profile

CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,59}$")
RIGHT = re.compile(r"^[a-z][a-z0-9_.]{1,79}$")
KEYS = {"code", "label", "module", "rights", "referent"}


class CatalogueError(IdpError):
    """The profiles file cannot be applied (the message says where and why)."""


@dataclass(frozen=True)
class DeclaredProfile:
    code: str
    label: str
    module: str
    rights: list[str]
    is_referent: bool


def read_file(path: Path) -> list[DeclaredProfile]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CatalogueError(f"{path}: {error}") from error
    unknown = sorted(set(data) - {"profile"})
    if unknown:
        raise CatalogueError(f"{path}: unknown section(s) {', '.join(unknown)}")
    entries = data.get("profile", [])
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path}: no [[profile]] declared")
    declared, seen = [], set()
    for index, entry in enumerate(entries, start=1):
        profile = _profile(f"{path}: profile #{index}", entry)
        if profile.code in seen:
            raise CatalogueError(f"{path}: profile #{index}: code {profile.code} declared twice")
        seen.add(profile.code)
        declared.append(profile)
    return declared


def _profile(where: str, entry: object) -> DeclaredProfile:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: must be a table")
    unknown = set(entry) - KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    code, label = entry.get("code"), entry.get("label")
    module, rights = entry.get("module"), entry.get("rights", [])
    referent = entry.get("referent", False)
    if not isinstance(code, str) or not CODE.match(code):
        raise CatalogueError(f"{where}: code: upper-case letters, digits, _ (2-60)")
    if not isinstance(label, str) or not 1 <= len(label.strip()) <= 200:
        raise CatalogueError(f"{where} ({code}): label: 1 to 200 characters")
    if module not in MODULES:
        raise CatalogueError(f"{where} ({code}): module: one of {', '.join(MODULES)}")
    if not isinstance(rights, list) or not all(_is_right(r) for r in rights):
        raise CatalogueError(f'{where} ({code}): rights: a list like ["demandes.lire"]')
    if not isinstance(referent, bool):
        raise CatalogueError(f"{where} ({code}): referent: true or false")
    return DeclaredProfile(code, label.strip(), module, sorted(set(rights)), referent)


def _is_right(value: object) -> bool:
    return isinstance(value, str) and RIGHT.match(value) is not None


def sync(session: Session, declared: list[DeclaredProfile], actor: str) -> ImportReport:
    """Create or change the declared profiles; the caller commits (or rolls back a dry run)."""
    report = ImportReport()
    existing = {p.code: p for p in session.query(Profile).all()}
    for wanted in declared:
        values = asdict(wanted)
        profile = existing.pop(wanted.code, None)
        if profile is None:
            session.add(Profile(**values))
            report.created.append(wanted.code)
            audit.record(session, actor, "profile.created", f"profile:{wanted.code}", **values)
            continue
        changed = [k for k, v in values.items() if k != "code" and getattr(profile, k) != v]
        if not changed:
            report.unchanged.append(wanted.code)
            continue
        for name in changed:
            setattr(profile, name, values[name])
        report.updated[wanted.code] = changed
        audit.record(
            session, actor, "profile.updated", f"profile:{wanted.code}", fields=changed, **values
        )
    session.flush()
    report.left_alone = sorted(existing)
    return report
