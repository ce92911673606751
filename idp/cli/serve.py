"""``idp serve``: the production server (granian, or gunicorn), after checking the provider
can work."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from idp import log_redaction
from idp.cli.context import Context, pass_context
from idp.errors import ConfigurationError
from idp.log_format import dict_config
from idp.memory import limit_malloc_arenas
from idp.services import of as services_of
from idp.settings import load_settings
from idp.storage import db
from idp.storage.migrate import current_revision
from idp.wsgi import trusted_addresses


def check_ready(app: Flask, workers: int) -> None:
    """Fail at start, with the fix, rather than on a user's request."""
    services = services_of(app)
    if workers > 1 and not services.store.shared:
        raise ConfigurationError(
            "several workers need a shared store: set IDP_REDIS_URL (the in-process store "
            "would lose codes and sessions between workers), or use --workers 1"
        )
    try:
        services.store.ping()
    except Exception as exc:
        raise ConfigurationError(f"the ephemeral store cannot be reached: {exc}") from exc
    with app.app_context():
        if current_revision(db.engine) is None:
            raise ConfigurationError("the database has no schema: run `idp init`")
        services.keyring.verify_kek()
        missing = set(services.settings.key_algorithms()) - set(services.keyring.algorithms())
        if missing:
            raise ConfigurationError(
                f"no active {', '.join(sorted(missing))} signing key (IDP_SIGNING_ALG "
                "and ID tokens): run `idp init`"
            )
        db.session.remove()
        db.engine.dispose()  # no database connection may be shared by forked workers


class GunicornServer(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes; more than one needs IDP_REDIS_URL. One per core.",
)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per process (blocking threads for granian, gthread for gunicorn).",
)
@click.option(
    "--server",
    type=click.Choice(["granian", "gunicorn"]),
    default="granian",
    show_default=True,
    help="granian: the fastest here (bench/RESULTS.md); gunicorn: the classic alternative.",
)
@pass_context
def serve(obj: Context, host: str, port: int, workers: int, threads: int, server: str) -> None:
    """Run the provider with a production WSGI server."""
    app = obj.app
    check_ready(app, workers)
    if workers > 1 and MULTIPROC not in os.environ:
        _restart_with_shared_metrics(
            ["--host", host, "--port", str(port), "--workers", str(workers)]
            + ["--threads", str(threads), "--server", server]
        )
    limit_malloc_arenas()  # before workers fork: each inherits it
    issuer = services_of(app).settings.issuer
    click.echo(
        f"idp {issuer} listening on http://{host}:{port} "
        f"({server}, {workers} worker(s) × {threads} thread(s))"
    )
    if server == "granian":
        _granian(host, port, workers, threads, services_of(app).settings.log_format)
    else:
        _gunicorn(app, host, port, workers, threads)


def _restart_with_shared_metrics(options: list[str]) -> None:
    """Workers add up their counters in files (prometheus-client's multiprocess mode), which
    it chooses when it is first imported: start again, in this process, with the folder set.
    The folder is emptied first: counters of a previous run must not be added to this one's."""
    folder = load_settings().instance_path / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC] = str(folder)
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", "idp.cli", "serve", *options])  # noqa: S606


def _granian(host: str, port: int, workers: int, threads: int, log_format: str) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    logging: dict[str, Any] = {"log_access": True}
    if log_format == "json":
        # one JSON event per line, the request events of idp.request replace the access log
        logging = {"log_dictconfig": dict_config("json"), "log_access": False}
    Granian(
        "idp.wsgi:build",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        log_access_format='[%(time)s] %(addr)s "%(method)s %(path)s" %(status)d %(dt_ms).1fms',
        respawn_failed_workers=True,
        workers_kill_timeout=10,
        **logging,
    ).serve()


def _gunicorn(app: Flask, host: str, port: int, workers: int, threads: int) -> None:
    log_redaction.install()
    GunicornServer(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "accesslog": "-",
            "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            "graceful_timeout": 10,
            "limit_request_line": 8190,
            "forwarded_allow_ips": ",".join(sorted(trusted_addresses())),
            "post_fork": lambda server, worker: _forget_parent_connections(app),
        },
    ).run()


def _forget_parent_connections(app: Flask) -> None:
    """A forked worker opens its own connections (SQLAlchemy's advice for os.fork)."""
    with app.app_context():
        db.engine.dispose(close=False)
