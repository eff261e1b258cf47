"""Signing keys, client secrets and access tokens (OAuth2 client credentials)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import SigningKey
from shared.clock import utcnow


@dataclass
class Signer:
    kid: str
    private_key: Any
    issuer: str
    audience: str

    @classmethod
    def from_pem(cls, pem: str, *, issuer: str, audience: str) -> Signer:
        key = _private_key(pem)
        public_der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        kid = hashlib.sha256(public_der).hexdigest()[:16]
        return cls(kid=kid, private_key=key, issuer=issuer, audience=audience)

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def issue(
        self,
        *,
        client_id: str,
        organisation_id: str,
        organisation_kind: str,
        scopes: list[str],
        lifetime: int,
    ) -> str:
        now = int(utcnow().timestamp())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": client_id,
            "org": organisation_id,
            "org_kind": organisation_kind,
            "scope": " ".join(scopes),
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})


@functools.lru_cache(maxsize=8)
def _private_key(pem: str) -> Any:
    """The key of a PEM, parsed once per process (parsing checks the RSA key, ~40 ms; every
    start of the registry and every replica's reload would pay it again)."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


def generate_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


async def load_or_create_signing_pem(session: AsyncSession) -> str:
    """The registry's key, kept in its database so every replica signs alike."""
    row = (
        (await session.execute(select(SigningKey).order_by(SigningKey.created_at)))
        .scalars()
        .first()
    )
    if row is not None:
        return row.private_pem
    pem = generate_pem()
    signer = Signer.from_pem(pem, issuer="", audience="")
    session.add(SigningKey(kid=signer.kid, private_pem=pem, created_at=utcnow()))
    return pem


def new_client_credentials() -> tuple[str, str]:
    return "kf_" + secrets.token_hex(8), secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Client secrets are 256-bit random strings, so one SHA-256 round is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
