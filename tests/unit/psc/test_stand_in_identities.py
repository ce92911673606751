"""Every identity of the stand-in parses, with the shape docs/pro-sante-connect.md says it has."""

from __future__ import annotations

import pytest

from idp.authn.psc.claims import parse
from psc_sandbox.identities import IDENTITIES


@pytest.mark.parametrize("key", sorted(IDENTITIES))
def test_stand_in_identity_parses(key):
    identity = IDENTITIES[key]
    parsed = parse({"acr": "eidas1", "authMode": identity.default_mode}, identity.userinfo)
    assert parsed.national_id == identity.national_id
    assert parsed.auth_mode == {"CARD": "card", "MOBILE": "app"}[identity.default_mode]


def test_the_cases_psc_md_lists_are_all_there():
    ids = {i.national_id for i in IDENTITIES.values()}
    assert "ANS20231122132732" in ids and "3750821092/067L-06067983" in ids
    assert any(i.startswith("0") for i in ids)  # ADELI
    multi = parse({}, IDENTITIES["multi"].userinfo)
    assert len(multi.exercices) == 2 and len(multi.other_ids) == 2
    assert "SubjectRefPro" not in IDENTITIES["sparse"].userinfo  # the older layout
