"""The audit trail: every state change by a person (or ``system``), with who, when and what.

Details never hold secrets: callers pass names and identifiers, not passwords or tokens.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from idp.storage.models import AuditEvent

SYSTEM = "system"


def record(session: Session, actor: str, action: str, target: str = "", **details: Any) -> None:
    """Add an audit event to the current unit of work; the use case commits."""
    session.add(AuditEvent(actor=actor, action=action, target=target, details=details))


def history(session: Session, target: str) -> list[AuditEvent]:
    return (
        session.query(AuditEvent)
        .filter_by(target=target)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .all()
    )
