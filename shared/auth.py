"""Authentication and authorisation shared by every service.

The registry signs access tokens (OAuth2 client credentials, RS256); every service verifies
them against the registry's JWKS, fetched lazily and refreshed when an unknown key id shows up.
A token carries the calling organisation (``org``), its kind (``org_kind``) and scopes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Problem


@dataclass(frozen=True)
class Principal:
    client_id: str
    organisation_id: str
    organisation_kind: str
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def acting_as(
    organisation_id: str, kind: str, *scopes: str, client_id: str = "demo-loader"
) -> Principal:
    """A principal as a token of that organisation's client would make it: for loaders that
    go through the use cases as the party itself (demo data), not for requests."""
    return Principal(
        client_id=client_id,
        organisation_id=organisation_id,
        organisation_kind=kind,
        scopes=frozenset(scopes),
    )


class JwksVerifier:
    """Verifies RS256 tokens against a JWKS document at ``jwks_url``."""

    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str,
        audience: str,
        transport: httpx.AsyncBaseTransport | None = None,
        refresh_after: float = 300.0,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.transport = transport
        self.refresh_after = refresh_after
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    def use_keys(self, jwks: dict[str, Any]) -> None:
        """Load keys directly (the registry verifies its own tokens without HTTP)."""
        self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", [])}
        self._fetched_at = time.monotonic()

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < 1.0 and self._keys:
                return
            async with httpx.AsyncClient(transport=self.transport, timeout=5) as client:
                resp = await client.get(self.jwks_url)
                resp.raise_for_status()
                self.use_keys(resp.json())

    async def key_for(self, kid: str) -> Any:
        stale = time.monotonic() - self._fetched_at > self.refresh_after
        if kid not in self._keys or stale:
            try:
                await self._refresh()
            except Exception as exc:
                if kid not in self._keys:
                    raise Problem(
                        503,
                        "keys-unavailable",
                        "The token signing keys could not be fetched; try again shortly.",
                    ) from exc
        if kid not in self._keys:
            raise _invalid("The token is signed by an unknown key.")
        return self._keys[kid]

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise _invalid(f"The token cannot be read: {exc}") from exc
        if header.get("alg") != "RS256" or not header.get("kid"):
            raise _invalid("The token must be RS256 with a key id.")
        key = await self.key_for(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "org", "org_kind"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise _invalid("The token has expired; request a new one.") from exc
        except jwt.PyJWTError as exc:
            raise _invalid(f"The token is not valid: {exc}") from exc
        return Principal(
            client_id=str(claims["sub"]),
            organisation_id=str(claims["org"]),
            organisation_kind=str(claims["org_kind"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
        )


def _invalid(detail: str) -> Problem:
    return Problem(
        401, "invalid-token", detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


_bearer = HTTPBearer(auto_error=False)
#: ``openapi_extra`` of an operation that is public and takes a token optionally (more to see
#: with one). FastAPI lists the bearer requirement; the empty requirement added beside it is
#: OpenAPI's "or none at all".
OPTIONAL_TOKEN: dict[str, Any] = {"security": [{}]}

#: Where ``shared.guard.RequestGuard`` leaves the (token, caller) it verified before the body.
VERIFIED_CALLER = "verified_caller"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header (as ``HTTPBearer`` reads it)."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def missing_token() -> Problem:
    return Problem(
        401,
        "unauthorized",
        "This endpoint needs a bearer token (POST /registry/v1/oauth/token).",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def optional_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Principal | None:
    """The caller if a token was sent (and is valid); ``None`` for anonymous public reads."""
    if credentials is None:
        return None
    verified = getattr(request.state, VERIFIED_CALLER, None)
    if verified is not None and verified[0] == credentials.credentials:
        principal: Principal = verified[1]
    else:
        verifier: JwksVerifier = request.app.state.verifier
        principal = await verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


async def current_principal(principal: Principal | None = Depends(optional_principal)) -> Principal:
    if principal is None:
        raise missing_token()
    return principal


def require_scope(scope: str) -> Callable[..., Any]:
    """Dependency: the caller must hold ``scope``."""

    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.has(scope):
            raise Problem(
                403,
                "insufficient-scope",
                f"This action needs the scope '{scope}', which your client does not hold.",
                required_scope=scope,
            )
        return principal

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


def require_acting_as(principal: Principal, organisation_id: str, what: str = "this") -> None:
    """An organisation acts only as itself (docs/architecture.md: the external contract)."""
    if principal.organisation_id != organisation_id and not principal.has("admin"):
        raise Problem(
            403,
            "not-your-organisation",
            f"Only organisation {organisation_id} may do {what}; you act as "
            f"{principal.organisation_id}.",
        )
