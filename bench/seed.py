"""Seed the benchmark's database through the provider's own code: one first-party confidential
client and accounts whose browser is already remembered (so a login asks no mailed code).
Writes the seed file the load generators read."""

from __future__ import annotations

import json
import sys
import time

from idp import create_app
from idp.accounts import users
from idp.authn.context import ACR_EMAIL_OTP, AMR_OTP, AMR_PASSWORD
from idp.authn.remembered_devices import cookie_name
from idp.oidc.clients import ClientRegistration, create_client
from idp.services import of as services_of
from idp.storage import db

CLIENT_ID = "bench-module"
CLIENT_SECRET = "bench-module-secret-0123456789abcdef"
REDIRECT = "https://bench.example/callback"
#: a second module, registered with ES256 ID tokens (a client may choose its ID tokens' algorithm)
ES256_CLIENT_ID = "bench-module-es256"
PASSWORD = "un mot de passe de banc d'essai"


def seed(count: int) -> dict:
    app = create_app()
    with app.app_context():
        ctx = services_of(app)
        devices = services_of(app).devices
        for client_id, id_token_alg in ((CLIENT_ID, None), (ES256_CLIENT_ID, "ES256")):
            create_client(
                db.session,
                ClientRegistration(
                    client_id=client_id,
                    client_name="Banc d'essai",
                    redirect_uris=[REDIRECT],
                    grant_types=["authorization_code", "refresh_token", "client_credentials"],
                    token_endpoint_auth_method="client_secret_basic",
                    id_token_signed_response_alg=id_token_alg,
                ),
                secret=CLIENT_SECRET,
            )
        people = []
        for n in range(count):
            username = f"bench-{n:03d}"
            user = users.create_user(
                db.session,
                ctx.passwords,
                username=username,
                email=f"{username}@example.org",
                password=PASSWORD,
                given_name="Banc",
                family_name=f"Essai {n}",
                email_verified=True,
            )
            users.accept_charter(db.session, user, ctx.settings.charter_version)
            cookie = devices.remember(
                db.session, user, [AMR_PASSWORD, AMR_OTP], ACR_EMAIL_OTP, int(time.time()), "bench"
            )
            people.append(
                {
                    "username": username,
                    "password": PASSWORD,
                    "device_cookie_name": cookie_name(username),
                    "device_cookie": cookie,
                }
            )
        db.session.commit()
    return {
        "client_id": CLIENT_ID,
        "es256_client_id": ES256_CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT,
        "users": people,
    }


if __name__ == "__main__":
    with open(sys.argv[1], "w") as handle:
        json.dump(seed(int(sys.argv[2])), handle)
