"""Consent remembered per client and scope, asked only of third-party clients."""

from __future__ import annotations

from sqlalchemy.orm import Session

from idp.accounts import audit
from idp.storage.models import Consent


def has_consent(session: Session, user_id: int, client_id: str, scopes: list[str]) -> bool:
    consent = session.query(Consent).filter_by(user_id=user_id, client_id=client_id).first()
    return consent is not None and set(scopes) <= set(consent.scope.split())


def grant_consent(
    session: Session, user_id: int, username: str, client_id: str, scopes: list[str]
) -> None:
    """Remember the scopes granted (added to earlier ones); the caller commits."""
    consent = session.query(Consent).filter_by(user_id=user_id, client_id=client_id).first()
    if consent is None:
        consent = Consent(user_id=user_id, client_id=client_id, scope="")
        session.add(consent)
    consent.scope = " ".join(sorted(set(consent.scope.split()) | set(scopes)))
    audit.record(session, username, "consent.granted", f"client:{client_id}", scope=consent.scope)
