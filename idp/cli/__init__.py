"""The ``idp`` operator command (click), one module per noun.

Each command builds the app from the same settings as the server, so it works on the
embedded default and on PostgreSQL alike. Wrong arguments give a clear message and exit 2;
a refused action exits 1.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import Flask

from idp.errors import IdpError
from idp.services import of as services_of


class Context:
    def __init__(self) -> None:
        self._app: Flask | None = None

    @property
    def app(self) -> Flask:
        if self._app is None:
            from idp import create_app

            self._app = create_app()
            # a command ends with its process: deliver its logouts before exiting, not on a
            # background thread that would die with it
            services_of(self._app).backchannel.in_background(None)
        return self._app


pass_context = click.make_pass_decorator(Context, ensure=True)


def emit(data: Any, as_json: bool, human: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else human)


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


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


from idp.cli import (  # noqa: E402
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
main.add_command(worker.worker)
