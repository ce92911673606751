"""Which new passwords are accepted (NIST SP 800-63B-4 3.1.1.2).

At least 12 characters, up to 1024, any characters (long passphrases welcome), no composition
rules; refused when zxcvbn (offline, bundled dictionaries) finds it guessable or when it
contains the username.
"""

from __future__ import annotations

from dataclasses import dataclass

from idp.errors import IdpError

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection from offline attack"
SCORED_PREFIX = 72  # zxcvbn refuses longer input; a strong prefix makes a strong password


@dataclass
class WeakPasswordError(IdpError):
    """``reason`` is one of: too_short, too_long, contains_username, guessable."""

    reason: str
    suggestions: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.reason


def check_new_password(password: str, username: str, hints: list[str]) -> None:
    """Raise WeakPasswordError if ``password`` may not be used by this account."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError("too_short")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError("too_long")
    if username and username.lower() in password.lower():
        raise WeakPasswordError("contains_username")
    from zxcvbn import zxcvbn  # its dictionaries weigh ~12 MB: loaded on the first new password

    result = zxcvbn(password[:SCORED_PREFIX], user_inputs=[username, *hints])
    if result["score"] < MIN_SCORE:
        raise WeakPasswordError("guessable", tuple(result["feedback"].get("suggestions", [])))
