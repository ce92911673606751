"""Provider metadata (OpenID Connect Discovery 1.0, RFC 8414): only what actually works."""

from __future__ import annotations

from typing import Any

from authlib.oidc.discovery import OpenIDProviderMetadata

from idp.oidc.acr import ACR_LEVELS, deliverable
from idp.oidc.claims import claims_supported
from idp.oidc.client_auth import ASSERTION_ALGS
from idp.oidc.clients import SCOPES
from idp.oidc.context import ProviderContext

AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


def provider_metadata(ctx: ProviderContext) -> dict[str, Any]:
    algs = ctx.keyring.algorithms() or ["RS256"]
    metadata = OpenIDProviderMetadata(
        issuer=ctx.issuer,
        authorization_endpoint=ctx.url("/authorize"),
        token_endpoint=ctx.url("/token"),
        userinfo_endpoint=ctx.url("/userinfo"),
        jwks_uri=ctx.url("/jwks.json"),
        end_session_endpoint=ctx.url("/logout"),
        introspection_endpoint=ctx.url("/introspect"),
        revocation_endpoint=ctx.url("/revoke"),
        scopes_supported=[s for s in SCOPES if s != "psc" or ctx.settings.psc_enabled],
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=["authorization_code", "refresh_token", "client_credentials"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=algs,
        token_endpoint_auth_methods_supported=[*AUTH_METHODS, "none"],
        token_endpoint_auth_signing_alg_values_supported=ASSERTION_ALGS,
        introspection_endpoint_auth_methods_supported=AUTH_METHODS,
        introspection_endpoint_auth_signing_alg_values_supported=ASSERTION_ALGS,
        revocation_endpoint_auth_methods_supported=[*AUTH_METHODS, "none"],
        revocation_endpoint_auth_signing_alg_values_supported=ASSERTION_ALGS,
        code_challenge_methods_supported=["S256"],
        claims_supported=[
            *claims_supported(),
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "azp",
            "at_hash",
            "sid",
        ],
        acr_values_supported=[acr for acr in ACR_LEVELS if deliverable(ctx.settings, acr)],
        prompt_values_supported=["none", "login", "consent"],
        ui_locales_supported=ctx.settings.supported_locales,
        claims_parameter_supported=True,
        request_parameter_supported=False,
        request_uri_parameter_supported=False,
        authorization_response_iss_parameter_supported=True,
        backchannel_logout_supported=True,
        backchannel_logout_session_supported=True,
    )
    metadata.validate()
    return dict(metadata)
