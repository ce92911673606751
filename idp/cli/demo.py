"""Demo data for the embedded default: one person, one confidential and one public client.

Development only: the demo secrets are well known on purpose.
"""

from __future__ import annotations

import click
from flask import Flask

from idp.accounts import demo_data, users
from idp.authn.context import ACR_PSC
from idp.oidc.clients import ClientRegistration, create_client, get_client
from idp.services import of as services_of
from idp.storage import current_session

DEMO_USER = {
    "username": "demo",
    "password": "demo-password-2026",
    "email": "demo@example.org",
    "given_name": "Camille",
    "family_name": "Martin",
}
DEMO_CONFIDENTIAL = ClientRegistration(
    client_id="demo-module",
    client_name="Module de démonstration",
    redirect_uris=["http://127.0.0.1:8000/callback", "http://localhost:8000/callback"],
    post_logout_redirect_uris=["http://127.0.0.1:8000/"],
    grant_types=["authorization_code", "refresh_token", "client_credentials"],
    token_endpoint_auth_method="client_secret_basic",
    backchannel_logout_uri="http://127.0.0.1:8000/backchannel-logout",
)
DEMO_CONFIDENTIAL_SECRET = "demo-module-secret-for-development-only"
#: a module of health data with a registered minimum level: every sign-in to it goes through
#: Pro Santé Connect, whatever it asks (``make run`` runs it on :8001)
DEMO_HEALTH = ClientRegistration(
    client_id="demo-volet-medical",
    client_name="Volet médical (démo)",
    redirect_uris=["http://127.0.0.1:8001/callback"],
    post_logout_redirect_uris=["http://127.0.0.1:8001/"],
    grant_types=["authorization_code", "refresh_token"],
    token_endpoint_auth_method="client_secret_basic",
    backchannel_logout_uri="http://127.0.0.1:8001/backchannel-logout",
    minimum_acr=ACR_PSC,
    health_data=True,
)
DEMO_PUBLIC = ClientRegistration(
    client_id="demo-public",
    client_name="Application publique de démonstration",
    redirect_uris=["http://127.0.0.1:8000/public/callback"],
    post_logout_redirect_uris=["http://127.0.0.1:8000/"],
    grant_types=["authorization_code", "refresh_token"],
    token_endpoint_auth_method="none",
)


def seed_demo(app: Flask) -> None:
    services = services_of(app)
    session = current_session()
    if users.get_by_username(session, DEMO_USER["username"]) is None:
        users.create_user(
            session,
            services.passwords,
            username=DEMO_USER["username"],
            password=DEMO_USER["password"],
            email=DEMO_USER["email"],
            given_name=DEMO_USER["given_name"],
            family_name=DEMO_USER["family_name"],
            email_verified=True,
        )
    if get_client(session, DEMO_CONFIDENTIAL.client_id) is None:
        create_client(session, DEMO_CONFIDENTIAL, secret=DEMO_CONFIDENTIAL_SECRET)
    if get_client(session, DEMO_PUBLIC.client_id) is None:
        create_client(session, DEMO_PUBLIC)
    if get_client(session, DEMO_HEALTH.client_id) is None:
        create_client(session, DEMO_HEALTH, secret=DEMO_CONFIDENTIAL_SECRET)
    session.commit()
    demo_data.seed(session, services.passwords, DEMO_USER["password"])


def print_demo(issuer: str) -> None:
    click.echo(f"""
Demo data (development only):
  user                 {DEMO_USER["username"]} / {DEMO_USER["password"]}
  referents            referent-ehpad, referent-ehpad2 (same password)
  support              support-ara (same password)
  demo module          http://127.0.0.1:8000 (with `make run`: sign in, API call, step-up, logout)
  confidential client  {DEMO_CONFIDENTIAL.client_id} / {DEMO_CONFIDENTIAL_SECRET}
                       redirect_uri {DEMO_CONFIDENTIAL.redirect_uris[0]}
  volet médical        http://127.0.0.1:8001 (with `make run`): registered with a minimum
                       level, Pro Santé Connect, that every sign-in to it reaches
  public client (PKCE) {DEMO_PUBLIC.client_id}
                       redirect_uri {DEMO_PUBLIC.redirect_uris[0]}
  discovery            {issuer}/.well-known/openid-configuration
  carte CPS / e-CPS    with `make run`, the Pro Santé Connect stand-in: choose PAUL DURAND
                       (linked to demo) or another test professional (first-time linking)
""")
