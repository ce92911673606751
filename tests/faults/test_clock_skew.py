"""Two instances of one provider, the second with its clock 5 minutes ahead or behind
(libfaketime), on PostgreSQL + Redis. A person's login and a module's tokens cross from one to
the other at every step: emailed codes expire on the shared clock, ``prompt=login`` does not
loop, tokens verify at the module within its leeway and on both instances, and a sign-out
everywhere on one instance ends what the other issued before it and nothing issued after.
"""

from __future__ import annotations

import base64
import glob
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from viatrajectoire_auth.signed import check_times

from tests.backends import worker_number
from tests.factories import PASSWORD
from tests.faults.servers import LiveProvider, live_provider
from tests.rp import pkce_pair

pytestmark = pytest.mark.services_only
REDIRECT = "https://module.example/cb"
VERIFIER, CHALLENGE = pkce_pair()
FAKETIME = (glob.glob("/usr/lib/*/faketime/libfaketime.so.1") or [""])[0]
MODULE_LEEWAY = 60  # what the module library allows by default
OTP_TTL = 240  # shorter than the skew: a code mailed by one instance is dead on the other
# if the instances compare expiry with their own clocks


@dataclass
class Pair:
    behind: LiveProvider
    ahead: LiveProvider
    secret: str


@pytest.fixture(params=["+5m", "-5m"])
def pair(request, tmp_path, worker_id) -> Iterator[Pair]:
    assert FAKETIME, "libfaketime is missing: `apt-get install -y faketime` (.ci/run does it)"
    with live_provider(tmp_path, f"idp_skew_{worker_number(worker_id)}") as normal:
        normal.env["IDP_OTP_TTL"] = str(OTP_TTL)
        normal.idp("users", "create", "--username", "jdupont", "--email", "jdupont@example.org",
                   "--password", PASSWORD, "--email-verified", "--otp-required")  # fmt: skip
        client = normal.create_client("module", REDIRECT)
        skewed = normal.another(
            tmp_path / "skewed.log",
            LD_PRELOAD=FAKETIME,
            FAKETIME=request.param,
            FAKETIME_DONT_FAKE_MONOTONIC="1",
            FAKETIME_NO_CACHE="1",
        )
        normal.start()
        skewed.start()
        try:
            if request.param.startswith("+"):
                yield Pair(normal, skewed, client["client_secret"])
            else:
                yield Pair(skewed, normal, client["client_secret"])
        finally:
            skewed.stop()


class Browser:
    """A person's browser, each step sent to the instance the test names."""

    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.session = requests.Session()

    def sign_in(self, start: LiveProvider, password_at: LiveProvider, code_at: LiveProvider,
                **params: str) -> str:  # fmt: skip
        """From the authorization request to the module's code; the login form on one
        instance, the emailed code on another, the rest on ``start``."""
        query = {"response_type": "code", "client_id": "module", "redirect_uri": REDIRECT,
                 "scope": "openid profile", "state": secrets.token_urlsafe(8),
                 "code_challenge": CHALLENGE, "code_challenge_method": "S256"}  # fmt: skip
        query.update(params)
        response = self.session.get(
            f"{start.url}/authorize?{urlencode(query)}", allow_redirects=False, timeout=10
        )
        for _ in range(10):
            if response.status_code != 302:
                response = self._fill(response)
                continue
            location = response.headers["Location"]
            if location.startswith(REDIRECT):
                return parse_qs(urlsplit(location).query)["code"][0]
            path = location if location.startswith("/") else _path(location)
            where = {"/login/code": code_at, "/login": password_at}.get(path.split("?")[0], start)
            response = self.session.get(where.url + path, allow_redirects=False, timeout=10)
        raise AssertionError(f"the login did not end: {response.status_code} {response.url}")

    def _fill(self, page: requests.Response) -> requests.Response:
        assert page.status_code == 200, (page.status_code, _text(page.text))
        target = page.url
        if 'name="password"' in page.text:
            fields = {"username": "jdupont", "password": PASSWORD}
        elif 'name="otp"' in page.text:
            fields = {"otp": self.pair.behind.outbox.latest_code("jdupont@example.org")}
        elif 'name="accept"' in page.text:  # the first login: the charter
            pending = re.search(r'name="request_id" type="hidden" value="([^"]+)"', page.text)
            fields = {"request_id": pending.group(1), "accept": "y"}
            target = urljoin(page.url, "/charter")
        else:
            raise AssertionError(f"unexpected page: {_text(page.text)}")
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        return self.session.post(
            target, data={"csrf_token": csrf, **fields}, allow_redirects=False, timeout=10
        )

    def sign_out_everywhere(self, at: LiveProvider) -> None:
        page = self.session.get(f"{at.url}/account", timeout=10)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        done = self.session.post(
            f"{at.url}/account/everywhere", data={"csrf_token": csrf}, allow_redirects=False
        )
        assert done.status_code == 302, _text(done.text)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))[-400:]


def exchange(pair: Pair, at: LiveProvider, code: str) -> dict:
    answer = requests.post(
        f"{at.url}/token",
        auth=("module", pair.secret),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
        },  # fmt: skip
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def userinfo(at: LiveProvider, access_token: str) -> int:
    return requests.get(
        f"{at.url}/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    ).status_code


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_login_and_its_tokens_cross_two_instances_five_minutes_apart(pair):
    browser = Browser(pair)

    # the code mailed by the instance behind is checked by the one ahead: still valid
    code = browser.sign_in(start=pair.behind, password_at=pair.behind, code_at=pair.ahead)
    tokens = exchange(pair, pair.ahead, code)

    # the module checks times with its own (right) clock and its usual leeway
    for token in (tokens["access_token"], tokens["id_token"]):
        check_times(claims_of(token), MODULE_LEEWAY)
    assert userinfo(pair.behind, tokens["access_token"]) == 200
    assert userinfo(pair.ahead, tokens["access_token"]) == 200
    for at in (pair.behind, pair.ahead):  # the refresh token works on either
        answer = requests.post(
            f"{at.url}/token",
            auth=("module", pair.secret),
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        tokens = answer.json()

    # prompt=login asked on the instance ahead, the login made on the one behind: no loop
    code = browser.sign_in(
        start=pair.ahead, password_at=pair.behind, code_at=pair.behind, prompt="login"
    )
    issued_ahead = exchange(pair, pair.ahead, code)

    # a sign-out everywhere made behind ends what the instance ahead issued before it...
    browser.sign_out_everywhere(at=pair.behind)
    assert userinfo(pair.behind, issued_ahead["access_token"]) == 401
    # ...and a sign-out everywhere made ahead does not end what is issued after it
    again = Browser(pair)
    code = again.sign_in(start=pair.behind, password_at=pair.behind, code_at=pair.ahead)
    again.sign_out_everywhere(at=pair.ahead)
    time.sleep(1.1)  # iat is in whole seconds: a token of the same second is refused too
    code = again.sign_in(start=pair.behind, password_at=pair.behind, code_at=pair.ahead)
    fresh = exchange(pair, pair.behind, code)
    assert userinfo(pair.ahead, fresh["access_token"]) == 200
