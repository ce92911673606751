"""Adding, replacing and removing an authenticator app, as a use case.

An open session is not enough to change the strongest factor (ASVS 5.0 V6.4.4): enrolling
asks the password again, and replacing an enrolled app also asks its current code, counted
by ``Lockout`` like any second-factor guess. Enrolling forgets every remembered browser (they
were remembered at the emailed-code level) and mails a notice. A person who lost the app asks
support, who removes it (page or ``idp users reset-second-factor``); that is audited, ends the
account's sessions and remembered browsers, and is announced by mail too.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from idp.authn.lockout import Lockout
from idp.authn.notices import SecurityNotices
from idp.authn.passwords import Passwords
from idp.authn.remembered_devices import RememberedDevices
from idp.authn.sessions import SessionService
from idp.authn.totp import Totp, TotpCodeError, TotpEnrolment
from idp.errors import IdpError
from idp.storage.models import User


class ReauthenticationError(IdpError):
    """``reason``: ``password`` (wrong password) or ``current_code`` (wrong app code)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AuthenticatorApps:
    def __init__(
        self,
        db_session: Callable[[], Session],
        totp: Totp,
        passwords: Passwords,
        devices: RememberedDevices,
        sessions: SessionService,
        lockout: Lockout,
        notices: SecurityNotices,
    ) -> None:
        self._db_session = db_session
        self.totp = totp
        self._passwords = passwords
        self._devices = devices
        self._sessions = sessions
        self._lockout = lockout
        self._notices = notices

    def begin(self, user: User) -> TotpEnrolment:
        return self.totp.begin(user)

    def confirm(self, user: User, password: str, current_code: str, code: str) -> list[str]:
        """Store the new app once the person proved the password, the current app (if one is
        enrolled) and the new one; returns the recovery codes."""
        if not self._passwords.check(user.password_hash, password or "").ok:
            raise ReauthenticationError("password")
        replacing = self.totp.is_enrolled(user)
        if replacing:
            try:
                self.totp.verify(user, current_code)
            except TotpCodeError:
                self._lockout.second_factor_failed(user.id)
                raise ReauthenticationError("current_code") from None
        codes = self.totp.confirm(user, code)
        session = self._db_session()
        self._devices.revoke_all(session, user)
        session.commit()
        self._notices.send(
            user,
            "application d'authentification " + ("remplacée" if replacing else "activée"),
            "Une application d'authentification vient d'être "
            + ("remplacée" if replacing else "activée")
            + " sur votre compte ViaTrajectoire. Les navigateurs mémorisés ont été oubliés.",
        )
        return codes

    def reset(self, user: User, actor: str) -> bool:
        """Support removes a lost app; False if the account had none."""
        if not self.totp.is_enrolled(user):
            return False
        self.totp.remove(user, actor)
        session = self._db_session()
        self._devices.revoke_all(session, user)
        session.commit()
        self._sessions.end_all(user.id)
        self._notices.send(
            user,
            "application d'authentification retirée",
            "Le support ViaTrajectoire a retiré l'application d'authentification de votre "
            "compte, à votre demande. Vos sessions et navigateurs mémorisés ont été fermés ; "
            "votre prochaine connexion se fera avec un code reçu par courriel.",
        )
        return True
