"""The stand-in's test professionals, one per case ``docs/pro-sante-connect.md`` lists.

Payloads follow the userinfo shapes seen from PSC: strings (``""`` when empty), arrays
sometimes missing, and one identity in the older flat layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Identity:
    key: str
    label: str
    national_id: str
    given_name: str
    family_name: str
    default_mode: str  # CARD or MOBILE
    userinfo: dict[str, Any]


def _activity(finess_site: str, name: str, sector: str = "SA07") -> dict[str, Any]:
    return {
        "codeModeExercice": "S",
        "codeSecteurDactivite": sector,
        "numeroFinessSite": finess_site,
        "numeroFinessetablissementJuridique": "",
        "identifiantTechniqueDeLaStructure": "R10000" + finess_site[-5:],
        "raisonSocialeSite": name,
        "codePostal": "69003",
        "libelleCommune": "LYON",
        "telephone": "",
    }


def _exercice(code: str, family: str, given: str, activities: list[Any]) -> dict[str, Any]:
    return {
        "codeProfession": code,
        "codeCategorieProfessionnelle": "C",
        "codeCiviliteDexercice": "",
        "codeSavoirFaire": "SM54" if code == "10" else "",
        "nomDexercice": family,
        "prenomDexercice": given,
        "activities": activities,
    }


def _modern(
    national_id: str,
    given: str,
    family: str,
    exercices: list[Any],
    other_ids: list[Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "SubjectNameID": national_id,
        "given_name": given,
        "family_name": family,
        "preferred_username": national_id,
        "codeCivilite": "M",
        "Secteur_Activite": "SA07^1.2.250.1.71.4.2.4",
        "SubjectOrganization": "",
        "SubjectOrganizationID": "",
        "SubjectRole": [f"{e['codeProfession']}^1.2.250.1.213.1.1.5.5" for e in exercices],
        "SubjectRefPro": {"codeCivilite": "M", "exercices": exercices},
        "otherIds": other_ids
        if other_ids is not None
        else [{"identifiant": national_id, "origine": "RPPS", "qualite": 1}],
        "unknownFutureField": {"ignored": True},
    }
    return payload


IDENTITIES: dict[str, Identity] = {}


def _add(identity: Identity) -> None:
    IDENTITIES[identity.key] = identity


_add(
    Identity(
        "ecps",
        "Infirmière, e-CPS (RPPS)",
        "810000000017",
        "CLAIRE",
        "MARTIN",
        "MOBILE",
        _modern(
            "810000000017",
            "CLAIRE",
            "MARTIN",
            [_exercice("60", "MARTIN", "CLAIRE", [_activity("690000017", "EHPAD LES TILLEULS")])],
        ),
    )
)
_add(
    Identity(
        "cps",
        "Médecin, carte CPS (RPPS)",
        "810000000025",
        "PAUL",
        "DURAND",
        "CARD",
        _modern(
            "810000000025",
            "PAUL",
            "DURAND",
            [_exercice("10", "DURAND", "PAUL", [_activity("690000025", "CH DE VILLEFRANCHE")])],
        ),
    )
)
_add(
    Identity(
        "adeli",
        "Psychologue, ADELI",
        "0691234567",
        "LUCIE",
        "BERNARD",
        "CARD",
        _modern(
            "0691234567",
            "LUCIE",
            "BERNARD",
            [_exercice("93", "BERNARD", "LUCIE", [])],
            [{"identifiant": "0691234567", "origine": "ADELI", "qualite": 1}],
        ),
    )
)
_add(
    Identity(
        "multi",
        "Pharmacien, plusieurs exercices, RPPS et ancien ADELI",
        "810000000033",
        "JEAN",
        "PETIT",
        "CARD",
        _modern(
            "810000000033",
            "JEAN",
            "PETIT",
            [
                _exercice(
                    "21",
                    "PETIT",
                    "JEAN",
                    [
                        _activity("690000033", "PHARMACIE DU RHONE", "SA33"),
                        _activity("690000041", "PUI EHPAD LES CEDRES"),
                    ],
                ),
                _exercice("10", "PETIT", "JEAN", [_activity("690000058", "CENTRE DE SANTE")]),
            ],
            [
                {"identifiant": "810000000033", "origine": "RPPS", "qualite": 1},
                {"identifiant": "0697654321", "origine": "ADELI", "qualite": 0},
            ],
        ),
    )
)
_add(
    Identity(
        "ans",
        "Identité de test du bac à sable (ANS…)",
        "ANS20231122132732",
        "TEST",
        "ANS",
        "MOBILE",
        _modern("ANS20231122132732", "TEST", "ANS", [_exercice("60", "ANS", "TEST", [])], []),
    )
)
_add(
    Identity(
        "sparse",
        "Profil réduit, ancien format",
        "810000000041",
        "ANNE",
        "ROUX",
        "CARD",
        {
            "SubjectNameID": "810000000041",
            "given_name": "ANNE",
            "family_name": "ROUX",
            "SubjectRole": "",
            "exercices": {"codeProfession": "40", "nomDexercice": "ROUX", "prenomDexercice": ""},
            "SubjectOrganization": "",
        },
    )
)
_add(
    Identity(
        "staff",
        "Personnel d'établissement (identifiant FINESS)",
        "3750821092/067L-06067983",
        "MARC",
        "LEROY",
        "CARD",
        _modern(
            "3750821092/067L-06067983",
            "MARC",
            "LEROY",
            [],
            [],
        ),
    )
)
