"""``idp backchannel deliver``: retry back-channel logouts that did not get through at once
(run it every minute from cron or a systemd timer; safe to run from several instances)."""

from __future__ import annotations

import click

from idp.cli.context import Context, emit, pass_context
from idp.services import of as services_of


@click.group()
def backchannel() -> None:
    """Back-channel logout (OpenID Connect Back-Channel Logout 1.0)."""


@backchannel.command("deliver")
@click.option(
    "--retry-now", is_flag=True, help="Also retry failed deliveries before their delay is over."
)
@click.option("--client", "client_id", help="Only the deliveries to this module.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def deliver(obj: Context, retry_now: bool, client_id: str | None, as_json: bool) -> None:
    """Send the logout tokens that are due: expired sessions and retries (growing delays,
    given up after a day). After a module's outage: --retry-now --client MODULE."""
    app = obj.app
    with app.app_context():
        counts = services_of(app).backchannel.deliver_due(retry_now=retry_now, client_id=client_id)
    emit(counts, as_json, "\n".join(f"{k:<10} {v}" for k, v in counts.items()))


@backchannel.command("waiting")
@click.option("--client", "client_id", help="Only the deliveries to this module.")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def waiting(obj: Context, client_id: str | None, as_json: bool) -> None:
    """Logouts that did not reach their module yet: attempts, last error, next retry."""
    app = obj.app
    with app.app_context():
        rows = services_of(app).backchannel.waiting(client_id)
    lines = [
        f"{r['client_id']:<24} attempts {r['attempts']:<2} next {r['next_attempt_at']}  "
        f"{r['last_error']}"
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or "nothing waiting")
