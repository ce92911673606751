"""A tolerant reading of what Pro Santé Connect returns (``docs/pro-sante-connect.md``).

PSC's payloads vary between versions: strings are ``""`` when empty, arrays may be missing or
hold a single object, fields moved, unknown keys appear. Nothing here raises on a surprising
shape; only a missing ``SubjectNameID`` (the one identifier we link on) is an error. ``sub`` is
Keycloak-internal and is never parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from idp.errors import IdpError

AUTH_MODES = {"CARD": "card", "MOBILE": "app"}


class PscClaimsError(IdpError):
    """PSC's answer lacks what a login needs (the national identifier)."""


@dataclass(frozen=True)
class OtherId:
    identifier: str
    origin: str
    quality: str


@dataclass(frozen=True)
class Activity:
    mode: str
    sector: str
    finess_site: str
    finess_legal: str
    structure_id: str
    name: str


@dataclass(frozen=True)
class Exercice:
    profession_code: str
    category_code: str
    speciality_code: str
    family_name: str
    given_name: str
    activities: tuple[Activity, ...] = ()


@dataclass(frozen=True)
class PscIdentity:
    national_id: str
    given_name: str
    family_name: str
    auth_mode: str  # "card", "app", or "other" (delegated identity providers)
    acr: str
    other_ids: tuple[OtherId, ...] = ()
    exercices: tuple[Exercice, ...] = ()
    roles: tuple[str, ...] = field(default_factory=tuple)

    def linkable_ids(self) -> list[str]:
        """The identifiers an account may carry: current first, then the historical ones
        (an ADELI number that became RPPS)."""
        ids = [self.national_id] + [o.identifier for o in self.other_ids]
        return list(dict.fromkeys(i for i in ids if i))

    def professions(self) -> list[str]:
        return sorted({e.profession_code for e in self.exercices if e.profession_code})

    def as_claims(self) -> dict[str, Any]:
        """What relying parties receive under the ``psc`` scope."""
        return {
            "national_id": self.national_id,
            "auth_mode": self.auth_mode,
            "psc_acr": self.acr,
            "professions": self.professions(),
            "exercices": [
                {
                    "profession": e.profession_code,
                    "category": e.category_code,
                    "speciality": e.speciality_code,
                    "activities": [
                        {
                            "mode": a.mode,
                            "sector": a.sector,
                            "finess_site": a.finess_site,
                            "finess_legal": a.finess_legal,
                            "structure_id": a.structure_id,
                            "name": a.name,
                        }
                        for a in e.activities
                    ],
                }
                for e in self.exercices
            ],
        }


def parse(id_token: dict[str, Any], userinfo: dict[str, Any]) -> PscIdentity:
    """Combine the verified ID token and userinfo (userinfo wins where both speak)."""
    merged = {**_mapping(id_token), **_mapping(userinfo)}
    national_id = _text(merged.get("SubjectNameID"))
    if not national_id:
        raise PscClaimsError("no SubjectNameID")
    return PscIdentity(
        national_id=national_id,
        given_name=_text(merged.get("given_name")),
        family_name=_text(merged.get("family_name")),
        auth_mode=AUTH_MODES.get(_text(merged.get("authMode")).upper(), "other"),
        acr=_text(_mapping(id_token).get("acr")),
        other_ids=tuple(
            _other_id(o)
            for o in _list(merged.get("otherIds"))
            if _text(_mapping(o).get("identifiant"))
        ),
        exercices=tuple(_exercice(e) for e in _exercices(merged)),
        roles=tuple(_text(r) for r in _list(merged.get("SubjectRole")) if _text(r)),
    )


def _exercices(data: dict[str, Any]) -> list[Any]:
    ref = _mapping(data.get("SubjectRefPro"))
    return _list(ref.get("exercices") if ref else data.get("exercices"))


def _exercice(raw: Any) -> Exercice:
    data = _mapping(raw)
    return Exercice(
        profession_code=_text(data.get("codeProfession")),
        category_code=_text(data.get("codeCategorieProfessionnelle")),
        speciality_code=_text(data.get("codeSavoirFaire")),
        family_name=_text(data.get("nomDexercice")),
        given_name=_text(data.get("prenomDexercice")),
        activities=tuple(_activity(a) for a in _list(data.get("activities"))),
    )


def _activity(raw: Any) -> Activity:
    data = _mapping(raw)
    return Activity(
        mode=_text(data.get("codeModeExercice")),
        sector=_text(data.get("codeSecteurDactivite")),
        finess_site=_text(data.get("numeroFinessSite")),
        finess_legal=_text(data.get("numeroFinessetablissementJuridique")),
        structure_id=_text(data.get("identifiantTechniqueDeLaStructure")),
        name=_text(data.get("raisonSocialeSite")),
    )


def _other_id(raw: Any) -> OtherId:
    data = _mapping(raw)
    return OtherId(
        _text(data.get("identifiant")), _text(data.get("origine")), _text(data.get("qualite"))
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()[:300]
