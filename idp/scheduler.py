"""The periodic jobs and how ``idp worker`` runs them (APScheduler).

Several workers may run at once (one per instance, or two for safety): each run of a job
belongs to a *slot* (the minute, hour or day it is for), and a worker runs a slot only
after inserting its ``job_runs`` row. The primary key (job, slot) lets exactly one insert
succeed, on SQLite and PostgreSQL alike, and the row stays as the record of the run: who
ran it, when, how long, what it did. A worker killed mid-run leaves its row "running"; the
next slot runs as usual, since every job is idempotent.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.exc import IntegrityError

from idp.accounts import maintenance
from idp.services import of as services_of
from idp.storage import current_session
from idp.storage.models import JobRun

log = logging.getLogger("idp.worker")


@dataclass(frozen=True)
class Job:
    name: str
    #: seconds between runs, or None for a daily job at ``at`` (UTC "HH:MM")
    every: int | None
    run: Callable[[Flask], dict[str, Any]]
    at: str = "03:00"

    def slot(self, now: float) -> str:
        if self.every is None:
            return datetime.fromtimestamp(now, UTC).date().isoformat()
        return str(int(now // self.every))

    def trigger(self) -> IntervalTrigger | CronTrigger:
        if self.every is not None:
            return IntervalTrigger(seconds=self.every)
        hour, minute = self.at.split(":")
        return CronTrigger(hour=int(hour), minute=int(minute), timezone=UTC)


def _backchannel(app: Flask) -> dict[str, Any]:
    return services_of(app).backchannel.deliver_due()


def _maintenance(app: Flask) -> dict[str, Any]:
    return maintenance.run(
        current_session(),
        services_of(app).security.end_access,
        services_of(app).settings.inactivity_days,
    )


def _keys(app: Flask) -> dict[str, Any]:
    return {"activated": services_of(app).keys.rotate("system", if_due=True)}


def _purge(app: Flask) -> dict[str, Any]:
    return maintenance.purge(current_session())


JOBS = {
    job.name: job
    for job in (
        Job("backchannel", 60, _backchannel),
        Job("purge", 3600, _purge),
        Job("maintenance", None, _maintenance, at="03:00"),
        Job("keys", None, _keys, at="02:30"),
    )
}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def run_once(app: Flask, job: Job, now: float | None = None) -> str:
    """Claim this job's current slot and run it: "ran", "failed", or "elsewhere" when
    another worker holds the slot."""
    slot = job.slot(now if now is not None else time.time())
    with app.app_context():
        session = current_session()
        session.add(JobRun(job=job.name, slot=slot, worker=worker_name(), details={}))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            log.info("job %s slot %s: run by another worker", job.name, slot)
            return "elsewhere"
        started = time.monotonic()
        try:
            details, outcome = job.run(app), "ran"
        except Exception as error:  # a failed run is recorded; the worker keeps going
            session.rollback()
            log.exception("job %s slot %s failed", job.name, slot)
            details, outcome = {"error": type(error).__name__}, "failed"
        record = session.get(JobRun, (job.name, slot))
        if record is None:  # claimed above in this session: it cannot be gone
            raise RuntimeError(f"job {job.name} slot {slot}: claim row missing")
        record.finished_at = datetime.now(UTC)
        record.outcome = outcome
        record.details = {**details, "seconds": round(time.monotonic() - started, 3)}
        session.commit()
        log.info("job %s slot %s: %s %s", job.name, slot, outcome, record.details)
        return outcome


def build(app: Flask, jobs: list[Job]) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        executors={"default": {"type": "threadpool", "max_workers": 2}},
    )
    for job in jobs:
        scheduler.add_job(run_once, job.trigger(), args=[app, job], id=job.name, name=job.name)
    return scheduler
