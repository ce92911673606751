"""Errors are answered by the blueprint that owns the URL: JSON for machines, a page for people,
each domain error by its code."""

from __future__ import annotations

import pytest

from idp.accounts.eligibility import NotEligibleError
from idp.errors import IdpError
from idp.web.error_texts import TEXTS, status_of
from tests.factories import PASSWORD
from tests.rp import csrf_token


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/token", 405, "json"),
        ("DELETE", "/userinfo", 405, "json"),
        ("GET", "/api/admin/v1/nothing-here", 404, "json"),
        ("PUT", "/api/admin/v1/accounts", 405, "json"),
        ("GET", "/nothing-here", 404, "html"),
        ("GET", "/admin/nothing-here", 404, "html"),
        ("DELETE", "/login", 405, "html"),
        ("GET", "/psc/nothing-here", 404, "html"),
    ],
)
def test_unrouted_requests_are_answered_by_the_owner_of_the_path(
    client, method, path, status, kind
):
    response = client.open(path, method=method)
    assert response.status_code == status
    if kind == "json":
        assert response.is_json
        assert response.get_json()["error"] in ("invalid_request", "not_found")
        assert response.headers["Cache-Control"] == "no-store"
    else:
        assert response.mimetype == "text/html"
        assert "<code>" in response.get_data(as_text=True)


def test_an_expired_login_request_is_a_page_with_its_code(client):
    response = client.get("/authorize/resume?request=gone")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<code>request_expired</code>" in page
    assert str(TEXTS["request_expired"])[:30] in page


def test_a_refused_account_reads_the_same_for_every_login_method(client, make):
    """The page of an account refusal comes from its code: the password view no longer
    writes its own."""
    user = make.user(is_active=False)
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(page), "username": user.username, "password": PASSWORD},
    )
    assert response.status_code == 403
    assert "<code>account_deactivated</code>" in response.get_data(as_text=True)


def _codes(kind: type[IdpError]) -> set[str]:
    found = {kind.code}
    for sub in kind.__subclasses__():
        found |= _codes(sub)
    return found


def test_every_refusal_of_an_account_has_a_text_and_a_status():
    for code in _codes(NotEligibleError) - {NotEligibleError.code}:
        assert code in TEXTS
        assert status_of(code) == 403
