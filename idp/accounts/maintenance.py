"""Scheduled upkeep (``idp maintenance``): deactivate what should be, purge what expired.

Every change is a conditional UPDATE (``WHERE is_active``), so two runs at once, or a run
repeated, change each account once and record it once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, func, or_, update
from sqlalchemy.orm import Session

from idp import clock
from idp.accounts import audit, habilitations
from idp.storage.database import changed_rows
from idp.storage.models import JobRun, LogoutDelivery, RefreshToken, RememberedDevice, User

DELIVERY_RETENTION_DAYS = 30
JOB_RUN_RETENTION_DAYS = 90


def run(
    session: Session, end_access: Callable[[User], None], inactivity_days: int
) -> dict[str, int]:
    counts = {"deactivated_no_habilitation": 0, "deactivated_inactive": 0}
    cutoff = clock.utcnow() - timedelta(days=inactivity_days)
    for user in session.query(User).filter(User.is_active.is_(True)).all():
        if habilitations.has_ended_all(session, user):
            reason, key = (
                "Désactivation du compte (modification forcée)",
                "deactivated_no_habilitation",
            )
        elif (user.last_login_at or user.created_at) < cutoff and not user.is_support:
            reason, key = "Désactivation du compte (inactivité)", "deactivated_inactive"
        else:
            continue
        if _deactivate(session, user, reason):
            counts[key] += 1
            end_access(user)
    counts.update(purge(session))
    return counts


def purge(session: Session) -> dict[str, int]:
    """Delete what expired: refresh tokens and remembered browsers a day after their end,
    back-channel deliveries and scheduler records after their retention."""
    now = clock.utcnow()
    counts = {
        "purged_refresh_tokens": changed_rows(
            session.execute(
                delete(RefreshToken).where(RefreshToken.expires_at < now - timedelta(days=1))
            )
        ),
        "purged_devices": changed_rows(
            session.execute(
                delete(RememberedDevice).where(
                    RememberedDevice.expires_at < now - timedelta(days=1)
                )
            )
        ),
        "purged_logout_deliveries": changed_rows(
            session.execute(
                delete(LogoutDelivery).where(
                    or_(
                        LogoutDelivery.delivered_at.is_not(None),
                        LogoutDelivery.gave_up_at.is_not(None),
                    ),
                    LogoutDelivery.created_at < now - timedelta(days=DELIVERY_RETENTION_DAYS),
                )
            )
        ),
        "purged_job_runs": changed_rows(
            session.execute(
                delete(JobRun).where(
                    JobRun.started_at < now - timedelta(days=JOB_RUN_RETENTION_DAYS)
                )
            )
        ),
    }
    session.commit()
    return counts


def _deactivate(session: Session, user: User, reason: str) -> bool:
    result = session.execute(
        update(User)
        .where(User.id == user.id, User.is_active.is_(True))
        .values(is_active=False, updated_at=func.now())
    )
    if changed_rows(result) != 1:
        session.rollback()
        return False  # another run did it
    audit.record(
        session,
        audit.SYSTEM,
        "user.deactivated",
        f"user:{user.subject}",
        description=f"MAJ de l'utilisateur {user.username} , {reason}",
    )
    session.commit()
    session.refresh(user)
    return True
