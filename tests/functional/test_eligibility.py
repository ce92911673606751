"""The one rule for signing in and holding tokens (accounts.eligibility), state by state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp import clock
from idp.accounts import eligibility, users
from idp.storage import db


@pytest.mark.parametrize(
    "state,code",
    [
        ({}, None),
        ({"is_active": False}, "account_deactivated"),
        ({"blocked_until": "soon"}, "account_blocked"),
        ({"habilitation_days_left": -1}, "no_habilitation"),
        ({"locked_out_until": "soon"}, None),  # a lockout refuses unknown browsers only
    ],
)
def test_each_state_gives_its_code(make, state, code):
    user = make.user()
    if "habilitation_days_left" in state:
        place, profile = make.establishment(), make.profile()
        make.habilitation(user, profile, place, days_left=state["habilitation_days_left"])
    if "is_active" in state:
        user.is_active = state["is_active"]
    for name in ("blocked_until", "locked_out_until"):
        if name in state:
            setattr(user, name, clock.utcnow() + timedelta(minutes=15))
    db.session.commit()

    if code is None:
        eligibility.check_sign_in(db.session, user)
    else:
        with pytest.raises(eligibility.NotEligibleError) as refused:
            eligibility.check_sign_in(db.session, user)
        assert refused.value.code == code
    assert eligibility.may_sign_in(db.session, user) is (code is None)
    holder = users.holder_by_id(db.session, user.id)  # the same rule on plain columns
    assert holder.may_hold_tokens is (code is None)
    assert holder.state == eligibility.state_of(db.session, user)


def test_the_cut_off_ends_what_began_until_then_and_not_after(make):
    user = make.user()
    users.end_sign_ins(db.session, user)
    db.session.commit()
    holder = users.holder_by_id(db.session, user.id)
    cut = user.signed_out_at.timestamp()
    assert holder.signed_out_since(cut - 60) and holder.signed_out_since(cut)
    assert holder.signed_out_since(int(cut))  # a whole second holding the cut-off is before
    assert not holder.signed_out_since(cut + 0.001) and not holder.signed_out_since(int(cut) + 1)
    assert holder.may_hold_tokens  # the account itself may sign in again


def test_recording_the_cut_off_leaves_the_updated_at_claim_alone(make):
    user = make.user()
    before = user.updated_at
    users.end_sign_ins(db.session, user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(user), user.id).updated_at == before


def test_an_account_that_never_had_a_habilitation_may_sign_in(make):
    assert eligibility.may_sign_in(db.session, make.user(is_support=True))
