"""Settings: defaults < TOML < environment < overrides, validated at start."""

from __future__ import annotations

import pytest

from idp.errors import ConfigurationError
from idp.settings import load_settings


def test_defaults_are_the_embedded_development_setup():
    settings = load_settings(environ={})
    assert settings.issuer == "http://127.0.0.1:5000"
    assert settings.resolved_database_url().startswith("sqlite:///")
    assert settings.redis_url == "" and settings.authorization_code_ttl == 60
    assert (settings.argon2_time_cost, settings.argon2_memory_cost) == (2, 19456)


def test_environment_overrides_toml(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text('access_token_ttl = 120\n[psc]\nclient_id = "abc"\n')
    settings = load_settings(environ={"IDP_CONFIG": str(extra), "IDP_ACCESS_TOKEN_TTL": "300"})
    assert settings.access_token_ttl == 300
    assert settings.psc_client_id == "abc"


def test_environment_list_and_bool_values():
    settings = load_settings(environ={"IDP_SUPPORTED_LOCALES": "fr, en", "IDP_DEMO": "true"})
    assert settings.supported_locales == ["fr", "en"] and settings.demo is True


PSC = {
    "IDP_PSC_ISSUER": "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet",
    "IDP_PSC_CLIENT_ID": "viatrajectoire",
    "IDP_PSC_CLIENT_SECRET": "s3cret",
}


def test_psc_is_offered_only_when_configured():
    assert not load_settings(environ={}).psc_enabled
    settings = load_settings(environ={**PSC, "IDP_PSC_TIMEOUT": "2.5"})
    assert settings.psc_enabled and settings.psc_timeout == 2.5


@pytest.mark.parametrize(
    "environ,message",
    [
        ({"IDP_ACCESS_TOKEN_TTL": "ten"}, "IDP_ACCESS_TOKEN_TTL"),
        ({"IDP_ACCESS_TOKEN_TTL": "0"}, "access_token_ttl"),
        ({"IDP_AUTHORIZATION_CODE_TTL": "600"}, "authorization_code_ttl"),
        ({"IDP_ISSUER": "https://idp.example.org/"}, "slash"),
        ({"IDP_ISSUER": "http://idp.example.org"}, "https"),
        ({"IDP_ISSUER": "not a url"}, "issuer"),
        ({"IDP_ENVIRONMENT": "production", "IDP_ISSUER": "http://127.0.0.1:5000"}, "https"),
        ({"IDP_ENVIRONMENT": "production", "IDP_ISSUER": "https://idp.example.org"}, "secret_key"),
        ({"IDP_ENVIRONMENT": "staging"}, "environment"),
        ({"IDP_CONFIG": "/nonexistent/idp.toml"}, "nonexistent"),
        ({"IDP_DEMO": "maybe"}, "IDP_DEMO"),
        ({**PSC, "IDP_PSC_CLIENT_SECRET": ""}, "psc_client_secret"),
        ({**PSC, "IDP_PSC_TOKEN_AUTH_METHOD": "private_key_jwt"}, "psc_token_auth_method"),
        ({**PSC, "IDP_PSC_ISSUER": "http://psc.example.org/auth"}, "psc_issuer"),
        ({**PSC, "IDP_PSC_CLIENT_CERT": "/etc/idp/psc.pem"}, "psc_client_key"),
        ({**PSC, "IDP_PSC_TIMEOUT": "0"}, "psc_timeout"),
        ({**PSC, "IDP_PSC_TIMEOUT": "soon"}, "IDP_PSC_TIMEOUT"),
    ],
)
def test_invalid_settings_are_refused_at_start(environ, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings(environ=environ)


def test_demo_refuses_production():
    with pytest.raises(ConfigurationError, match="demo"):
        load_settings(
            {
                "environment": "production",
                "issuer": "https://idp.example.org",
                "secret_key": "s",
                "demo": True,
            },
            environ={},
        )


def test_unknown_setting_is_refused(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text("acces_token_ttl = 1\n")
    with pytest.raises(ConfigurationError, match="unknown settings: acces_token_ttl"):
        load_settings(environ={"IDP_CONFIG": str(extra)})


def test_broken_toml_is_a_clear_error(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text("this is = = not toml")
    with pytest.raises(ConfigurationError, match="extra.toml"):
        load_settings(environ={"IDP_CONFIG": str(extra)})
