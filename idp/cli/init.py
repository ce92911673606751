"""``idp init``: create the KEK (embedded default), apply migrations, make a signing key."""

from __future__ import annotations

import click

from idp.cli.context import Context, pass_context
from idp.cli.demo import print_demo, seed_demo
from idp.keyring.kek import create_kek_file
from idp.services import of as services_of
from idp.settings import load_settings
from idp.storage import current_session, db
from idp.storage.migrate import upgrade


@click.command()
@click.option("--demo", is_flag=True, help="Also create the demo user and clients (development).")
@pass_context
def init(obj: Context, demo: bool) -> None:
    """Prepare the database and keys; safe to run again."""
    settings = load_settings()
    if not settings.key_encryption_key and create_kek_file(settings.resolved_kek_file()):
        click.echo(f"created key-encryption key {settings.resolved_kek_file()} (mode 0600)")
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app = obj.app
    with app.app_context():
        upgrade(db.engine)
        keyring = services_of(app).keyring
        keyring.verify_kek()
        for alg in settings.key_algorithms():
            if keyring.ensure_key(alg):
                click.echo(f"created {alg} signing key")
        current_session().commit()
        if demo:
            if settings.is_production:
                raise click.UsageError("--demo refuses to run in production")
            seed_demo(app)
            print_demo(settings.issuer)
    click.echo("idp is ready")
