"""Setting a password: change (current one required), forgotten-password link, and the
consequences of either: every session, grant and remembered device of the account ends.

Reset links are 256-bit tokens stored by digest for 30 minutes, single use, and bound to the
password they replace: once the password changes by any route, older links stop working.

A forgotten-password request is answered before anything is looked up: finding the account
and mailing the link happen off the request path (``Deferred``), so that neither the answer
nor its timing tells a known username from an unknown one, and an account receives at most
``reset_mails_per_hour`` links an hour, whoever asks.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable

from sqlalchemy.orm import Session

from idp.accounts import audit, eligibility, users
from idp.authn.lockout import Lockout
from idp.authn.password_policy import check_new_password
from idp.authn.passwords import InvalidCredentialsError, Passwords
from idp.authn.remembered_devices import RememberedDevices
from idp.authn.sessions import SessionService
from idp.authn.totp import Totp, TotpCodeError
from idp.errors import IdpError
from idp.mail import MailDeliveryError, Mailer, render
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import User

log = logging.getLogger(__name__)
RESET_TTL = 1800
RESET_MAILS_WINDOW = 3600
WELCOME_TTL = 72 * 3600
WELCOME_OFFER_INTERVAL = 24 * 3600
#: wrong app codes on one reset or welcome link before the link is void
LINK_CODE_ATTEMPTS = 5


class ResetLinkInvalidError(IdpError):
    """Unknown, expired, used, or made obsolete by a later password change."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class PasswordChanges:
    def __init__(
        self,
        db_session: Callable[[], Session],
        passwords: Passwords,
        sessions: SessionService,
        devices: RememberedDevices,
        store: EphemeralStore,
        mailer: Mailer,
        reset_url: Callable[[str], str],
        end_grants: Callable[[User], None],
        totp: Totp,
        lockout: Lockout,
        deferred: Callable[[Callable[[], None]], None],
        reset_mails_per_hour: int,
    ) -> None:
        self._db_session = db_session
        self._passwords = passwords
        self._sessions = sessions
        self._devices = devices
        self._store = store
        self._mailer = mailer
        self._reset_url = reset_url
        self._end_grants = end_grants
        self.totp = totp
        self._lockout = lockout
        self._deferred = deferred
        self._reset_mails_per_hour = reset_mails_per_hour

    def change(self, user: User, current: str, new: str) -> None:
        """Change one's own password; raises InvalidCredentialsError or WeakPasswordError."""
        if not self._passwords.check(user.password_hash, current).ok:
            raise InvalidCredentialsError()
        self.set_password(user, new, actor=user.username)

    def set_password(self, user: User, new: str, actor: str) -> None:
        """The account must still be allowed to sign in (``NotEligibleError``). A new
        password lifts a lockout after wrong ones: the guesses were for the old one."""
        session = self._db_session()
        eligibility.check_sign_in(session, user)
        check_new_password(new, user.username, [user.email, user.given_name, user.family_name])
        user.password_hash = self._passwords.hash(new)
        users.lift_lockout(session, user)
        revoked = self._devices.revoke_all(session, user)
        audit.record(
            session,
            actor,
            "user.password_changed",
            f"user:{user.subject}",
            description="La modification de mot de passe a été effectuée.",
            devices_revoked=revoked,
        )
        session.commit()
        self._sessions.end_all(user.id)
        self._end_grants(user)

    def request_reset(self, username: str) -> None:
        """Mail a link, later, if the account can use one; the caller answers the same in
        every case, at once."""
        wanted = (username or "")[:150]
        self._deferred(lambda: self._send_reset(wanted))

    def _send_reset(self, username: str) -> None:
        user = users.get_by_username(self._db_session(), username)
        if user is None or not user.is_active or not user.email_verified or users.is_blocked(user):
            return
        sent = self._store.incr(keys.reset_mails(user.id), RESET_MAILS_WINDOW)
        if sent > self._reset_mails_per_hour:
            log.info("password reset: account %s had its links for this hour", user.id)
            return
        try:
            self._send_link(user, "password_reset", RESET_TTL)
        except MailDeliveryError:
            log.warning("password reset: the link to account %s could not be mailed", user.id)

    def offer_welcome(self, username: str) -> None:
        """A failed login on an account that has no password yet (imported without a usable
        hash, or whose welcome link expired): mail a welcome link, at most once a day. The
        login page answers as for any wrong password (no enumeration)."""
        user = users.get_by_username(self._db_session(), (username or "")[:150])
        if user is None or user.password_hash is not None or not user.is_active:
            return
        if users.is_blocked(user) or not self._store.add(
            keys.welcome_offered(user.id), {"offered": True}, WELCOME_OFFER_INTERVAL
        ):
            return
        try:
            self.send_welcome(user)
        except MailDeliveryError:
            self._store.delete(keys.welcome_offered(user.id))  # the next attempt tries again

    def send_welcome(self, user: User) -> None:
        """A new account (or a changed address): a link to set the password, valid 72 h.

        Using it also validates the address. No password ever travels by mail.
        """
        self._send_link(user, "welcome", WELCOME_TTL)

    def _send_link(self, user: User, template: str, ttl: int) -> None:
        token = secrets.token_urlsafe(32)
        self._store.put(self._key(token), {"user_id": user.id, "bound": self._bound(user)}, ttl)
        name = f"{user.given_name} {user.family_name}".strip() or user.username
        try:
            self._mailer.send(
                render(
                    template,
                    user.email,
                    name=name,
                    username=user.username,
                    link=self._reset_url(token),
                    minutes=ttl // 60,
                    hours=ttl // 3600,
                )
            )
        except MailDeliveryError:
            self._store.delete(self._key(token))
            raise

    def reset_target(self, token: str) -> User:
        """The account a reset link is for; ResetLinkInvalidError if it cannot be used,
        ``NotEligibleError`` if the account may no longer sign in (its refusal page)."""
        data = self._store.get(self._key(token)) if 20 < len(token or "") < 100 else None
        user = users.get_by_id(self._db_session(), data["user_id"]) if data else None
        if data is None or user is None or data["bound"] != self._bound(user):
            raise ResetLinkInvalidError()
        eligibility.check_sign_in(self._db_session(), user)
        return user

    def reset(self, token: str, new: str, app_code: str = "") -> User:
        """Set the password through a link (checked before the link is used up).

        An account with an authenticator app must also give its code: the link proves only
        the mailbox, which is the weaker factor. TotpCodeError if the code is wrong.
        """
        user = self.reset_target(token)
        check_new_password(new, user.username, [user.email, user.given_name, user.family_name])
        if self.totp.is_enrolled(user):
            self._check_app_code(token, user, app_code)
        if self._store.consume(self._key(token)) is None:
            raise ResetLinkInvalidError()
        user.email_verified = True  # the link reached this mailbox
        self.set_password(user, new, actor=user.username)
        return user

    def _check_app_code(self, token: str, user: User, app_code: str) -> None:
        """A wrong code counts against the account (as at login) and against the link,
        which is void after LINK_CODE_ATTEMPTS: the mailbox alone never gets more guesses."""
        try:
            self.totp.verify(user, app_code)
        except TotpCodeError:
            blocked = self._lockout.second_factor_failed(user.id)
            tries = self._store.incr(self._key(token) + ":codes", WELCOME_TTL)
            if blocked or tries >= LINK_CODE_ATTEMPTS:
                self._store.delete(self._key(token))
                raise ResetLinkInvalidError() from None
            raise
        self._lockout.second_factor_succeeded(user.id)

    @staticmethod
    def _bound(user: User) -> str:
        return _digest(user.password_hash or "")[:16]

    @staticmethod
    def _key(token: str) -> str:
        return keys.password_reset(_digest(token))
