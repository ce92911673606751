"""Establishments (FINESS), their units, and habilitation profiles per module."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from idp.errors import ConflictError, NotFoundError
from idp.storage.models import Establishment, Profile, Unit

FINESS_PATTERN = re.compile(r"^\d[\dAB]\d{7}$")  # 9 characters; Corsica uses 2A / 2B
MODULES = ("GRAND_AGE", "HANDICAP", "ANNUAIRES", "OBSERVATOIRE", "ADMINISTRATION")


def add_establishment(
    session: Session, finess: str, name: str, kind: str, region: str = ""
) -> Establishment:
    if not FINESS_PATTERN.match(finess or ""):
        raise ValueError("FINESS: 9 characters")
    if session.query(Establishment).filter_by(finess=finess).first():
        raise ConflictError(f"FINESS {finess} exists")
    establishment = Establishment(finess=finess, name=name, kind=kind, region=region)
    session.add(establishment)
    session.flush()
    return establishment


def add_unit(session: Session, establishment: Establishment, name: str) -> Unit:
    unit = Unit(establishment_id=establishment.id, name=name)
    session.add(unit)
    session.flush()
    return unit


def add_profile(
    session: Session,
    code: str,
    label: str,
    module: str,
    rights: list[str],
    is_referent: bool = False,
) -> Profile:
    if module not in MODULES:
        raise ValueError(f"module: one of {', '.join(MODULES)}")
    profile = Profile(code=code, label=label, module=module, rights=rights, is_referent=is_referent)
    session.add(profile)
    session.flush()
    return profile


def get_establishment(session: Session, establishment_id: int) -> Establishment:
    found = session.get(Establishment, establishment_id)
    if found is None:
        raise NotFoundError("establishment")
    return found


def get_profile(session: Session, profile_id: int) -> Profile:
    found = session.get(Profile, profile_id)
    if found is None:
        raise NotFoundError("profile")
    return found


def list_establishments(session: Session) -> list[Establishment]:
    return session.query(Establishment).order_by(Establishment.name).all()


def list_profiles(session: Session) -> list[Profile]:
    return session.query(Profile).order_by(Profile.module, Profile.label).all()


def units_of(session: Session, establishment: Establishment) -> list[Unit]:
    return (
        session.query(Unit).filter_by(establishment_id=establishment.id).order_by(Unit.name).all()
    )


def profile_by_code(session: Session, code: str) -> Profile:
    found = session.query(Profile).filter_by(code=code).one_or_none()
    if found is None:
        raise NotFoundError("profile")
    return found


def establishment_by_finess(session: Session, finess: str) -> Establishment:
    found = session.query(Establishment).filter_by(finess=finess).one_or_none()
    if found is None:
        raise NotFoundError("establishment")
    return found
