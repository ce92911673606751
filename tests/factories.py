"""Factories for the records tests need: users and client registrations."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from idp.accounts import users
from idp.oidc.clients import ClientRegistration, create_client
from idp.services import of as services_of
from idp.storage import db
from idp.storage.models import User

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@dataclass
class ClientInfo:
    client_id: str
    client_secret: str | None
    redirect_uri: str
    public: bool = False
    auth_method: str = "client_secret_basic"
    extra: dict[str, Any] = field(default_factory=dict)


class Factories:
    def __init__(self, app: Flask) -> None:
        self.app = app

    @property
    def ctx(self) -> Any:
        return services_of(self.app)

    def user(self, username: str | None = None, password: str = PASSWORD, **fields: Any) -> User:
        n = next(_counter)
        user = users.create_user(
            db.session,
            self.ctx.passwords,
            username=username or f"user{n}",
            email=fields.pop("email", f"user{n}@example.org"),
            password=password,
            given_name=fields.pop("given_name", "Camille"),
            family_name=fields.pop("family_name", "Martin"),
        )
        fields.setdefault("email_verified", True)
        if fields.get("national_id"):
            fields.setdefault("national_id_verified", True)  # as if its owner confirmed it
        fields.setdefault("charter_version", self.ctx.settings.charter_version)
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    def client(
        self,
        client_id: str | None = None,
        public: bool = False,
        redirect_uri: str = "https://rp.example.org/callback",
        **fields: Any,
    ) -> ClientInfo:
        client_id = client_id or f"client-{next(_counter)}"
        method = fields.pop(
            "token_endpoint_auth_method", "none" if public else "client_secret_basic"
        )
        grants = fields.pop(
            "grant_types",
            ["authorization_code", "refresh_token"] + ([] if public else ["client_credentials"]),
        )
        registration = ClientRegistration(
            client_id=client_id,
            redirect_uris=[redirect_uri],
            post_logout_redirect_uris=fields.pop(
                "post_logout_redirect_uris", ["https://rp.example.org/bye"]
            ),
            grant_types=grants,
            token_endpoint_auth_method=method,
            **fields,
        )
        _, secret = create_client(db.session, registration)
        db.session.commit()
        return ClientInfo(client_id, secret, redirect_uri, public, method)

    # --- establishments and habilitations -------------------------------------------------
    def establishment(self, name: str = "EHPAD Les Tilleuls", kind: str = "EHPAD"):  # noqa: ANN201
        from idp.accounts import directory

        n = next(_counter)
        place = directory.add_establishment(db.session, f"07{n:07d}", name, kind, "Normandie")
        db.session.commit()
        return place

    def profile(self, code: str | None = None, referent: bool = False, module: str = "GRAND_AGE"):  # noqa: ANN201
        from idp.accounts import directory

        n = next(_counter)
        profile = directory.add_profile(
            db.session,
            code or f"P{n}",
            "Référent" if referent else f"Grand Age - Profil {n}",
            "ADMINISTRATION" if referent else module,
            ["demandes.lire"],
            is_referent=referent,
        )
        db.session.commit()
        return profile

    def habilitation(self, user, profile, place, days_left: int = 365, started_days_ago: int = 10):  # noqa: ANN001, ANN201
        from datetime import date, timedelta

        from idp.storage.models import Habilitation

        habilitation = Habilitation(
            user_id=user.id,
            profile_id=profile.id,
            establishment_id=place.id,
            valid_from=date.today() - timedelta(days=started_days_ago),
            valid_to=date.today() + timedelta(days=days_left),
            created_by="test",
        )
        db.session.add(habilitation)
        db.session.commit()
        return habilitation

    def referent(self, place, username: str | None = None):  # noqa: ANN001, ANN201
        user = self.user(username)
        self.habilitation(user, self.referent_profile(), place)
        return user

    def referent_profile(self):  # noqa: ANN201
        from idp.storage.models import Profile

        found = db.session.query(Profile).filter_by(is_referent=True).first()
        return found or self.profile("REFERENT", referent=True)
