"""``idp maintenance``: the scheduled upkeep; idempotent and safe to run concurrently."""

from __future__ import annotations

import click

from idp.accounts import maintenance as upkeep
from idp.cli.context import Context, emit, pass_context
from idp.services import of as services_of
from idp.storage import current_session


@click.command()
@click.option("--json", "as_json", is_flag=True)
@pass_context
def maintenance(obj: Context, as_json: bool) -> None:
    """Deactivate accounts without valid habilitation or unused too long; purge expired data."""
    app = obj.app
    with app.app_context():
        counts = upkeep.run(
            current_session(),
            services_of(app).security.end_access,
            services_of(app).settings.inactivity_days,
        )
    emit(counts, as_json, "\n".join(f"{k:<30} {v}" for k, v in counts.items()))
