"""``idp establishments import|list|show``: the FINESS directory of establishments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from idp.accounts import directory, establishment_import, habilitations
from idp.accounts.administration import OPERATOR
from idp.accounts.import_report import decode
from idp.cli.context import Context, emit, fail, pass_context
from idp.errors import NotFoundError
from idp.storage import current_session
from idp.storage.models import Establishment

MAX_EXTRACT_BYTES = 512 * 1024 * 1024


def describe(establishment: Establishment) -> dict[str, Any]:
    return {
        "finess": establishment.finess,
        "name": establishment.name,
        "kind": establishment.kind,
        "department": establishment.department,
        "region": establishment.region,
    }


@click.group()
def establishments() -> None:
    """The establishments (FINESS) where habilitations are given."""


@establishments.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Apply the valid lines and report each invalid one (default: any invalid line "
    "stops the import and nothing is written).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_context
def import_(obj: Context, path: Path, dry_run: bool, skip_invalid: bool, as_json: bool) -> None:
    """Upsert establishments from the public FINESS extract (etalab-cs1100507-stock-*.csv:
    semicolon CSV, structureet lines), on the FINESS number."""
    if path.stat().st_size > MAX_EXTRACT_BYTES:
        fail(f"{path}: larger than {MAX_EXTRACT_BYTES // 2**20} MiB, not a FINESS extract")
    text = decode(path.read_bytes())
    with obj.app.app_context():
        try:
            report = establishment_import.import_extract(
                current_session(), text, OPERATOR, skip_invalid=skip_invalid, dry_run=dry_run
            )
            if report.applied:
                current_session().commit()
            else:
                current_session().rollback()
        except Exception:
            current_session().rollback()
            raise
    data = {**report.as_dict(), "dry_run": dry_run, "file": str(path)}
    lines = report.lines()
    if dry_run:
        lines.append("(dry run)")
    emit(data, as_json, "\n".join(lines))
    if report.refused and not skip_invalid:
        raise SystemExit(1)


@establishments.command("list")
@click.option("--department", help="Only this department code (07, 2A, 9A…).")
@click.option("--search", help="Part of the name or of the FINESS number.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True)
@pass_context
def list_(
    obj: Context, department: str | None, search: str | None, limit: int, as_json: bool
) -> None:
    """List establishments, by name."""
    with obj.app.app_context():
        query = select(Establishment).order_by(Establishment.name, Establishment.finess)
        if department:
            query = query.where(Establishment.department == department.upper())
        if search:
            pattern = f"%{search.strip()[:100]}%"
            query = query.where(
                Establishment.name.ilike(pattern) | Establishment.finess.like(pattern)
            )
        total = current_session().scalar(select(func.count()).select_from(query.subquery()))
        rows = [describe(e) for e in current_session().scalars(query.limit(limit))]
    lines = [f"{r['finess']}  {r['department']:<3} {r['kind'][:28]:<28} {r['name']}" for r in rows]
    if total and total > len(rows):
        lines.append(f"… {total - len(rows)} more (--limit, --search, --department)")
    emit(rows, as_json, "\n".join(lines) or "no establishments")


@establishments.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def show(obj: Context, number: str, as_json: bool) -> None:
    """One establishment, its units and its référents."""
    with obj.app.app_context():
        try:
            establishment = directory.establishment_by_finess(current_session(), number.strip())
        except NotFoundError:
            fail(f"no establishment with FINESS {number!r}")
        data = {
            **describe(establishment),
            "units": [u.name for u in directory.units_of(current_session(), establishment)],
            "referents": [
                u.username for u in habilitations.referents_of(current_session(), establishment)
            ],
        }
    human = "\n".join(
        f"{k:<11} {', '.join(v) if isinstance(v, list) else v}" for k, v in data.items()
    )
    emit(data, as_json, human)
