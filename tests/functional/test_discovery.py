"""Discovery and JWKS: every advertised feature exists, nothing unimplemented is advertised."""

from __future__ import annotations


def test_discovery_lists_what_works(client):
    meta = client.get("/.well-known/openid-configuration").get_json()
    assert meta["issuer"] == "http://127.0.0.1:5000"
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "implicit" not in meta["grant_types_supported"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    }
    assert meta["request_parameter_supported"] is False


def test_every_advertised_endpoint_answers(client):
    meta = client.get("/.well-known/openid-configuration").get_json()
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
    ):
        path = meta[name].removeprefix(meta["issuer"])
        response = (
            client.get(path)
            if name
            in ("jwks_uri", "userinfo_endpoint", "authorization_endpoint", "end_session_endpoint")
            else client.post(path)
        )
        assert response.status_code != 404, name
        assert response.status_code < 500, name


def test_jwks_publishes_public_keys_only_with_cache_headers(client):
    response = client.get("/jwks.json")
    keys = response.get_json()["keys"]
    assert keys and all({"kid", "alg", "use"} <= set(k) for k in keys)
    assert all("d" not in k and "p" not in k for k in keys)
    assert "max-age=" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert client.get("/jwks.json", headers={"If-None-Match": etag}).status_code == 304
