"""What a signed-in person can end from "Mon compte": one remembered device, a PSC link, or
everything."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from idp.accounts import audit, habilitations, national_ids
from idp.authn.remembered_devices import RememberedDevices
from idp.authn.sessions import SessionService, signed_in_user
from idp.storage.models import Habilitation, RememberedDevice, User


class AccountSecurity:
    def __init__(
        self,
        db_session: Callable[[], Session],
        devices: RememberedDevices,
        sessions: SessionService,
        end_grants: Callable[[User], None],
        notify: Callable[[User, str, str], None],
    ) -> None:
        self._db_session = db_session
        self._devices = devices
        self._sessions = sessions
        self._end_grants = end_grants
        self._notify = notify

    def signed_in_user(self, sid: str | None) -> User | None:
        """The account of an SSO session if it may still sign in (active, not blocked)."""
        return signed_in_user(self._db_session(), self._sessions.get(sid))

    def devices_of(self, user: User) -> list[RememberedDevice]:
        return self._devices.list_for(self._db_session(), user)

    def own_habilitations(self, user: User) -> list[Habilitation]:
        return habilitations.of_user(self._db_session(), user)

    def referents_for(self, user: User) -> list[tuple[Habilitation, list[User]]]:
        session = self._db_session()
        return [
            (h, habilitations.referents_of(session, h.establishment))
            for h in habilitations.valid_of(session, user)
        ]

    def forget_device(self, user: User, device_id: int) -> None:
        session = self._db_session()
        if self._devices.revoke(session, user, device_id):
            audit.record(
                session,
                user.username,
                "user.device_revoked",
                f"user:{user.subject}",
                description="Appareil mémorisé oublié",
            )
        session.commit()

    def unlink_psc(self, user: User) -> None:
        """Detach the national identifier (audited); PSC logins stop finding the account and
        what PSC said of the person is forgotten."""
        session = self._db_session()
        national_ids.unlink(session, user, user.username)
        user.psc_profile = None
        session.commit()
        self._notify(
            user,
            "carte CPS / e-CPS détachée",
            "Votre identité Pro Santé Connect a été détachée de votre compte ViaTrajectoire.",
        )

    def sign_out_everywhere(self, user: User) -> None:
        """The person ends every session, grant and remembered device of their account."""
        audit.record(
            self._db_session(),
            user.username,
            "user.signed_out_everywhere",
            f"user:{user.subject}",
            description="Déconnexion de tous les appareils",
        )
        self.end_access(user)

    def end_access(self, user: User) -> None:
        """End every session, grant and remembered device (block, deactivation, logout)."""
        session = self._db_session()
        self._devices.revoke_all(session, user)
        session.commit()
        self._sessions.end_all(user.id)
        self._end_grants(user)
