"""The ``idp`` operator command (click), one module per noun.

Each command builds the app from the same settings as the server, so it works on the
embedded default and on PostgreSQL alike. Wrong arguments give a clear message and exit 2;
a refused action exits 1.
"""

from __future__ import annotations

from typing import Any

import click

from idp.cli import (
    assurance,
    backchannel,
    clients,
    establishments,
    init,
    keys,
    maintenance,
    profiles,
    psc_sandbox,
    serve,
    users,
    worker,
)
from idp.cli.context import Context, fail
from idp.errors import IdpError


class Commands(click.Group):
    """A refusal raised as an IdpError anywhere in a command ends it as ``fail`` does."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IdpError as exc:
            fail(str(exc))


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(click_ctx: click.Context) -> None:
    """idp: the ViaTrajectoire OpenID Connect provider."""
    click_ctx.obj = Context()


def run() -> None:
    main(standalone_mode=True)


main.add_command(init.init)
main.add_command(serve.serve)
main.add_command(users.users)
main.add_command(clients.clients)
main.add_command(establishments.establishments)
main.add_command(profiles.profiles)
main.add_command(keys.keys)
main.add_command(maintenance.maintenance)
main.add_command(psc_sandbox.psc_sandbox)
main.add_command(backchannel.backchannel)
main.add_command(assurance.assurance)
main.add_command(worker.worker)
