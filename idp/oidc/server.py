"""The authorization server: Authlib's components, wired to our storage and keys.

Authlib's defaults that are not ours are overridden here or in the grant modules: refresh
rotation on, PKCE S256 only, the active key (with its ``kid``) always signs.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Request
from werkzeug.datastructures import MultiDict

from idp.oidc.access_tokens import AccessTokenGenerator
from idp.oidc.client_auth import PrivateKeyJwt
from idp.oidc.clients import SCOPES, RegisteredClient
from idp.oidc.context import ProviderContext
from idp.oidc.end_session import EndSessionEndpoint
from idp.oidc.grants.authorization_code import AuthorizationCodeGrant
from idp.oidc.grants.client_credentials import ClientCredentialsGrant
from idp.oidc.grants.refresh_token import RefreshTokenGrant
from idp.oidc.id_token import OpenIDCode, OpenIDRefresh, nonce_key
from idp.oidc.introspection import IntrospectionEndpoint
from idp.oidc.pkce import S256CodeChallenge
from idp.oidc.refresh_tokens import save_refresh_token
from idp.oidc.revocation import RevocationEndpoint


class ParamsPayload:
    """Authorization parameters kept between steps of a login (not from the live request)."""

    def __init__(self, params: MultiDict[str, str]) -> None:
        self.data = params
        self.datalist = {key: params.getlist(key) for key in params}

    def __getattr__(self, name: str) -> Any:
        if name in ("client_id", "redirect_uri", "scope", "state", "grant_type"):
            return self.data.get(name)
        if name == "response_type":
            value = self.data.get("response_type")
            return " ".join(sorted(value.split())) if value and " " in value else value
        raise AttributeError(name)


class ParamsRequest(OAuth2Request):
    def __init__(self, uri: str, params: list[tuple[str, str]]) -> None:
        super().__init__("GET", uri)
        self._args = MultiDict(params)
        self.payload = ParamsPayload(self._args)

    @property
    def args(self) -> MultiDict[str, str]:
        return self._args

    @property
    def form(self) -> MultiDict[str, str]:
        return MultiDict()


class IdpAuthorizationServer(AuthorizationServer):
    def __init__(self, ctx: ProviderContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.scopes_supported = list(SCOPES)

    def query_client(self, client_id: str) -> RegisteredClient | None:
        if not isinstance(client_id, str) or len(client_id) > 100:
            return None
        snapshot = self.ctx.clients.get(client_id)
        return RegisteredClient(snapshot) if snapshot is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        if "refresh_token" in token:
            save_refresh_token(self.ctx, token, request.client.client_id, request.user)

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return super().create_oauth2_request(request)

    def authorization_request(self, params: list[tuple[str, str]]) -> ParamsRequest:
        return ParamsRequest(self.ctx.url("/authorize"), params)

    def remember_nonce(self, client_id: str, nonce: str) -> None:
        self.ctx.store.put(nonce_key(client_id, nonce), {}, self.ctx.settings.id_token_ttl)


def create_authorization_server(ctx: ProviderContext) -> IdpAuthorizationServer:
    server = IdpAuthorizationServer(ctx)
    server.register_token_generator("default", AccessTokenGenerator(ctx))
    server.register_client_auth_method("private_key_jwt", PrivateKeyJwt(ctx))
    server.register_grant(
        AuthorizationCodeGrant, [S256CodeChallenge(required=True), OpenIDCode(ctx)]
    )
    server.register_grant(RefreshTokenGrant, [OpenIDRefresh(ctx)])
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(IntrospectionEndpoint)
    server.register_endpoint(RevocationEndpoint)
    server.register_endpoint(EndSessionEndpoint)
    return server
