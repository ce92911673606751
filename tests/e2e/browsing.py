"""What a person's browser does on the live provider, with ``requests``: the login page, the
password, the mailed code when asked, the charter on a first login, back to the module."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import requests

from tests.mailbox import Mailbox


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def browser_login(
    browser: requests.Session,
    authorize_url: str,
    outbox: Mailbox,
    username: str,
    password: str,
    redirect_uri: str,
    email: str | None = None,
) -> requests.Response:
    """Follows the journey from the authorization URL, filling each page it meets; returns the
    redirect back to the module, or the answer that stopped the journey (a refusal)."""
    email = email or f"{username}@example.org"
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(12):
        if response.status_code == 302:
            location = response.headers["Location"]
            if location.startswith(redirect_uri):
                return response
            response = browser.get(
                urljoin(response.url, location), allow_redirects=False, timeout=10
            )
            continue
        page = response.text if response.status_code == 200 else ""
        if 'name="password"' in page:
            fields = {"username": username, "password": password}
        elif 'name="otp"' in page:  # the mailed code (new browser or step-up)
            fields = {"otp": outbox.latest_code(email)}
        elif 'name="accept"' in page:  # first login: the charter
            request_id = re.search(r'name="request_id" type="hidden" value="([^"]+)"', page)
            fields = {"request_id": request_id.group(1), "accept": "y"}
            response = browser.post(
                urljoin(response.url, "/charter"),
                data={"csrf_token": csrf(page), **fields},
                headers={"Referer": response.url},  # as a browser; checked under https
                allow_redirects=False,
                timeout=10,
            )
            continue
        else:
            return response
        response = browser.post(
            response.url,
            data={"csrf_token": csrf(page), **fields},
            headers={"Referer": response.url},
            allow_redirects=False,
            timeout=10,
        )
    return response
