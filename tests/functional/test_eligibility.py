"""The one rule for signing in and holding tokens (accounts.eligibility), state by state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp import clock
from idp.accounts import eligibility, users
from idp.storage import db


@pytest.mark.parametrize(
    "state,code,keeps_tokens",
    [
        ({}, None, True),
        ({"is_active": False}, "account_deactivated", False),
        ({"blocked_until": "soon"}, "account_blocked", True),
        ({"habilitation_days_left": -1}, "no_habilitation", False),
    ],
)
def test_each_state_gives_its_code(make, state, code, keeps_tokens):
    user = make.user()
    if "habilitation_days_left" in state:
        place, profile = make.establishment(), make.profile()
        make.habilitation(user, profile, place, days_left=state["habilitation_days_left"])
    if "is_active" in state:
        user.is_active = state["is_active"]
    if "blocked_until" in state:
        user.blocked_until = clock.utcnow() + timedelta(minutes=15)
    db.session.commit()

    if code is None:
        eligibility.check_sign_in(db.session, user)
    else:
        with pytest.raises(eligibility.NotEligibleError) as refused:
            eligibility.check_sign_in(db.session, user)
        assert refused.value.code == code
    assert eligibility.may_sign_in(db.session, user) is (code is None)
    assert eligibility.may_hold_tokens(db.session, user) is keeps_tokens
    holder = users.holder_by_id(db.session, user.id)  # the same rule on plain columns
    assert (holder.may_sign_in, holder.may_hold_tokens) == (code is None, keeps_tokens)


def test_an_account_that_never_had_a_habilitation_may_sign_in(make):
    assert eligibility.may_sign_in(db.session, make.user(is_support=True))
