"""Hypothesis strategies for what a hostile or broken client sends the protocol endpoints."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

from hypothesis import strategies as st

TRAPS = [
    "",
    " ",
    "\u202eevil",  # right-to-left override
    "adm\u200bin",  # zero-width space
    "ｆｏｏ",  # full-width: NFKC folds it to "foo"
    "ﬁle",  # ligature
    "%00",
    "%ED%A0%80",  # a lone surrogate, percent-encoded
    "%",
    "%%",
    "\x00",
    "\ud800",  # a lone surrogate itself
    "🙂" * 50,
    "A" * 70_000,
    "../../../../etc/passwd",
    "javascript:alert(1)",
    "https://evil.example/cb",
    "null",
    "[]",
    "{}",
]
GRANTS = ["authorization_code", "refresh_token", "client_credentials", "password", "implicit",
          "urn:ietf:params:oauth:grant-type:jwt-bearer", "AUTHORIZATION_CODE"]  # fmt: skip
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _b64(data: object) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


HEADERS = [
    {"alg": "none"},
    {"alg": "None", "typ": "JWT"},
    {"alg": "HS256", "kid": "../../../../dev/null"},
    {"alg": "RS256", "jku": "https://evil.example/jwks.json"},
    {"alg": "RS256", "x5u": "https://evil.example/cert.pem"},
    {"alg": "RS256", "crit": ["exp"], "exp": 1},
    {"alg": "RS256", "kid": "x" * 5000},
    {"alg": "ES256", "jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}},
    {"alg": "RS256", "typ": "at+jwt"},
    {"alg": ["RS256"]},
    {},
]


@st.composite
def jwts(draw: st.DrawFn) -> str:
    """Tokens that look like JWTs: every header variation, odd claims, truncated."""
    header = draw(st.sampled_from(HEADERS))
    claims = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "iss": st.sampled_from(["client-1", "http://127.0.0.1:5000", "", None]),
                "sub": st.sampled_from(["client-1", "x", 1]),
                "aud": st.sampled_from(["http://127.0.0.1:5000/token", ["a", "b"], 7]),
                "exp": st.sampled_from([0, 2**63, -1, "soon", 4102444800]),
                "jti": st.text(max_size=20),
            },
        )
    )
    token = f"{_b64(header)}.{_b64(claims)}.{_b64(draw(st.binary(max_size=64)))}"
    cut = draw(st.integers(min_value=0, max_value=len(token)))
    return draw(st.sampled_from([token, token[:cut], token + ".", token.replace(".", "..")]))


values = st.one_of(
    st.sampled_from(TRAPS),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    jwts(),
)


@st.composite
def token_requests(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Form fields of a token request, duplicated parameters included."""
    fields: list[tuple[str, str]] = []
    if draw(st.booleans()):
        fields.append(("grant_type", draw(st.sampled_from(GRANTS) | values)))
    names = ["code", "redirect_uri", "refresh_token", "scope", "code_verifier", "client_id",
             "client_secret", "resource", "audience"]  # fmt: skip
    for name in draw(st.lists(st.sampled_from(names), max_size=5)):
        fields.append((name, draw(values)))
    if draw(st.booleans()):
        fields += [("client_assertion_type", ASSERTION_TYPE), ("client_assertion", draw(jwts()))]
    if draw(st.booleans()) and fields:
        fields.append(draw(st.sampled_from(fields)))  # a duplicated parameter
    return fields


def _header(value: str) -> str:
    """What HTTP can carry in a header: no line breaks (the test client refuses them)."""
    return value.replace("\r", " ").replace("\n", " ")


authorizations = st.one_of(
    st.none(),
    st.builds(
        lambda v: "Basic " + base64.b64encode(v.encode("utf-8", "surrogatepass")).decode(), values
    ),  # fmt: skip
    st.builds(lambda v: _header("Bearer " + v), values),
    st.sampled_from(["Basic", "Basic !!!", "Bearer", "Digest x", "basic Y2xpZW50LTE6"]),
)
content_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=utf-16",
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "",
    ]
)


def encode(fields: list[tuple[str, str]]) -> bytes:
    """A form body as a hostile client writes it: any text, lone surrogates included."""
    return urlencode(fields, encoding="utf-8", errors="surrogatepass").encode("utf-8", "replace")
