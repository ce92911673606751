"""The PSC claim parser on every payload variant of docs/pro-sante-connect.md."""

from __future__ import annotations

import pytest

from idp.authn.psc.claims import PscClaimsError, parse

ID_TOKEN = {
    "iss": "https://psc/auth/realms/esante-wallet",
    "sub": "f:abc:810000000017",
    "acr": "eidas1",
    "authMode": "MOBILE",
    "SubjectNameID": "810000000017",
    "given_name": "JEAN",
    "family_name": "DUPONT",
}

FULL = {
    "sub": "f:abc:810000000017",
    "SubjectNameID": "810000000017",
    "given_name": "Jean",
    "family_name": "Dupont",
    "authMode": "MOBILE",
    "otherIds": [
        {"identifiant": "810000000017", "origine": "RPPS", "qualite": 1},
        {"identifiant": "0751234567", "origine": "ADELI", "qualite": 0},
    ],
    "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"],
    "SubjectRefPro": {
        "exercices": [
            {
                "codeProfession": "10",
                "codeCategorieProfessionnelle": "C",
                "codeSavoirFaire": "SM54",
                "nomDexercice": "DUPONT",
                "prenomDexercice": "JEAN",
                "activities": [
                    {
                        "codeModeExercice": "S",
                        "codeSecteurDactivite": "SA01",
                        "numeroFinessSite": "070000029",
                        "numeroFinessetablissementJuridique": "070000011",
                        "identifiantTechniqueDeLaStructure": "R10000001",
                        "raisonSocialeSite": "CH D'ARDECHE NORD",
                        "unknownKey": 3,
                    }
                ],
            },
            {"codeProfession": "21", "activities": []},
        ]
    },
    "someNewField": {"x": 1},
}


def test_full_payload_with_several_exercices():
    identity = parse(ID_TOKEN, FULL)
    assert identity.national_id == "810000000017" and identity.auth_mode == "app"
    assert identity.acr == "eidas1"
    assert identity.professions() == ["10", "21"]
    assert identity.exercices[0].activities[0].finess_site == "070000029"
    assert identity.linkable_ids() == ["810000000017", "0751234567"]
    assert identity.as_claims()["exercices"][0]["activities"][0]["name"] == "CH D'ARDECHE NORD"


def test_card_and_unknown_auth_modes():
    assert parse({**ID_TOKEN, "authMode": "CARD"}, {}).auth_mode == "card"
    assert parse({**ID_TOKEN, "authMode": "FRANCECONNECT"}, {}).auth_mode == "other"
    assert parse({k: v for k, v in ID_TOKEN.items() if k != "authMode"}, {}).auth_mode == "other"


@pytest.mark.parametrize(
    "userinfo",
    [
        {"SubjectNameID": "ANS20231122132732", "otherIds": "", "SubjectRefPro": ""},
        {"SubjectNameID": "ANS20231122132732", "SubjectRefPro": {"exercices": None}},
        {
            "SubjectNameID": "ANS20231122132732",
            "SubjectRefPro": {"exercices": {"codeProfession": "60"}},
        },  # a single object instead of a list
        {
            "SubjectNameID": "ANS20231122132732",
            "exercices": [{"codeProfession": "60"}],
        },  # old layout
        {"SubjectNameID": "ANS20231122132732", "otherIds": [None, "x", {"origine": "ADELI"}]},
    ],
)
def test_sparse_and_odd_payloads_never_raise(userinfo):
    identity = parse({"acr": "eidas1"}, userinfo)
    assert identity.national_id == "ANS20231122132732"
    assert all(isinstance(p, str) for p in identity.professions())
    assert identity.linkable_ids() == ["ANS20231122132732"]


def test_establishment_staff_identifier_is_kept_verbatim():
    identity = parse({}, {"SubjectNameID": "3750821092/067L-06067983"})
    assert identity.national_id == "3750821092/067L-06067983"


@pytest.mark.parametrize(
    "payload",
    [{}, {"SubjectNameID": ""}, {"SubjectNameID": None}, {"SubjectNameID": {"nested": 1}}],
)
def test_missing_national_identifier_is_an_error(payload):
    with pytest.raises(PscClaimsError):
        parse({}, payload)


def test_userinfo_wins_over_id_token_and_sub_is_never_used():
    identity = parse({**ID_TOKEN, "SubjectNameID": "old"}, {"SubjectNameID": "810000000025"})
    assert identity.national_id == "810000000025"
    assert "f:abc" not in str(identity)
