"""The identity provider's OpenID Connect client (authlib's Starlette integration): discovery
from the issuer, the authorization-code flow with PKCE (S256), ``state`` and ``nonce`` kept in
the session, the code exchanged for tokens and the ID token checked (signature by the
provider's JWKS, issuer, audience, expiry, nonce), and RP-initiated logout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth, OAuthError, StarletteOAuth2App
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import RedirectResponse

CLIENT_NAME = "kho"
SCOPES = "openid profile email"


class SignInRefused(Exception):  # noqa: N818 (a refusal the sign-in page explains)
    """The flow cannot end in a session; ``reason`` is a stable code for the audit log."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class SignedIn:
    claims: dict[str, Any]
    id_token: str


class IdentityProvider:
    """One per app; the provider's metadata and keys are fetched on first use and kept."""

    def __init__(self, issuer: str, client_id: str, client_secret: str | None) -> None:
        self.issuer = issuer
        oauth = OAuth()
        self._client: StarletteOAuth2App = oauth.register(
            CLIENT_NAME,
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPES,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_post" if client_secret else "none",
            },
        )

    async def start(self, request: Request, redirect_uri: str) -> RedirectResponse:
        """The redirect to the provider's authorization endpoint (new state, nonce, verifier)."""
        try:
            response: RedirectResponse = await self._client.authorize_redirect(
                request, redirect_uri
            )
        except (httpx.HTTPError, AuthlibBaseError, ValueError) as exc:
            raise SignInRefused(
                "idp_unreachable", "Không liên lạc được với hệ thống định danh; thử lại sau"
            ) from exc
        return response

    async def finish(self, request: Request) -> SignedIn:
        """The checked ID token's claims after the provider's redirect back; SignInRefused
        naming what failed otherwise."""
        state = request.query_params.get("state") or ""
        session = request.session
        data = await self._client.framework.get_state_data(session, state)
        if not data:
            raise SignInRefused(
                "state_mismatch",
                "Yêu cầu đăng nhập không hợp lệ hoặc đã được dùng (state); hãy đăng nhập lại",
            )
        if request.query_params.get("error"):
            await self._client.framework.clear_state_data(session, state)
            raise SignInRefused(
                "idp_error",
                f"Hệ thống định danh từ chối: {request.query_params.get('error')}",
            )
        if not data.get("code_verifier"):
            await self._client.framework.clear_state_data(session, state)
            raise SignInRefused(
                "missing_pkce_verifier", "Thiếu mã xác minh PKCE của phiên đăng nhập này"
            )
        if not request.query_params.get("code"):
            await self._client.framework.clear_state_data(session, state)
            raise SignInRefused("missing_code", "Thiếu mã cấp quyền (code) từ hệ thống định danh")
        try:
            token = await self._client.authorize_access_token(
                request, claims_options={"iss": {"essential": True, "values": [self.issuer]}}
            )
        except httpx.HTTPError as exc:
            raise SignInRefused(
                "idp_unreachable", "Không liên lạc được với hệ thống định danh; thử lại sau"
            ) from exc
        except (AuthlibBaseError, JoseError) as exc:
            # OAuthError: the token endpoint refused the code (invalid_grant: used, expired or a
            # wrong PKCE verifier); anything else is a claim or signature of the ID token
            reason = "code_refused" if isinstance(exc, OAuthError) else "invalid_id_token"
            raise SignInRefused(reason, _refusal_text(reason)) from exc
        claims = token.get("userinfo")
        if not claims or "id_token" not in token:
            raise SignInRefused("invalid_id_token", _refusal_text("invalid_id_token"))
        return SignedIn(dict(claims), str(token["id_token"]))

    async def end_session_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str:
        """The provider's end-session endpoint, so that signing out ends the SSO session too."""
        metadata = await self._client.load_server_metadata()
        endpoint = metadata.get("end_session_endpoint")
        if not endpoint:
            return post_logout_redirect_uri
        params = {
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": self._client.client_id,
        }
        if id_token:
            params["id_token_hint"] = id_token
        return str(httpx.URL(str(endpoint), params=params))

    async def jwks_uri(self) -> str:
        metadata = await self._client.load_server_metadata()
        return str(metadata["jwks_uri"])


def _refusal_text(reason: str) -> str:
    if reason == "code_refused":
        return "Hệ thống định danh không chấp nhận mã cấp quyền (đã dùng, hết hạn hoặc sai PKCE)"
    return (
        "Mã định danh (ID token) không hợp lệ: sai nơi cấp, sai đối tượng, sai chữ ký hoặc hết hạn"
    )
