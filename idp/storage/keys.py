"""The ephemeral store's key names, spelled once: every key lives under ``idp:``, then what
it holds, then whose it is. Writers and readers (and the tests that play the TTL) use these
functions, so a renamed key cannot leave a reader behind."""

from __future__ import annotations


def _key(kind: str, *parts: object) -> str:
    return ":".join(["idp", kind, *map(str, parts)])


# --- the protocol (oidc) ------------------------------------------------------------------
def authorization_request(pending_id: str) -> str:
    return _key("authreq", pending_id)


def authorization_code(code_digest: str) -> str:
    return _key("code", code_digest)


def spent_code(code_digest: str) -> str:
    """A redeemed code, kept a while so that its replay revokes what it gave."""
    return _key("code-spent", code_digest)


def client_assertion(client_id: str, jti_digest: str) -> str:
    return _key("jti", client_id, jti_digest)


def nonce(client_id: str, nonce_digest: str) -> str:
    return _key("nonce", client_id, nonce_digest)


def refresh_retry(token_digest: str) -> str:
    return _key("refresh-retry", token_digest)


def revoked_key(kid: str) -> str:
    return _key("revoked-kid", kid)


def revoked_token(jti: str) -> str:
    return _key("revoked-jti", jti)


def revoked_family(family_id: str) -> str:
    return _key("revoked-family", family_id)


def revoked_before(subject: str) -> str:
    """The instant before which every token of this person is refused."""
    return _key("revoked-before", subject)


def revoked_session(sid: str) -> str:
    return _key("revoked-sid", sid)


CLIENTS_GENERATION = _key("clients", "generation")


# --- authentication (authn) ---------------------------------------------------------------
def sso_session(sid: str) -> str:
    return _key("session", sid)


def user_sessions(user_id: int) -> str:
    return _key("user-sessions", user_id)


def sessions_ended(user_id: int) -> str:
    return _key("sessions-ended", user_id)


def passkey_second(step_id: str) -> str:
    """A password login waiting for the account's passkey (or the code it falls back to)."""
    return _key("passkey-second", step_id)


def passkey_challenge(challenge_id: str) -> str:
    """A WebAuthn challenge, single use, bound to the step it was made for."""
    return _key("passkey-challenge", challenge_id)


def email_code(challenge_id: str) -> str:
    return _key("otp", challenge_id)


def email_code_attempts(challenge_id: str) -> str:
    return _key("otp-attempts", challenge_id)


def app_login(challenge_id: str) -> str:
    return _key("app-login", challenge_id)


def totp_enrolment(user_id: int) -> str:
    return _key("totp-enrol", user_id)


def second_factor_failures(user_id: int) -> str:
    return _key("second-factor-failures", user_id)


def failures_of_pair(digest: str) -> str:
    """Failed passwords of one username from one source."""
    return _key("fail-pair", digest)


def failures_of_account(digest: str) -> str:
    return _key("fail-account", digest)


def reset_mails(user_id: int) -> str:
    """Password-reset links mailed to an account this hour."""
    return _key("reset-mails", user_id)


def failures_of_known_browser(digest: str) -> str:
    """Failed passwords from one browser the account has used (its own allowance)."""
    return _key("fail-known", digest)


def captcha(captcha_id: str) -> str:
    return _key("captcha", captcha_id)


def password_reset(token_digest: str) -> str:
    return _key("reset", token_digest)


def welcome_offered(user_id: int) -> str:
    return _key("welcome-offered", user_id)


def email_confirmation(token_digest: str) -> str:
    return _key("email-confirm", token_digest)


def psc_state(state: str) -> str:
    return _key("psc-state", state)


def psc_link(link_id: str) -> str:
    return _key("psc-link", link_id)
