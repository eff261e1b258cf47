"""OAuth2 client credentials, JWKS, bearer-token checks and scopes (registry and one consumer)."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
import structlog.testing
from sqlalchemy import select, update

from services.registry.models import ApiClient, SigningKey
from services.registry.tokens import Signer, generate_pem
from shared.errors import Problem
from tests.conftest import Suite

TOKEN = "/registry/v1/oauth/token"
JWKS = "/registry/.well-known/jwks.json"
ORGS = "/registry/v1/organisations"
CLIENTS = "/registry/v1/clients"
PROBLEM = "application/problem+json"
FIVU_SCOPES = ["evaluation:write", "funding:write", "organisations:write", "webhooks:write"]


def assert_problem(resp: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert body["status"] == status
    assert body["type"] == f"https://klyngeforum.dk/problems/{kind}"
    assert body["detail"]
    return body


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def request_token(suite: Suite, **form: str) -> httpx.Response:
    return await suite.http.post(TOKEN, data={"grant_type": "client_credentials", **form})


def registry_signer(suite: Suite) -> Signer:
    signer: Signer = suite.apps["registry"].state.signer
    return signer


def forged(suite: Suite, **changes: Any) -> str:
    """A token like the registry's, with claims or signing changed."""
    signer = registry_signer(suite)
    now = int(time.time())
    claims = {
        "iss": signer.issuer,
        "aud": signer.audience,
        "sub": "kf_forged",
        "org": "fivu-rti",
        "org_kind": "ministry",
        "scope": "organisations:write",
        "iat": now,
        "exp": now + 600,
    }
    key = changes.pop("key", signer.private_key)
    kid = changes.pop("kid", signer.kid)
    algorithm = changes.pop("algorithm", "RS256")
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


NEW_ORG = {"name": "Token Test Klynge", "kind": "cluster_organisation"}


# --- token endpoint ---------------------------------------------------------------------


async def test_token_by_form_and_by_basic_auth(suite: Suite) -> None:
    client_id, secret = await suite.credentials_for("fivu-rti")
    jwks = (await suite.http.get(JWKS)).json()
    kids = {k["kid"] for k in jwks["keys"]}

    by_form = await request_token(suite, client_id=client_id, client_secret=secret)
    by_basic = await suite.http.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    for resp in (by_form, by_basic):
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        assert body["scope"].split() == FIVU_SCOPES
        token = body["access_token"]
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "RS256"
        assert header["kid"] in kids
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["sub"] == client_id
        assert (claims["org"], claims["org_kind"]) == ("fivu-rti", "ministry")
        assert (claims["iss"], claims["aud"]) == ("klyngeforum-registry", "klyngeforum")
        assert claims["exp"] - claims["iat"] == 3600
        # And it is accepted for a write.
        created = await suite.http.post(
            ORGS,
            json={**NEW_ORG, "name": f"Klynge {resp is by_form}"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text


async def test_bad_client_credentials(suite: Suite) -> None:
    client_id, secret = await suite.credentials_for("fivu-rti")
    attempts = [
        request_token(suite, client_id=client_id, client_secret=secret + "x"),
        request_token(suite, client_id="kf_0000000000000000", client_secret=secret),
        request_token(suite, client_id=client_id),
        request_token(suite),
        suite.http.post(
            TOKEN, data={"grant_type": "client_credentials"}, headers=basic(client_id, "wrong")
        ),
        suite.http.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic %%%not-base64"},
        ),
        request_token(suite, client_id="kf_\x00", client_secret=secret),
    ]
    for attempt in attempts:
        resp = await attempt
        body = assert_problem(resp, 401, "invalid-client")
        assert body["error"] == "invalid_client"
        assert resp.headers["www-authenticate"].startswith("Basic")
        assert "access_token" not in body


async def test_disabled_client_gets_no_token(suite: Suite) -> None:
    client_id, secret = await suite.credentials_for("fivu-rti")
    async with suite.apps["registry"].state.session_factory() as session, session.begin():
        await session.execute(
            update(ApiClient)
            .where(ApiClient.client_id == client_id)
            .values(disabled_at=datetime.now(UTC))
        )
    resp = await request_token(suite, client_id=client_id, client_secret=secret)
    assert assert_problem(resp, 401, "invalid-client")["error"] == "invalid_client"


async def test_unsupported_grant_type(suite: Suite) -> None:
    client_id, secret = await suite.credentials_for("fivu-rti")
    resp = await suite.http.post(
        TOKEN, data={"grant_type": "password", "client_id": client_id, "client_secret": secret}
    )
    assert assert_problem(resp, 400, "unsupported-grant-type")["error"] == "unsupported_grant_type"
    # A missing grant_type is a validation error of the form.
    missing = await suite.http.post(TOKEN, data={"client_id": client_id, "client_secret": secret})
    assert_problem(missing, 422, "validation-error")


async def test_scope_narrowing(suite: Suite) -> None:
    client_id, secret = await suite.credentials_for("fivu-rti")
    resp = await request_token(
        suite, client_id=client_id, client_secret=secret, scope="funding:write"
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["scope"] == "funding:write"
    token = resp.json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["scope"] == "funding:write"
    # The narrowed token no longer carries organisations:write.
    denied = await suite.http.post(ORGS, json=NEW_ORG, headers={"Authorization": f"Bearer {token}"})
    assert_problem(denied, 403, "insufficient-scope")

    two = await request_token(
        suite,
        client_id=client_id,
        client_secret=secret,
        scope="organisations:write funding:write",
    )
    assert two.json()["scope"] == "funding:write organisations:write"


async def test_scope_not_held_is_invalid_scope(suite: Suite) -> None:
    client_id, secret = await suite.credentials_for("fivu-rti", ["funding:write"])
    for scope in ("organisations:write", "funding:write admin", "no-such-scope"):
        resp = await request_token(suite, client_id=client_id, client_secret=secret, scope=scope)
        body = assert_problem(resp, 400, "invalid-scope")
        assert body["error"] == "invalid_scope"


async def test_jwks_publishes_the_signing_key(suite: Suite) -> None:
    resp = await suite.http.get(JWKS)
    assert resp.status_code == 200
    keys = resp.json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert key["kid"] == registry_signer(suite).kid
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "private key material published"
    token = await suite.token_for("kl")
    public = jwt.PyJWK(key).key
    claims = jwt.decode(token, public, algorithms=["RS256"], audience="klyngeforum")
    assert (claims["org"], claims["org_kind"]) == ("kl", "municipal_association")


async def test_without_a_configured_key_the_key_is_made_once_and_kept_in_the_database(
    suite_factory: Any,
) -> None:
    """With no ``REGISTRY_SIGNING_KEY_PEM`` the registry generates its key at the first start
    and keeps it in its database, so every replica (and the next start) signs alike."""
    suite = await suite_factory(registry={"signing_key_pem": ""})
    registry = suite.apps["registry"]
    async with registry.state.session_factory() as session:
        (stored,) = (await session.execute(select(SigningKey))).scalars().all()
    assert stored.kid == registry_signer(suite).kid
    again = Signer.from_pem(stored.private_pem, issuer="i", audience="a")
    assert again.kid == stored.kid
    jwks = (await suite.http.get(JWKS)).json()
    assert [k["kid"] for k in jwks["keys"]] == [stored.kid]


# --- bearer tokens on a protected endpoint ------------------------------------------------


async def test_missing_or_malformed_token_is_401(suite: Suite) -> None:
    resp = await suite.http.post(ORGS, json=NEW_ORG)
    assert_problem(resp, 401, "unauthorized")
    assert resp.headers["www-authenticate"] == "Bearer"

    for header in ("Bearer not-a-jwt", "Bearer a.b.c", "Bearer ", "Basic Zm9vOmJhcg=="):
        resp = await suite.http.post(ORGS, json=NEW_ORG, headers={"Authorization": header})
        assert resp.status_code == 401, (header, resp.text)
        assert resp.headers["content-type"] == PROBLEM
        assert resp.headers["www-authenticate"].startswith("Bearer")


async def test_invalid_tokens_are_401(suite: Suite) -> None:
    now = int(time.time())
    other = Signer.from_pem(generate_pem(), issuer="klyngeforum-registry", audience="klyngeforum")
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("expired", {"exp": now - 120, "iat": now - 3720}, "expired"),
        ("other-key", {"key": other.private_key, "kid": other.kid}, "unknown key"),
        ("other-key-same-kid", {"key": other.private_key}, "not valid"),
        ("audience", {"aud": "someone-else"}, "not valid"),
        ("issuer", {"iss": "evil-registry"}, "not valid"),
        ("not-yet-valid", {"iat": now + 3600, "nbf": now + 3600}, "not valid"),
        ("no-org-kind", {"org_kind": None}, "not valid"),
        ("hs256", {"algorithm": "HS256", "key": "s" * 32}, "RS256"),
    ]
    for case, changes, detail in cases:
        token = forged(suite, **changes)
        resp = await suite.http.post(
            ORGS, json=NEW_ORG, headers={"Authorization": f"Bearer {token}"}
        )
        body = assert_problem(resp, 401, "invalid-token")
        assert detail in body["detail"], (case, body["detail"])
        assert 'error="invalid_token"' in resp.headers["www-authenticate"], case


async def test_forged_token_control_is_accepted(suite: Suite) -> None:
    """The forging helper itself makes valid tokens, so the 401s above are about the change."""
    resp = await suite.http.post(
        ORGS, json=NEW_ORG, headers={"Authorization": f"Bearer {forged(suite)}"}
    )
    assert resp.status_code == 201, resp.text


async def test_token_without_organisations_write_is_403(suite: Suite) -> None:
    created = await suite.http.post(
        ORGS,
        json={"name": "Erhvervshus Test", "kind": "growth_house", "municipality_code": "0751"},
        headers=await suite.auth("klyngeforum"),
    )
    assert created.status_code == 201, created.text
    house = created.json()["id"]
    token = await suite.token_for(house)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["org_kind"] == "growth_house"
    assert "organisations:write" not in claims["scope"].split()

    resp = await suite.http.post(ORGS, json=NEW_ORG, headers={"Authorization": f"Bearer {token}"})
    body = assert_problem(resp, 403, "insufficient-scope")
    assert body["required_scope"] == "organisations:write"
    # Municipalities may not register organisations either (scope not in their kind's set).
    resp = await suite.http.post(ORGS, json=NEW_ORG, headers=await suite.auth("kommune-0751"))
    assert_problem(resp, 403, "insufficient-scope")


# --- API clients ------------------------------------------------------------------------


async def test_creating_clients_needs_clients_write(suite: Suite) -> None:
    request = {"organisation_id": "kommune-0751", "name": "Aarhus sagssystem"}
    denied = await suite.http.post(CLIENTS, json=request, headers=await suite.auth("fivu-rti"))
    assert assert_problem(denied, 403, "insufficient-scope")["required_scope"] == "clients:write"
    assert_problem(await suite.http.post(CLIENTS, json=request), 401, "unauthorized")

    resp = await suite.http.post(CLIENTS, json=request, headers=await suite.auth("klyngeforum"))
    assert resp.status_code == 201, resp.text
    client = resp.json()
    assert client["organisation_id"] == "kommune-0751"
    assert client["name"] == "Aarhus sagssystem"
    assert client["scopes"] == ["funding:write", "referrals:write", "webhooks:write"]
    assert client["client_id"].startswith("kf_") and len(client["client_secret"]) >= 32

    token = await request_token(
        suite, client_id=client["client_id"], client_secret=client["client_secret"]
    )
    assert token.status_code == 200, token.text
    claims = jwt.decode(token.json()["access_token"], options={"verify_signature": False})
    assert (claims["org"], claims["org_kind"]) == ("kommune-0751", "municipality")
    assert claims["scope"] == "funding:write referrals:write webhooks:write"


async def test_client_scopes_are_bounded_by_organisation_kind(suite: Suite) -> None:
    headers = await suite.auth("klyngeforum")
    narrow = await suite.http.post(
        CLIENTS,
        json={"organisation_id": "region-1082", "name": "Midt", "scopes": ["funding:write"]},
        headers=headers,
    )
    assert narrow.status_code == 201, narrow.text
    assert narrow.json()["scopes"] == ["funding:write"]

    for scopes in (["organisations:write"], ["funding:write", "admin"], ["clients:write"]):
        resp = await suite.http.post(
            CLIENTS,
            json={"organisation_id": "region-1082", "name": "Midt", "scopes": scopes},
            headers=headers,
        )
        body = assert_problem(resp, 422, "scope-not-allowed")
        assert "region" in body["detail"]

    missing = await suite.http.post(
        CLIENTS, json={"organisation_id": "no-such-org", "name": "x"}, headers=headers
    )
    assert_problem(missing, 404, "not-found")


# --- other services verify registry tokens through the JWKS --------------------------------


async def test_another_service_verifies_registry_tokens_via_jwks(suite: Suite) -> None:
    verifier = suite.apps["funding"].state.verifier
    assert registry_signer(suite).kid not in verifier._keys  # nothing fetched yet

    token = await suite.token_for("region-1082")
    principal = await verifier.verify(token)
    assert principal.organisation_id == "region-1082"
    assert principal.organisation_kind == "region"
    assert principal.scopes == frozenset({"funding:write", "webhooks:write"})
    assert principal.client_id.startswith("kf_")
    assert registry_signer(suite).kid in verifier._keys  # fetched over HTTP from the registry

    other = Signer.from_pem(generate_pem(), issuer="klyngeforum-registry", audience="klyngeforum")
    stranger = other.issue(
        client_id="kf_x",
        organisation_id="region-1082",
        organisation_kind="region",
        scopes=["funding:write"],
        lifetime=600,
    )
    with pytest.raises(Problem) as refused:
        await verifier.verify(stranger)
    assert refused.value.status == 401
    assert "unknown key" in refused.value.detail

    with pytest.raises(Problem) as expired:
        await verifier.verify(forged(suite, exp=int(time.time()) - 60))
    assert expired.value.status == 401


# --- throttling failed token requests (issue 14) ----------------------------------------


async def test_failed_token_requests_are_throttled_and_logged_without_the_secret(
    suite_factory: Any,
) -> None:
    suite = await suite_factory(
        registry={"token_failures_per_client": 3, "token_failures_per_address": 5}
    )
    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    suite.apps["registry"].state.clock = lambda: now[0]
    client_id, secret = await suite.credentials_for("fivu-rti")
    other_id, other_secret = await suite.credentials_for("vaekstforum-midtjylland")

    with structlog.testing.capture_logs() as logs:
        for n in range(3):
            resp = await request_token(suite, client_id=client_id, client_secret=f"guess-{n}")
            assert_problem(resp, 401, "invalid-client")
    refused = [line for line in logs if line["event"] == "token_refused"]
    assert len(refused) == 3
    for line in refused:
        assert (line["client_id"], line["address"]) == (client_id, "127.0.0.1")
        assert "guess-" not in repr(line) and secret not in repr(line)

    # Past the limit, the right secret too waits for the window.
    resp = await request_token(suite, client_id=client_id, client_secret=secret)
    body = assert_problem(resp, 429, "too-many-requests")
    assert resp.headers["retry-after"] == "60" and body["retry_after"] == 60
    # Another client from the same address is not held up by it.
    resp = await request_token(suite, client_id=other_id, client_secret=other_secret)
    assert resp.status_code == 200, resp.text

    now[0] += timedelta(seconds=45)
    resp = await request_token(suite, client_id=client_id, client_secret=secret)
    assert assert_problem(resp, 429, "too-many-requests")["retry_after"] == 15
    now[0] += timedelta(seconds=15)
    resp = await request_token(suite, client_id=client_id, client_secret=secret)
    assert resp.status_code == 200, resp.text

    # The address has its own limit: guesses spread over client ids (5 failures in the
    # window, the first three have left it) hold up every client from there.
    for n in range(5):
        resp = await request_token(suite, client_id=f"kf_guess{n}", client_secret="x")
        assert_problem(resp, 401, "invalid-client")
    resp = await request_token(suite, client_id=other_id, client_secret=other_secret)
    assert_problem(resp, 429, "too-many-requests")
    now[0] += timedelta(seconds=61)
    resp = await request_token(suite, client_id=other_id, client_secret=other_secret)
    assert resp.status_code == 200, resp.text

    openapi = (await suite.http.get("/registry/openapi.json")).json()
    assert "Retry-After" in openapi["paths"][TOKEN]["post"]["responses"]["429"]["headers"]
