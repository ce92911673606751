"""``idp profiles sync|list``: the habilitation profiles catalogue, kept as configuration."""

from __future__ import annotations

from pathlib import Path

import click

from idp.accounts import directory, profile_catalogue
from idp.accounts.administration import OPERATOR
from idp.cli.context import Context, emit, fail, pass_context
from idp.storage import current_session


@click.group()
def profiles() -> None:
    """Habilitation profiles of the modules."""


@profiles.command("sync")
@click.option(
    "--file",
    "path",
    default="config/profiles.toml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The catalogue (see config/profiles.example.toml).",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def sync(obj: Context, path: Path, dry_run: bool, as_json: bool) -> None:
    """Make the profiles match the catalogue file: idempotent, all or nothing."""
    try:
        declared = profile_catalogue.read_file(path)
    except profile_catalogue.CatalogueError as exc:
        fail(str(exc))
    with obj.app.app_context():
        try:
            report = profile_catalogue.sync(current_session(), declared, OPERATOR)
        except Exception:
            current_session().rollback()
            raise
        if dry_run:
            current_session().rollback()
            report.applied = False
        else:
            current_session().commit()
    lines = [f"created    {code}" for code in report.created]
    lines += [f"changed    {code}: {', '.join(f)}" for code, f in report.updated.items()]
    lines += [f"unchanged  {code}" for code in report.unchanged]
    lines += [f"not in file (left alone) {code}" for code in report.left_alone]
    if dry_run:
        lines.append("(dry run: nothing was changed)")
    emit({**report.as_dict(), "dry_run": dry_run}, as_json, "\n".join(lines))


@profiles.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def list_(obj: Context, as_json: bool) -> None:
    """List profiles, by module."""
    with obj.app.app_context():
        rows = [
            {
                "code": p.code,
                "label": p.label,
                "module": p.module,
                "rights": p.rights,
                "referent": p.is_referent,
            }
            for p in directory.list_profiles(current_session())
        ]
    lines = [f"{r['code']:<20} {r['module']:<15} {r['label']}" for r in rows]
    emit(rows, as_json, "\n".join(lines) or "no profiles (idp profiles sync)")
