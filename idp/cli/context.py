"""What every command shares: the app, built on first use, and how a command answers."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click
from flask import Flask

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


def fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)
