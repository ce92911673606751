"""Habilitations: who may act with which profile, where, and until when; and referents.

A referent of an establishment is an account holding a valid habilitation with a referent
profile there. Ended habilitations are kept ("Supprimée le") for the history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BindParameter, and_, exists, or_, select
from sqlalchemy.orm import Session

from idp import clock
from idp.storage.models import Establishment, Habilitation, User, valid_period


def today() -> date:
    return clock.today()


def of_user(session: Session, user: User) -> list[Habilitation]:
    return of_account(session, user.id)


def of_account(session: Session, user_id: int) -> list[Habilitation]:
    """An account's habilitations, current first, by its id (a token holder has no object)."""
    return (
        session.query(Habilitation)
        .filter_by(user_id=user_id)
        .order_by(Habilitation.ended_at.is_not(None), Habilitation.valid_from.desc())
        .all()
    )


def valid_of(session: Session, user: User, on: date | None = None) -> list[Habilitation]:
    return valid_of_account(session, user.id, on)


def valid_of_account(session: Session, user_id: int, on: date | None = None) -> list[Habilitation]:
    on = on or today()
    return [h for h in of_account(session, user_id) if h.is_valid(on)]


def ended_all_clause(user_id: Any, on: date | BindParameter[date]) -> Any:
    """``has_ended_all`` as a SQL condition on an account id column, for queries that read
    the account with it (the same rule as ``valid_period``: not ended, begun, not over)."""
    table = Habilitation.__table__.c
    mine = table.user_id == user_id
    valid = and_(
        mine,
        table.ended_at.is_(None),
        table.valid_from <= on,
        or_(table.valid_to.is_(None), table.valid_to >= on),
    )
    return and_(exists().where(mine), ~exists().where(valid))


def has_ended_all(session: Session, user: User) -> bool:
    """True when the account had habilitations and none is valid any more.

    Read as plain columns: this runs on every token check (introspection, userinfo).
    """
    rows = session.execute(
        select(Habilitation.valid_from, Habilitation.valid_to, Habilitation.ended_at).where(
            Habilitation.user_id == user.id
        )
    ).all()
    return bool(rows) and not any(valid_period(*row, today()) for row in rows)


def referents_of(session: Session, establishment: Establishment) -> list[User]:
    rows = session.query(Habilitation).filter_by(establishment_id=establishment.id).all()
    users = {h.user_id: h for h in rows if h.profile.is_referent and h.is_valid(today())}
    if not users:
        return []
    found = session.query(User).filter(User.id.in_(users), User.is_active.is_(True)).all()
    return sorted(found, key=lambda u: (u.family_name, u.given_name))


def referent_establishments(session: Session, user: User) -> set[int]:
    """The establishments where ``user`` is a referent today."""
    return {h.establishment_id for h in valid_of(session, user) if h.profile.is_referent}


def claim(habilitation: Habilitation) -> dict[str, Any]:
    """One habilitation as modules see it in tokens (the ``habilitations`` claim)."""
    return {
        "profile": habilitation.profile.code,
        "profile_label": habilitation.profile.label,
        "module": habilitation.profile.module,
        "rights": habilitation.profile.rights,
        "establishment": {
            "finess": habilitation.establishment.finess,
            "name": habilitation.establishment.name,
        },
        "unit": habilitation.unit.name if habilitation.unit else None,
        "valid_from": habilitation.valid_from.isoformat(),
        "valid_to": habilitation.valid_to.isoformat() if habilitation.valid_to else None,
    }
