"""Discovery and JWKS: every advertised feature exists, nothing unimplemented is advertised."""

from __future__ import annotations

from idp.services import of as services_of


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


def test_discovery_is_cacheable_and_revalidates(client):
    response = client.get("/.well-known/openid-configuration")
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    again = client.get(
        "/.well-known/openid-configuration", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""


def test_jwks_document_follows_key_changes(app, client):
    before = client.get("/jwks.json").headers["ETag"]
    services_of(app).keys.generate("ES256", actor="operator")
    services_of(app).keyring.reload()
    after = client.get("/jwks.json")
    assert after.headers["ETag"] != before
    assert "ES256" in {key["alg"] for key in after.get_json()["keys"]}
    metadata = client.get("/.well-known/openid-configuration").get_json()
    assert metadata["issuer"] == "http://127.0.0.1:5000"
