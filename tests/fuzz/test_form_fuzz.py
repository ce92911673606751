"""Property-based fuzzing of the hosted pages' forms, with valid CSRF tokens.

Each scenario puts a browser where a professional would be (the login page of a pending
request, the code step, "Mon compte", a référent's account page...). Each example reads the
page's forms as a browser would, keeps or breaks the CSRF token and hidden fields, fills the
rest with hostile values (or, sometimes, the right ones, so that examples also get past the
first check) and posts. After every example: no 5xx and no trace, no password echoed back,
and no account, habilitation or second factor changed without its audit entry.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from idp.services import of as services_of
from idp.storage import db, keys
from idp.storage.models import (
    AuditEvent,
    Habilitation,
    RememberedDevice,
    TotpCredential,
    User,
)
from tests.factories import PASSWORD
from tests.fuzz import strategies as fuzz
from tests.fuzz.forms import Field, Form, forms_of
from tests.rp import RelyingParty

pytestmark = pytest.mark.fuzz

TOTP_SECRET = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')
NUMBERS = itertools.count(1)
CANARY = "Canary-Secret-7f3a9c1e"  # sent as a password; must never come back in a page
EXAMPLES, LONG_EXAMPLES = 60, 3000


@pytest.fixture
def settings_overrides() -> dict:
    """The per-IP post limit is tested on its own; here it would hide the forms behind 429s.
    On localhost, a domain name, the passkey forms are there too."""
    return {
        "rate_limit_login": "1000000/minute",
        "rate_limit_resend": "1000000/minute",
        "rate_limit_pending": "1000000/minute",
        "issuer": "http://localhost:5000",
    }


@dataclass
class World:
    app: object
    make: object
    rp: RelyingParty
    third_party: RelyingParty
    outbox: object
    local_id: int = 0
    sent: int = 0
    page: str = ""  # the page the forms were read from

    def browser(self, rp: RelyingParty | None = None) -> RelyingParty:
        return (rp or self.rp).in_new_browser()

    def signed_in(self, username: str | None = None, **fields: object) -> RelyingParty:
        """A new account (its password may be changed by an example) signed in a new browser."""
        user = self.make.user(username, **fields)
        browser = self.browser()
        browser.sign_in(user.username)
        return browser


@pytest.fixture
def world(app, make, rp, outbox) -> World:
    here = make.establishment("EHPAD Ici")
    make.establishment("CH Là-bas", "CH")
    profile = make.profile("GA_DIR")
    local = make.user("local")
    make.habilitation(local, profile, here)
    make.referent(here, "ref-here")
    make.user("otp.user", otp_required=True)
    third = make.client(client_id="third", first_party=False)
    return World(app, make, rp, RelyingParty(rp.client, third, outbox), outbox, local.id)


# --- where each scenario puts the browser: (browser, page path) ------------------------------
def login_page(world: World) -> tuple[RelyingParty, str]:
    browser = world.browser()
    return browser, browser.start(browser.request()).location


def code_page(world: World) -> tuple[RelyingParty, str]:
    """A new account each time: a long run's wrong codes lock the one before."""
    browser = world.browser()
    _, response = browser.password_step(world.make.user(otp_required=True).username)
    assert response.status_code == 302, response.get_data(as_text=True)[-300:]
    return browser, response.location


def consent_page(world: World) -> tuple[RelyingParty, str]:
    browser = world.browser(world.third_party)
    _, response = browser.password_step(world.make.user().username)
    location = ""
    while response.status_code == 302:  # on to the consent page
        location, response = response.location, browser.client.get(response.location)
    return browser, location


def reset_page(world: World) -> tuple[RelyingParty, str]:
    from idp.web.context import password_changes, services
    from tests.functional.test_passwords import reset_link

    user = world.make.user()
    password_changes().request_reset(user.username)
    assert services().deferred.drain()  # the link is mailed off the request path
    return world.browser(), reset_link(world.outbox, user.email)


def passkeys_page(world: World) -> tuple[RelyingParty, str]:
    """ "Mon compte"'s passkeys, one already added (so its rename and remove forms are there)."""
    from tests.functional.test_passkeys import enrol
    from tests.webauthn_device import Authenticator

    browser = world.signed_in()
    assert enrol(browser, Authenticator()).status_code == 302
    return browser, "/account/passkeys"


def page(path: str, **account: object) -> Callable[[World], tuple[RelyingParty, str]]:
    """A page of a signed-in account; ``{local}`` is the référent's local account id."""

    def scenario(world: World) -> tuple[RelyingParty, str]:
        if path.startswith("/admin"):
            browser = world.browser()
            browser.sign_in("ref-here")
        else:
            browser = world.signed_in(**account)
        return browser, path.format(local=world.local_id)

    return scenario


SCENARIOS = {
    "login": login_page,
    "code": code_page,
    "consent": consent_page,
    "forgot": lambda world: (world.browser(), "/password/forgot"),
    "reset": reset_page,
    "account": page("/account"),
    "account-otp": page("/account", otp_required=True),
    "totp": page("/account/totp"),
    "passkeys": passkeys_page,
    "logout": page("/logout"),
    "admin-new": page("/admin/accounts/new"),
    "admin-account": page("/admin/accounts/{local}"),
}


# --- what an example sends -----------------------------------------------------------------
KEEP, RIGHT, HOSTILE, DROP = "keep", "right", "hostile", "drop"


@st.composite
def submissions(draw: st.DrawFn) -> dict:
    """Choices for one post: which form; either the right values with at most one field
    broken, or every field kept, right, hostile or dropped at random; what wraps them."""
    choices = [KEEP, RIGHT, RIGHT, HOSTILE, HOSTILE, HOSTILE, DROP]
    one_broken = draw(st.booleans())
    return {
        "form": draw(st.integers(min_value=0, max_value=20)),
        "choices": draw(
            st.lists(
                st.tuples(st.just(RIGHT) if one_broken else st.sampled_from(choices), fuzz.values),
                min_size=12,
                max_size=12,
            )
        ),
        "broken": draw(st.none() | st.integers(min_value=0, max_value=11)) if one_broken else None,
        "canary": draw(st.booleans()),
        "csrf": draw(st.sampled_from(["valid"] * 9 + ["broken", "missing"])),
        "duplicate": draw(st.booleans()),
        "extra": draw(
            st.none() | st.tuples(st.sampled_from(["is_support", "user_id", "x"]), fuzz.values)
        ),
        "content_type": draw(
            st.sampled_from(["application/x-www-form-urlencoded"] * 6) | fuzz.content_types
        ),
    }


def right_value(world: World, form: Form, item: Field, sent: dict[str, str]) -> str:
    """The value a careful user would type, so that examples get past the first check."""
    if item.kind == "select":
        return item.options[-1] if item.options else ""
    if item.kind in ("checkbox", "submit", "hidden"):
        return item.value or "y"
    if item.name == "confirm":
        return sent.get("password", PASSWORD)
    if item.name in ("password", "current"):
        return PASSWORD
    if item.name == "otp":
        try:
            return world.outbox.latest_code()
        except (AssertionError, IndexError):
            return "000000"
    if item.name == "captcha":
        found = services_of(world.app).store.get(keys.captcha(sent.get("captcha_id")))
        return found["answer"] if found else ""
    if item.name == "code" and (secret := TOTP_SECRET.search(world.page)):
        return pyotp.TOTP(secret.group(1).replace(" ", "")).now()
    n = next(NUMBERS)
    signing_in = any(f.kind == "password" for f in form.fields)
    typed = {
        "username": "otp.user" if signing_in else f"fuzz.{n}",
        "email": f"fuzz.{n}@example.org",
        "family_name": "Martin",
        "given_name": "Léa",
        "profession": "Infirmière",
        "phone": "01 02 03 04 05",
    }
    return typed.get(item.name, item.value)


def fields_to_send(world: World, form: Form, drawn: dict) -> list[tuple[str, str]]:
    sent: dict[str, str] = {}
    fields: list[tuple[str, str]] = []
    for position, item in enumerate(form.fields):
        choice, hostile = drawn["choices"][position % len(drawn["choices"])]
        if drawn["broken"] == position:
            choice = HOSTILE
        if item.name == "csrf_token":
            if drawn["csrf"] != "missing":
                fields.append((item.name, item.value if drawn["csrf"] == "valid" else hostile))
            continue
        if choice == DROP:
            continue
        if choice == KEEP:
            value = item.value
        elif choice == HOSTILE:
            value = CANARY if drawn["canary"] and item.kind == "password" else hostile
        else:
            value = right_value(world, form, item, sent)
        sent[item.name] = value
        fields.append((item.name, value))
    if drawn["duplicate"] and fields:
        fields.append(fields[len(fields) // 2])
    if drawn["extra"]:
        fields.append(drawn["extra"])
    return fields


# --- what must hold after every example ----------------------------------------------------
def account_state() -> tuple:
    """What a person changes on an account (not the login bookkeeping such as last_login_at)."""
    db.session.rollback()
    columns = [c for c in User.__table__.c if c.name not in ("last_login_at", "updated_at")]
    return (
        db.session.execute(select(*columns).order_by(User.id)).all(),
        db.session.execute(select(Habilitation.__table__).order_by(Habilitation.id)).all(),
        db.session.execute(select(TotpCredential.user_id).order_by(TotpCredential.id)).all(),
        db.session.execute(  # a login remembers a browser; forgetting one is a person's change
            select(RememberedDevice.id).where(RememberedDevice.revoked_at.is_not(None))
        ).all(),
    )


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def creations_audited() -> bool:
    users = db.session.scalar(select(func.count()).select_from(User))
    created = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.created")
    )
    return users == created


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_hosted_forms_hold(request, world, name):
    scenario = SCENARIOS[name]
    long = request.config.getoption("--long")
    state = {"browser": None, "path": ""}
    statuses: list[int] = []

    def open_page() -> tuple[RelyingParty, str, list[Form]]:
        """The page's forms, putting the browser back in place when an example moved it."""
        for _ in range(2):
            if state["browser"] is not None:
                browser, path = state["browser"], state["path"]
                response = browser.client.get(path)
                world.page = response.get_data(as_text=True)
                forms = forms_of(world.page, path)
                if response.status_code == 200 and forms:
                    return browser, path, forms
            state["browser"], state["path"] = scenario(world)
        raise AssertionError(f"{name}: the page has no form to fuzz")

    @settings(
        max_examples=LONG_EXAMPLES if long else EXAMPLES,
        derandomize=not long,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(drawn=submissions())
    def run(drawn: dict) -> None:
        browser, path, forms = open_page()
        form = forms[drawn["form"] % len(forms)]
        before, audited = account_state(), audit_count()
        response = browser.client.post(
            form.action,
            data=fuzz.encode(fields_to_send(world, form, drawn)),
            content_type=drawn["content_type"],
        )
        world.sent += 2
        statuses.append(response.status_code)
        body = response.get_data(as_text=True)
        assert response.status_code < 500, (name, form.action, body[:400])
        assert "Traceback" not in body and 'File "/' not in body
        assert PASSWORD not in body and CANARY not in body
        if account_state() != before:  # a change by a person is in the audit trail
            assert audit_count() > audited, (name, form.action)
        assert creations_audited()

    run()
    request.node.user_properties.append(("requests", world.sent))
    request.node.user_properties.append(("statuses", sorted(Counter(statuses).items())))
    assert len(statuses) >= EXAMPLES // 2
    assert any(s < 400 for s in statuses), (name, sorted(set(statuses)))
