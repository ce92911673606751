"""The national identifier (RPPS, ADELI) of an account: how a Pro Santé Connect identity
finds its account.

A referent may have recorded the identifier on the account, but that is not a credential: until
the person confirms it ("rattachement": their own password and second factor, right after a PSC
login with that identifier) or support approves it, a PSC login does not open the account
(``national_id_verified``). Otherwise the person binds it once after a password login. An
identifier bound to another account is refused. Links, approvals and unlinks are audited.
Older identifiers of the person (PSC's ``otherIds``: ADELI → RPPS) find an account recorded
under one of them, which is then moved to the current one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from idp.accounts import audit
from idp.errors import IdpError
from idp.storage.models import User


class AlreadyLinkedError(IdpError):
    """The national identifier belongs to another account."""

    code = "psc_already_linked"


def find_account(session: Session, current: str, known: list[str]) -> User | None:
    """The account bound to this professional under ``known`` (the current identifier
    first, then older ones), moved to ``current`` if found under an older one."""
    for identifier in known:
        user = session.query(User).filter_by(national_id=identifier).one_or_none()
        if user is not None:
            if user.national_id != current:
                _record(
                    session,
                    user,
                    current,
                    "system",
                    f"Identifiant national mis à jour ({user.national_id} → {current})",
                )
            return user
    return None


def link(session: Session, user: User, national_id: str, actor: str, verified: bool) -> None:
    """Bind ``national_id`` to ``user``; AlreadyLinkedError if another account holds it.
    ``verified``: proven by the person's own logins, or approved by support."""
    national_id = national_id.strip()[:100]
    other = session.query(User).filter_by(national_id=national_id).one_or_none()
    if other is not None and other.id != user.id:
        raise AlreadyLinkedError(national_id)
    user.national_id_verified = verified
    description = "Rattachement Pro Santé Connect (identifiant national)"
    if not verified:
        description += ", à confirmer par la personne"
    _record(session, user, national_id, actor, description)


def approve(session: Session, user: User, actor: str) -> None:
    """Support vouches for an identifier a referent typed."""
    user.national_id_verified = True
    audit.record(
        session,
        actor,
        "user.psc_link",
        f"user:{user.subject}",
        description="Rattachement Pro Santé Connect approuvé par le support",
    )


def unlink(session: Session, user: User, actor: str) -> None:
    if user.national_id is not None:
        user.national_id_verified = False
        _record(session, user, None, actor, "Détachement Pro Santé Connect")


def _record(
    session: Session, user: User, national_id: str | None, actor: str, description: str
) -> None:
    user.national_id = national_id
    audit.record(session, actor, "user.psc_link", f"user:{user.subject}", description=description)
    session.flush()
