"""``idp worker``: the scheduler process (back-channel deliveries every minute, purges every
hour, ``maintenance`` and ``keys rotate --if-due`` daily), safe to run on several instances."""

from __future__ import annotations

import dataclasses
import logging
import signal
from types import FrameType

import click

from idp import log_format, scheduler
from idp.cli.context import Context, pass_context
from idp.services import of as services_of

log = logging.getLogger("idp.worker")


def _every(value: tuple[str, ...]) -> dict[str, int]:
    overrides = {}
    for item in value:
        name, _, seconds = item.partition("=")
        if name not in scheduler.JOBS or not seconds.isdigit() or int(seconds) < 1:
            raise click.BadParameter(
                f"{item!r}: JOB=SECONDS with JOB one of {', '.join(scheduler.JOBS)}"
            )
        overrides[name] = int(seconds)
    return overrides


@click.command()
@click.option(
    "--only",
    help=f"Comma-separated jobs to run (default: all of {', '.join(scheduler.JOBS)}).",
)
@click.option(
    "--every",
    multiple=True,
    metavar="JOB=SECONDS",
    help="Run a job at this interval instead of its schedule (tests, catching up).",
)
@click.option("--run-now", is_flag=True, help="Also run every job once at start.")
@pass_context
def worker(obj: Context, only: str | None, every: tuple[str, ...], run_now: bool) -> None:
    """Run the periodic jobs until SIGTERM or SIGINT (then finish the running job and exit)."""
    names = [n.strip() for n in only.split(",")] if only else list(scheduler.JOBS)
    unknown = [n for n in names if n not in scheduler.JOBS]
    if unknown:
        raise click.BadParameter(f"unknown job(s) {', '.join(unknown)}", param_hint="--only")
    overrides = _every(every)
    jobs = [
        dataclasses.replace(scheduler.JOBS[n], every=overrides[n])
        if n in overrides
        else scheduler.JOBS[n]
        for n in names
    ]
    app = obj.app
    log_format.configure(services_of(app).settings.log_format)
    if run_now:
        for job in jobs:
            scheduler.run_once(app, job)
    running = scheduler.build(app, jobs)

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info(
            "worker %s: %s received, stopping", scheduler.worker_name(), signal.Signals(signum).name
        )
        running.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "worker %s started: %s",
        scheduler.worker_name(),
        ", ".join(
            f"{j.name} every {j.every}s" if j.every else f"{j.name} daily at {j.at} UTC"
            for j in jobs
        ),
    )
    running.start()  # blocks until stop(); running jobs finish before it returns
    log.info("worker %s stopped", scheduler.worker_name())
