"""``idp assurance report``: the means and sign-in levels a structure files for its
homologation (the same figures as support's page ``/admin/assurance``)."""

from __future__ import annotations

from pathlib import Path

import click

from idp.authn.context import RIE_CATEGORY
from idp.cli.context import Context, emit, pass_context
from idp.oidc import assurance as figures
from idp.storage import current_session


@click.group()
def assurance() -> None:
    """Assurance levels: who holds which means, how modules are signed in to."""


@assurance.command("report")
@click.option("--json", "as_json", is_flag=True)
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path), help="Write the chart.")
@pass_context
def report(obj: Context, as_json: bool, svg: Path | None) -> None:
    """The last 30 days' report (sign-ins by level and module, accounts by strongest means)."""
    with obj.app.app_context():
        made = figures.report(current_session())
    if svg is not None:
        svg.write_text(figures.svg_chart(made), encoding="utf-8")
    emit(made.as_dict(), as_json, "\n".join(_lines(made)))


def _lines(made: figures.AssuranceReport) -> list[str]:
    lines = [f"assurance report of {made.day} ({figures.DAYS} days)", "", "accounts by means"]
    lines += [f"  {figures.MEANS_LABELS[m]:<40} {made.means[m]}" for m in figures.MEANS]
    lines += ["", "sign-ins by level"]
    lines += [
        f"  {acr:<40} {count:>8}  {RIE_CATEGORY.get(acr, '')}"
        for acr, count in sorted(made.sign_ins_by_level.items())
    ]
    lines += ["", "modules (minimum level, health data, sign-ins)"]
    for module in made.modules:
        total = sum(module.sign_ins.values())
        lines.append(
            f"  {module.client_id:<30} {module.minimum_acr or '-':<40} "
            f"{'yes' if module.health_data else 'no':<4} {total}"
        )
    share = made.health_data_strong_share
    lines += [
        "",
        "health-data modules' sign-ins at a phishing-resistant or ANS level: "
        + ("none yet" if share is None else f"{share:.0%} of {made.health_data_sign_ins}"),
    ]
    return lines
