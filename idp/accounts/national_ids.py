"""The national identifier (RPPS, ADELI) of an account: how a Pro Santé Connect identity
finds its account.

A referent may have recorded the identifier on the account, but that is not a credential: until
the person confirms it ("rattachement": their own password and second factor, right after a PSC
login with that identifier) or support approves it, a PSC login does not open the account
(``national_id_verified``). Otherwise the person binds it once after a password login.

Only a verified identifier is unique, and only it blocks: a référent may type an identifier
another account holds, and is told nothing of it (no enumeration of who has an account); a
typed identifier never stops its owner from binding it to their own account, which takes it
from the accounts where it was only typed. An identifier verified on another account is
refused (its owner, or support, sees why). Links, approvals and unlinks are audited. Older
identifiers of the person (PSC's ``otherIds``: ADELI → RPPS) find an account verified under
one of them, which is then moved to the current one.
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
    """The account this professional's identifier is verified on, under ``known`` (the
    current identifier first, then older ones), moved to ``current`` if found under an older
    one. An identifier only typed by a référent finds nothing: its owner confirms it first."""
    for identifier in known:
        user = (
            session.query(User)
            .filter_by(national_id=identifier, national_id_verified=True)
            .one_or_none()
        )
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
    """Bind ``national_id`` to ``user``. ``verified``: proven by the person's own logins, or
    approved by support; then AlreadyLinkedError if another account holds it verified, and
    the accounts where it was only typed lose it. A typed one (a référent's) is never
    refused: it checks nothing against other accounts, so it tells nothing of them."""
    national_id = national_id.strip()[:100]
    if verified:
        _take_from_others(session, user, national_id, actor)
    user.national_id_verified = verified
    description = "Rattachement Pro Santé Connect (identifiant national)"
    if not verified:
        description += ", à confirmer par la personne"
    _record(session, user, national_id, actor, description)


def _take_from_others(session: Session, user: User, national_id: str, actor: str) -> None:
    others = session.query(User).filter(User.national_id == national_id, User.id != user.id).all()
    if any(other.national_id_verified for other in others):
        raise AlreadyLinkedError(national_id)
    for typed in others:
        _record(
            session,
            typed,
            None,
            actor,
            "Identifiant national retiré : son titulaire l'a rattaché à un autre compte",
        )


def approve(session: Session, user: User, actor: str) -> None:
    """Support vouches for an identifier a referent typed (AlreadyLinkedError if another
    account holds it verified)."""
    if user.national_id:
        _take_from_others(session, user, user.national_id, actor)
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
