"""Password login as a use case: password, then (by policy) a code, then the SSO session.

One answer for unknown user, wrong password, blocked account and a locked-out account tried
from a browser it has not used (no enumeration); the argon2 check runs in every case so the
timing is alike. Failures are throttled and can lock the account out for unknown browsers
(throttle.py, lockout.py, known_browsers.py). A browser remembered for the account skips the
code unless the relying party asked for a fresh one (step-up).
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from idp import clock, metrics
from idp.accounts import eligibility, habilitations, users
from idp.accounts.usernames import username_key
from idp.authn.context import (
    ACR_EMAIL_OTP,
    ACR_PASSWORD,
    ACR_TOTP,
    AMR_MFA,
    AMR_OTP,
    AMR_PASSWORD,
    AMR_REMEMBERED,
)
from idp.authn.known_browsers import KnownBrowser, KnownBrowsers
from idp.authn.known_browsers import cookie_name as known_cookie_name
from idp.authn.lockout import Lockout
from idp.authn.otp import (
    Challenge,
    ChallengeExpiredError,
    CodeVoidedError,
    EmailOtp,
    WrongCodeError,
)
from idp.authn.passkeys import Passkeys
from idp.authn.passwords import InvalidCredentialsError, Passwords
from idp.authn.policy import second_factor_needed
from idp.authn.remembered_devices import RememberedDevices, cookie_name
from idp.authn.sessions import SessionService, SsoSession
from idp.authn.throttle import LoginThrottle, ThrottledError
from idp.authn.totp import Totp, TotpCodeError
from idp.errors import IdpError
from idp.storage import keys
from idp.storage.ephemeral import EphemeralStore
from idp.storage.models import User

APP_TTL = 600


class EmailNotVerifiedError(IdpError):
    """The account needs a code but has no validated address to send it to."""

    code = "email_not_verified"


@dataclass
class LoginStep:
    """A finished login (``session``), an email code to ask (``challenge``), or an app code
    to ask (``app_challenge``, an id). ``account``: the session's account, when this request
    loaded it and found it may sign in (``eligibility.check_sign_in``), so that the answer to
    the module need not read it again. ``known_cookie``: the cookie that makes this browser
    one the account has used (``known_browsers``), set by every finished password login."""

    session: SsoSession | None = None
    challenge: Challenge | None = None
    app_challenge: str | None = None
    device_cookie: str | None = None
    device_cookie_name: str = ""
    account: User | None = None
    known_cookie: str | None = None
    known_cookie_name: str = ""
    #: a second factor to ask with a passkey (the account has one): the step's id
    passkey_second: str | None = None


class PasswordLogin:
    """The password login and its second factor: what it uses is its own (the emailed codes,
    remembered devices, app codes, throttle and lockout are services of their own, reached
    through ``Services``, not through this one)."""

    def __init__(
        self,
        *,
        db_session: Callable[[], Session],
        store: EphemeralStore,
        passwords: Passwords,
        sessions: SessionService,
        otp: EmailOtp,
        totp: Totp,
        devices: RememberedDevices,
        known_browsers: KnownBrowsers,
        passkeys: Passkeys,
        throttle: LoginThrottle,
        lockout: Lockout,
        otp_mandatory_from: date,
    ) -> None:
        self._db_session = db_session
        self._store = store
        self._passwords = passwords
        self._sessions = sessions
        self._otp = otp
        self._totp = totp
        self._devices = devices
        self._known = known_browsers
        self._passkeys = passkeys
        self._throttle = throttle
        self._lockout = lockout
        self._mandatory_from = otp_mandatory_from

    @metrics.outcomes(
        metrics.LOGINS,
        "password",
        {
            InvalidCredentialsError: "wrong_password",
            ThrottledError: "throttled",
            eligibility.NotEligibleError: "refused",
            EmailNotVerifiedError: "refused",
        },
    )
    def login(
        self,
        username: str,
        password: str,
        source: str = "",
        device_cookie: str | None = None,
        fresh_second_factor: bool = False,
        known_cookie: str | None = None,
    ) -> LoginStep:
        """Raises ThrottledError, InvalidCredentialsError, AccountDeactivatedError or
        EmailNotVerifiedError."""
        failures_on_record = self._throttle.check(username, source)
        session = self._db_session()
        known: KnownBrowser | None = None
        try:
            # the account, its habilitation state and its app in one query (three before)
            found = self._account_state(session, username) or (None, None, False)
            account = found[0]
            known = self._known.recognise(known_cookie, account) if account else None
            user = verify_password(self._passwords, account, password)
            if known is None and eligibility.is_locked_out(user):
                # locked out after wrong passwords or codes: only browsers the account has
                # used go on. Counted as a wrong password, or the throttle's delays would
                # tell a right password from a wrong one.
                if self._devices.recall(session, device_cookie, user) is None:
                    raise InvalidCredentialsError()
        except InvalidCredentialsError:
            session.rollback()
            self._count_failure(username, source, known)
            raise
        except Exception:
            session.rollback()
            raise
        self._throttle.succeeded(username, source, failures_on_record)
        if known is not None and known.failures:
            self._known.succeeded(known)
        _, ended_all, enrolled = found
        try:
            eligibility.check_sign_in(session, user, ended_all)  # active and not blocked by now
        except eligibility.NotEligibleError:
            session.rollback()
            raise
        # one transaction for the reads and the writes of a login (a rehash, last_login_at,
        # the remembered device): each extra round trip was measurable (bench/RESULTS.md)
        _record_login(session, user)
        needed = enrolled or second_factor_needed(user, self._mandatory_from)
        asks_code = fresh_second_factor or needed
        remembered = None
        if asks_code and user.email_verified and not fresh_second_factor:
            remembered = self._devices.recall(session, device_cookie, user)
            if remembered is not None and enrolled and remembered.acr != ACR_TOTP:
                remembered = None  # remembered after an emailed code: the app is asked now
        session.commit()
        if not asks_code:
            sso = self._sessions.start(user.id, [AMR_PASSWORD], ACR_PASSWORD)
            return self._known_step(LoginStep(sso, account=user), user)
        if not user.email_verified:
            raise EmailNotVerifiedError(user.username)
        if remembered is not None:
            # the level proven on this browser; the methods of this login
            amr = [AMR_PASSWORD, AMR_REMEMBERED]
            sso = self._sessions.start(user.id, amr, remembered.acr)
            return self._known_step(LoginStep(sso, account=user), user)
        if self._passkeys.policy.enabled and self._passkeys.has_any(user.id):
            return LoginStep(passkey_second=self._start_passkey_second(user, enrolled))
        return self._code_step(user, enrolled)

    def _code_step(self, user: User, enrolled: bool) -> LoginStep:
        if enrolled:
            return LoginStep(app_challenge=self._start_app_challenge(user))
        return LoginStep(challenge=self._otp.start(user))

    # --- a passkey as the second factor ----------------------------------------------
    def _start_passkey_second(self, user: User, enrolled: bool) -> str:
        step_id = secrets.token_urlsafe(24)
        value = {"user_id": user.id, "app": enrolled}
        self._store.put(keys.passkey_second(step_id), value, APP_TTL)
        return step_id

    def passkey_second_account(self, step_id: str | None) -> int | None:
        """The account a passkey is asked of at step ``step_id``, while it lasts."""
        data = self._store.get(keys.passkey_second(step_id[:100])) if step_id else None
        return int(data["user_id"]) if data else None

    def complete_with_passkey(
        self, step_id: str | None, challenge_id: str, response: str, bound_to: str
    ) -> LoginStep:
        """The account's passkey after its password: the level the passkey proves, ``pwd``
        added to its methods. PasskeyError, or ChallengeExpiredError when the step is gone.
        No browser is remembered: the next login asks the passkey again, as quick, and a
        cookie never stands for a phishing-resistant proof."""
        user_id = self.passkey_second_account(step_id)
        if user_id is None:
            raise ChallengeExpiredError()
        proven = self._passkeys.authenticate(challenge_id, response, bound_to, user_id=user_id)
        if self._store.consume(keys.passkey_second(str(step_id)[:100])) is None:
            raise ChallengeExpiredError()
        self._lockout.second_factor_succeeded(user_id)
        user = self._eligible(user_id)
        sso = self._sessions.start(user.id, [AMR_PASSWORD, *proven.level.amr], proven.level.acr)
        return self._known_step(LoginStep(sso, account=user), user)

    def passkey_fallback(self, step_id: str | None) -> LoginStep:
        """No passkey at hand: the code the account's policy allows instead (its app if it
        has one, else a code by email)."""
        data = self._store.consume(keys.passkey_second(step_id[:100])) if step_id else None
        if data is None:
            raise ChallengeExpiredError()
        return self._code_step(self._eligible(int(data["user_id"])), bool(data["app"]))

    @metrics.outcomes(
        metrics.SECOND_FACTOR,
        "email",
        {
            WrongCodeError: "wrong_code",
            CodeVoidedError: "expired",
            ChallengeExpiredError: "expired",
        },
    )
    def complete(self, challenge_id: str | None, code: str, user_agent: str) -> LoginStep:
        """Check the code; on success start the session and remember this browser. A wrong
        code counts against the account (``Lockout``), whichever challenge it was for."""
        try:
            challenge = self._otp.verify(challenge_id, code)
        except (WrongCodeError, CodeVoidedError) as wrong:
            if wrong.user_id is not None and self._lockout.second_factor_failed(wrong.user_id):
                self._otp.cancel(challenge_id or "")
                raise ChallengeExpiredError() from None
            raise
        self._lockout.second_factor_succeeded(challenge.user_id)
        user = self._eligible(challenge.user_id)
        return self._finish(user, [AMR_PASSWORD, AMR_OTP], ACR_EMAIL_OTP, user_agent)

    @metrics.outcomes(
        metrics.SECOND_FACTOR,
        "app",
        {WrongCodeError: "wrong_code", ChallengeExpiredError: "expired"},
    )
    def complete_with_app(self, challenge_id: str | None, code: str, user_agent: str) -> LoginStep:
        """Check an app (or recovery) code; TotpCodeError carries the tries left."""
        key = self._app_key(challenge_id) if challenge_id else ""
        data = self._store.get(key) if key else None
        if data is None:
            raise ChallengeExpiredError()
        user = self._eligible(data["user_id"])
        try:
            self._totp.verify(user, code)
        except TotpCodeError as error:
            failures = self._store.incr(key + ":failures", APP_TTL)
            if self._lockout.second_factor_failed(user.id) or failures >= self._otp.max_attempts:
                self._store.delete(key)
                raise ChallengeExpiredError() from error
            raise WrongCodeError(self._otp.max_attempts - failures) from error
        if self._store.consume(key) is None:
            raise ChallengeExpiredError()
        self._lockout.second_factor_succeeded(user.id)
        return self._finish(user, [AMR_PASSWORD, AMR_OTP, AMR_MFA], ACR_TOTP, user_agent)

    def app_challenge_exists(self, challenge_id: str | None) -> bool:
        return bool(challenge_id) and self._store.get(self._app_key(challenge_id or "")) is not None

    def _start_app_challenge(self, user: User) -> str:
        challenge_id = secrets.token_urlsafe(24)
        self._store.put(self._app_key(challenge_id), {"user_id": user.id}, APP_TTL)
        return challenge_id

    def _eligible(self, user_id: int) -> User:
        """The account a code was asked for, if it may still sign in: it may have been
        deactivated, blocked or left without a habilitation since its password was given
        (``NotEligibleError``, the same refusal page as at the password)."""
        session = self._db_session()
        user = users.get_by_id(session, user_id)
        if user is None:
            raise ChallengeExpiredError()
        eligibility.check_sign_in(session, user)
        return user

    def _finish(self, user: User, amr: list[str], acr: str, user_agent: str) -> LoginStep:
        session = self._db_session()
        cookie = self._devices.remember(session, user, amr, acr, clock.seconds(), user_agent)
        session.commit()
        step = LoginStep(
            self._sessions.start(user.id, amr, acr),
            device_cookie=cookie,
            device_cookie_name=cookie_name(user.username),
        )
        return self._known_step(step, user)

    def _known_step(self, step: LoginStep, user: User) -> LoginStep:
        return with_known_browser(step, user, self._known)

    def _account_state(self, session: Session, username: str) -> tuple[User, bool, bool] | None:
        """The account of ``username``, whether all its habilitations ended, and whether it
        has an authenticator app."""
        if not username:
            return None
        params = {"key": username_key(username[:150]), "today": clock.today()}
        row = session.execute(_account_state_query(), params).first()
        return (row[0], bool(row[1]), bool(row[2])) if row is not None else None

    @staticmethod
    def _app_key(challenge_id: str) -> str:
        return keys.app_login(challenge_id[:100])

    def _count_failure(self, username: str, source: str, known: KnownBrowser | None) -> None:
        """A wrong password from a browser the account has used counts against that browser
        alone; from any other, against the account, which is locked out at the threshold."""
        if known is not None:
            self._throttle.failed(username, source, count_account=False)
            self._known.failed(known)
        elif self._throttle.failed(username, source) >= self._lockout.policy.threshold:
            self._lockout.password_failures_reached(username)


def with_known_browser(step: LoginStep, user: User, known: KnownBrowsers) -> LoginStep:
    """A finished login makes this browser one the account has used."""
    step.known_cookie = known.issue(user)
    step.known_cookie_name = known_cookie_name(user.username)
    return step


# The login's statements are built once, with bound parameters: building them and their cache
# keys at every login cost more than running them (bench/RESULTS.md).
@functools.cache
def _account_state_query() -> Any:
    return select(
        User,
        habilitations.ended_all_clause(User.id, bindparam("today", type_=Date)),
        Totp.enrolled_clause(User.id),
    ).where(User.username_key == bindparam("key"))


@functools.cache
def _login_recorded() -> Any:
    table = User.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("user_id"))
        .values(last_login_at=bindparam("now", type_=table.c.last_login_at.type))
        .values(updated_at=table.c.updated_at)
    )


def _record_login(session: Session, user: User) -> None:
    """``last_login_at`` is bookkeeping, not a change of the person's information: the
    ``updated_at`` claim keeps its value (the ORM would bump it on any change of the row)."""
    now = clock.utcnow()
    session.execute(_login_recorded(), {"user_id": user.id, "now": now})
    set_committed_value(user, "last_login_at", now)


def authenticate_password(
    session: Session, passwords: Passwords, username: str, password: str
) -> User:
    """The account for these credentials, or InvalidCredentialsError (same for every cause).

    A hash made with older argon2 parameters is replaced on success; the caller commits.
    """
    user = users.get_by_username(session, username[:150]) if username else None
    return verify_password(passwords, user, password)


def verify_password(passwords: Passwords, user: User | None, password: str) -> User:
    """``authenticate_password`` on an account already read (or None: no such account, which
    costs the same hash check)."""
    stored = user.password_hash if user is not None else None
    result = passwords.check(stored, password)
    if not result.ok or user is None or eligibility.is_blocked(user):
        raise InvalidCredentialsError()  # a blocked account answers like a wrong password
    if not user.is_active:
        raise eligibility.AccountDeactivatedError(user.username)
    if result.new_hash:
        user.password_hash = result.new_hash
    return user
