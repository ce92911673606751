"""A realistic demo set: establishments of two regions, their units, the profiles of each
module, two referents per establishment (one short, to show the warning) and support."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from idp import clock
from idp.accounts import directory, users
from idp.accounts.users import PasswordHasher
from idp.storage.models import Establishment, Habilitation, Profile, User

#: the card holder "PAUL DURAND" of the Pro Santé Connect stand-in (psc_sandbox/identities.py)
DEMO_NATIONAL_ID = "810000000025"

ESTABLISHMENTS = [
    (
        "070000011",
        "EHPAD Bastide du Mont Vinobre",
        "EHPAD",
        "Auvergne-Rhône-Alpes",
        ["Unité Alzheimer", "Hébergement permanent"],
    ),
    (
        "070000029",
        "CH d'Ardèche Nord",
        "CH",
        "Auvergne-Rhône-Alpes",
        ["Médecine gériatrique", "SSR"],
    ),
    ("070000037", "MAIA Privas", "MAIA", "Auvergne-Rhône-Alpes", []),
    (
        "070000045",
        "Conseil départemental de l'Ardèche",
        "Conseil départemental",
        "Auvergne-Rhône-Alpes",
        [],
    ),
    ("760000013", "CMP Rouen Rive Gauche", "CMP", "Normandie", []),
    ("760000021", "Accueil de jour de la Cerisaie", "Accueil de jour", "Normandie", []),
]
PROFILES = [
    (
        "GA_MED_COORD",
        "Grand Age - Médecin Coordonnateur",
        "GRAND_AGE",
        ["demandes.lire", "demandes.repondre", "volet_medical.lire"],
    ),
    (
        "GA_DIRECTION",
        "Grand Age - Direction",
        "GRAND_AGE",
        ["demandes.lire", "demandes.repondre", "statistiques.lire"],
    ),
    ("GA_COORD", "Grand Age - Coordination (GA)", "GRAND_AGE", ["demandes.lire", "demandes.creer"]),
    (
        "GA_ACCOMP_MED",
        "Grand Age - Accompagnant PA médical",
        "GRAND_AGE",
        ["demandes.creer", "volet_medical.ecrire"],
    ),
    (
        "PH_ACCOMP_SAN",
        "Accompagnant PH - non médical (SAN)",
        "HANDICAP",
        ["demandes.creer", "demandes.lire"],
    ),
    ("ANNUAIRE_LECTURE", "Annuaires - Consultation", "ANNUAIRES", ["annuaire.lire"]),
    ("OBS_ETAB", "Observatoire - Établissement", "OBSERVATOIRE", ["statistiques.lire"]),
    ("REFERENT", "Référent", "ADMINISTRATION", ["comptes.gerer", "habilitations.gerer"]),
]


def seed(session: Session, passwords: PasswordHasher, password: str) -> None:
    """Idempotent: does nothing once the first establishment exists."""
    if session.query(Establishment).filter_by(finess=ESTABLISHMENTS[0][0]).first():
        return
    places = []
    for finess, name, kind, region, units in ESTABLISHMENTS:
        establishment = directory.add_establishment(session, finess, name, kind, region)
        for unit in units:
            directory.add_unit(session, establishment, unit)
        places.append(establishment)
    profiles = {
        code: directory.add_profile(
            session, code, label, module, rights, is_referent=code == "REFERENT"
        )
        for code, label, module, rights in PROFILES
    }
    support = _person(
        session,
        passwords,
        password,
        "support-ara",
        "Support",
        "Régional",
        "support@viatrajectoire.example",
    )
    support.is_support = True
    referents = [
        _person(
            session,
            passwords,
            password,
            "referent-ehpad",
            "Durand",
            "Claire",
            "c.durand@ehpad-vinobre.example",
        ),
        _person(
            session,
            passwords,
            password,
            "referent-ehpad2",
            "Petit",
            "Marc",
            "m.petit@ehpad-vinobre.example",
        ),
    ]
    for referent in referents:
        _grant(session, referent, profiles["REFERENT"], places[0])
    _grant(session, referents[0], profiles["REFERENT"], places[1])  # CH: only one referent
    demo = users.get_by_username(session, "demo")
    if demo is not None:
        _grant(session, demo, profiles["GA_MED_COORD"], places[0])
        _grant(session, demo, profiles["ANNUAIRE_LECTURE"], places[1])
        demo.profession = "Médecin"
        demo.created_by = "referent-ehpad"
        taken = session.query(User).filter_by(national_id=DEMO_NATIONAL_ID).first()
        if demo.national_id is None and taken is None:
            # the stand-in's card holder (idp psc-sandbox): "carte CPS" signs in as demo
            demo.national_id = DEMO_NATIONAL_ID
            demo.national_id_verified = True  # as if support had approved it
    session.commit()


def _person(
    session: Session,
    passwords: PasswordHasher,
    password: str,
    username: str,
    family: str,
    given: str,
    email: str,
) -> User:
    user = users.get_by_username(session, username) or users.create_user(
        session,
        passwords,
        username=username,
        email=email,
        password=password,
        given_name=given,
        family_name=family,
        email_verified=True,
    )
    user.charter_version = None
    return user


def _grant(session: Session, user: User, profile: Profile, place: Establishment) -> None:
    session.add(
        Habilitation(
            user_id=user.id,
            profile_id=profile.id,
            establishment_id=place.id,
            valid_from=clock.today() - timedelta(days=30),
            valid_to=clock.today() + timedelta(days=700),
            receives_mails=True,
            created_by="system",
        )
    )
