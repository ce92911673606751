"""Every endpoint answers hostile input with a 4xx (or a normal answer), never a 500."""

from __future__ import annotations

import base64
import re

import pytest

from tests.factories import PASSWORD
from tests.rp import csrf_token

BROKEN_JWTS = [
    "a.b.c",
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    "e30." * 3,
    "....",
    "\x00.\x00.\x00",
    base64.urlsafe_b64encode(b'{"alg":"HS256","kid":"../../etc"}').decode() + ".e30.sig",
]

PAYLOADS = [
    {},
    {"grant_type": "authorization_code", "code": "\x00" * 10},
    {"grant_type": "refresh_token", "refresh_token": "x" * 600},
    {"grant_type": ["client_credentials", "refresh_token"]},
    {"token": "é" * 100, "token_type_hint": "access_token"},
    {"client_id": "x" * 5000, "client_secret": "y"},
    {
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": "a.b.c",
        "grant_type": "client_credentials",
    },
    *[{"token": jwt, "id_token_hint": jwt} for jwt in BROKEN_JWTS],
]

HEADERS = [
    {},
    {"Authorization": "Basic !!!notbase64"},
    {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer a.b.c"},
    {"Authorization": "Bearer " + "x" * 9000},
    {"Content-Type": "application/json"},
    {"Cookie": "idp_sso=" + "x" * 4000 + "; idp_session=garbage"},
]


def endpoints(app) -> list[tuple[str, str]]:
    pairs = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<[^>]+>", "x" * 40, rule.rule)  # variable parts get a bogus value
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            pairs.append((method, path))
    return pairs


def assert_clean(response, method, path):
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (method, path, response.status_code, body[:300])
    assert "Traceback" not in body and 'File "/' not in body, (method, path)


def test_sweep_every_endpoint_with_hostile_forms_and_headers(app, client):
    for method, path in endpoints(app):
        for payload in PAYLOADS:
            for headers in HEADERS:
                response = client.open(
                    path,
                    method=method,
                    data=payload if method == "POST" else None,
                    query_string=payload if method == "GET" else None,
                    headers=headers,
                )
                assert_clean(response, method, path)


@pytest.mark.parametrize(
    "body,content_type",
    [
        ("{broken json", "application/json"),
        ("<xml/>", "application/xml"),
        ("a=1&a=2&a=3", "application/x-www-form-urlencoded"),
        (
            '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
            "multipart/form-data",
        ),
    ],
)
def test_sweep_every_post_endpoint_with_wrong_bodies(app, client, body, content_type):
    for method, path in endpoints(app):
        if method == "POST":
            assert_clean(client.post(path, data=body, content_type=content_type), method, path)


def test_oversized_body_is_413(client):
    response = client.post("/token", data={"grant_type": "x" * 70000})
    assert response.status_code == 413
    assert response.get_json()["error"] == "invalid_request"


def test_token_endpoint_refuses_json_body(client):
    response = client.post("/token", json={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_token_endpoint_refuses_repeated_parameter(client):
    response = client.post(
        "/token",
        data="grant_type=client_credentials&grant_type=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.get_json()["error"] == "invalid_request"


def test_unknown_path_is_a_clean_404(client):
    assert client.get("/nothing-here").status_code == 404
    assert client.post("/token/../../etc/passwd").status_code == 404


def test_wrong_method_is_405(client):
    response = client.get("/token")
    assert response.status_code == 405
    assert response.get_json()["error"] == "invalid_request"


def test_pages_send_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/api/admin/v1/accounts?q=a%00b", "/login?request=%00", "/authorize?client_id=%00"]
)
def test_nul_bytes_are_refused_everywhere(client, path):
    assert client.get(path).status_code == 400


def test_nul_bytes_in_json_are_refused(client):
    response = client.post(
        "/api/admin/v1/accounts", data=b'{"username": "a\\u0000b"}', content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"grant_type=client_credentials&scope=a%00b", "application/x-www-form-urlencoded"),
        (b"grant_type=client_credentials&scope=a\x00b", "application/x-www-form-urlencoded"),
        (
            b'--B\r\nContent-Disposition: form-data; name="username"\r\n\r\na\x00b\r\n--B--\r\n',
            "multipart/form-data; boundary=B",
        ),
    ],
)
def test_nul_bytes_in_bodies_are_refused(client, body, content_type):
    response = client.post("/token", data=body, content_type=content_type)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_an_encoded_percent_sign_is_not_a_nul_byte(client):
    """``%2500`` is the text "%00": the token endpoint refuses it for its own reasons."""
    response = client.post(
        "/token",
        data=b"grant_type=client_credentials&scope=a%2500b",
        content_type="application/x-www-form-urlencoded",
    )
    assert "NUL" not in response.get_data(as_text=True)
    assert response.get_json()["error"] == "invalid_client"


def test_nul_byte_in_the_path_is_refused(client):
    assert client.get("/login%00").status_code == 400


class TestWithProSanteConnect:
    """The PSC pages exist only when PSC is configured: sweep them against the stand-in."""

    @pytest.fixture
    def settings_overrides(self, stand_in) -> dict:
        return stand_in.settings()

    def test_sweep_psc_pages(self, app, client):
        psc_pages = [(m, p) for m, p in endpoints(app) if p.startswith("/psc/")]
        assert len(psc_pages) == 4
        for method, path in psc_pages:
            for payload in PAYLOADS:
                for headers in HEADERS:
                    response = client.open(
                        path, method=method, query_string=payload, headers=headers
                    )
                    assert_clean(response, method, path)


@pytest.mark.parametrize("typed", ["é", "１２３４５６", "\u200b123456"])
def test_found_non_ascii_codes_are_refused_not_a_500(app, client, rp, make, typed):
    """hmac.compare_digest raises on non-ASCII text: the captcha and the app code used it on what
    the browser typed (found by the hosted-form fuzzing)."""
    from tests.functional.test_passwords import forgot_page

    page, captcha_id = forgot_page(client)
    forgot = client.post("/password/forgot", data={"csrf_token": csrf_token(page),
                         "username": "x", "captcha_id": captcha_id, "captcha": typed})  # fmt: skip
    assert forgot.status_code == 400 and "incorrect" in forgot.get_data(as_text=True)

    make.user("tess")
    rp.sign_in("tess")
    page = client.get("/account/totp").get_data(as_text=True)
    enrol = client.post("/account/totp", data={"csrf_token": csrf_token(page),
                        "password": PASSWORD, "code": typed})  # fmt: skip
    assert enrol.status_code == 400
