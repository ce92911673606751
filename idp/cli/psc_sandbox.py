"""``idp psc-sandbox``: run the local Pro Santé Connect stand-in (development and tests only).

The stand-in lives in its own package (``psc_sandbox``) beside the provider; this command only
starts it. Point the provider at it with ``IDP_PSC_ISSUER=http://HOST:PORT/auth/realms/
esante-wallet`` and the client id and secret given here.
"""

from __future__ import annotations

import click

DEFAULT_CLIENT_ID = "viatrajectoire-idp"
DEFAULT_CLIENT_SECRET = "psc-sandbox-secret"


@click.command("psc-sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=click.IntRange(1, 65535))
@click.option("--client-id", default=DEFAULT_CLIENT_ID, show_default=True)
@click.option("--client-secret", default=DEFAULT_CLIENT_SECRET, show_default=True)
def psc_sandbox(host: str, port: int, client_id: str, client_secret: str) -> None:
    """Run a Pro Santé Connect stand-in that speaks real OpenID Connect (not for production)."""
    from psc_sandbox import serve

    display = f"[{host}]" if ":" in host else host
    click.echo(
        f"Pro Santé Connect stand-in on http://{display}:{port}/ — issuer "
        f"http://{display}:{port}/auth/realms/esante-wallet, client {client_id}"
    )
    serve(host, port, {client_id: client_secret})
