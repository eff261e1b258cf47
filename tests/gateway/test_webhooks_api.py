"""Webhook subscriptions through the API: who may, the SSRF guard, the secret shown once,
Idempotency-Key, If-Match, and one organisation never seeing another's."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Suite

API = "/gateway/v1/webhooks"
PROBLEM = "application/problem+json"
OWNER = "vaekstforum-nordjylland"
OTHER = "kl"
PUBLIC_URL = "https://93.184.216.34/hooks/klyngeforum"


def problem(resp: httpx.Response, status: int, kind: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM), resp.headers
    body: dict[str, Any] = resp.json()
    if kind:
        assert body["type"].endswith("/" + kind), body
    return body


async def create(suite: Suite, org: str = OWNER, **body: Any) -> httpx.Response:
    payload = {"url": PUBLIC_URL, "patterns": ["funding.*"]} | body
    return await suite.http.post(API, json=payload, headers=await suite.auth(org))


async def test_urls_to_metadata_private_and_loopback_addresses_are_refused(suite: Suite) -> None:
    cases = {
        "http://169.254.169.254/latest/meta-data/": "169.254.169.254 is the cloud metadata address",
        "http://10.0.0.1/hook": "10.0.0.1 is a private address",
        "http://127.0.0.1:8080/hook": "127.0.0.1 is a loopback address",
        "http://localhost:8080/hook": "is a loopback address",
        "http://[::ffff:10.0.0.1]/hook": "(10.0.0.1) is a private address",
        "http://100.64.0.7/hook": "carrier-grade NAT",
        "ftp://93.184.216.34/hook": "only http and https",
        "https://user:pw@93.184.216.34/hook": "user name or password",
    }
    for url, reason in cases.items():
        body = problem(await create(suite, url=url), 422, "unsafe-webhook-url")
        assert reason in body["detail"], (url, body)
        assert reason in body["reason"] and body["url"] == url
    # nothing was created
    r = await suite.http.get(API, headers=await suite.auth(OWNER))
    assert r.status_code == 200 and r.json()["items"] == []


async def test_allow_private_lets_loopback_through_but_never_the_metadata_address(
    suite_factory: Any,
) -> None:
    suite = await suite_factory(gateway={"webhook_allow_private": True})
    assert (await create(suite, url="http://127.0.0.1:9/hook")).status_code == 201
    assert (await create(suite, url="http://10.0.0.1/hook")).status_code == 201
    body = problem(await create(suite, url="http://169.254.169.254/"), 422, "unsafe-webhook-url")
    assert "169.254.169.254 is the cloud metadata address" in body["detail"]
    problem(await create(suite, url="http://[fe80::1]/"), 422, "unsafe-webhook-url")


async def test_subscription_lifecycle_secret_once_etag_and_rotation(suite: Suite) -> None:
    owner = await suite.auth(OWNER)
    r = await create(suite, patterns=["funding.*", "*.dialogue.*", "funding.*"], description="ERP")
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["secret"].startswith("whsec_") and len(sub["secret"]) > 40
    assert r.headers["location"] == f"{API}/{sub['id']}"
    assert r.headers["etag"] == '"1"' and r.headers["cache-control"] == "no-store"
    assert sub["organisation_id"] == OWNER and sub["enabled"] is True
    assert sub["patterns"] == ["funding.*", "*.dialogue.*"]  # the repeat kept once
    assert sub["disabled_reason"] is None and sub["consecutive_failures"] == 0

    # later reads never show the secret
    r = await suite.http.get(f"{API}/{sub['id']}", headers=owner)
    assert r.status_code == 200 and "secret" not in r.json() and r.headers["etag"] == '"1"'
    r = await suite.http.get(API, headers=owner)
    assert [s["id"] for s in r.json()["items"]] == [sub["id"]]
    assert "secret" not in r.json()["items"][0]

    # PATCH needs If-Match; a stale one is refused; the URL is guarded again
    url = f"{API}/{sub['id']}"
    problem(await suite.http.patch(url, json={"description": "x"}, headers=owner), 428)
    stale = owner | {"If-Match": '"7"'}
    problem(await suite.http.patch(url, json={"description": "x"}, headers=stale), 412)
    fresh = owner | {"If-Match": '"1"'}
    body = problem(
        await suite.http.patch(url, json={"url": "http://10.0.0.1/"}, headers=fresh),
        422,
        "unsafe-webhook-url",
    )
    assert "10.0.0.1 is a private address" in body["detail"]
    problem(await suite.http.patch(url, json={"patterns": []}, headers=fresh), 422)
    problem(await suite.http.patch(url, json={}, headers=fresh), 422)
    problem(await suite.http.patch(url, json={"url": None}, headers=fresh), 422)
    r = await suite.http.patch(
        url,
        json={"patterns": ["referrals.referral.*"], "url": "https://93.184.216.34/v2"},
        headers=fresh,
    )
    assert r.status_code == 200, r.text
    assert r.json()["patterns"] == ["referrals.referral.*"]
    assert r.json()["url"] == "https://93.184.216.34/v2" and r.headers["etag"] == '"2"'

    # a new secret, shown once, and the old one signs on for a while
    r = await suite.http.post(f"{url}/rotate-secret", headers=owner)
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != sub["secret"]
    assert rotated["previous_secret_expires_at"] and rotated["version"] == 3
    assert r.headers["cache-control"] == "no-store"
    assert "secret" not in (await suite.http.get(url, headers=owner)).json()

    # enabling an enabled subscription changes nothing
    r = await suite.http.post(f"{url}/enable", headers=owner)
    assert r.status_code == 200 and r.json()["version"] == 3

    r = await suite.http.get(f"{url}/deliveries", headers=owner)
    assert r.status_code == 200 and r.json()["items"] == []

    assert (await suite.http.delete(url, headers=owner)).status_code == 204
    problem(await suite.http.get(url, headers=owner), 404, "not-found")
    problem(await suite.http.delete(url, headers=owner), 404)


async def test_invalid_patterns_are_refused_with_the_reason(suite: Suite) -> None:
    problem(await create(suite, patterns=[]), 422)
    body = problem(await create(suite, patterns=["fundng.*"]), 422)
    assert "'fundng.*' matches no event type" in body["detail"]
    problem(await create(suite, patterns=["funding.call*"]), 422)
    problem(await create(suite, patterns=["funding.*"], colour="red"), 422)
    problem(await create(suite, url="x" * 2001), 422)


async def test_idempotency_key_gives_the_first_answer_and_one_subscription(suite: Suite) -> None:
    headers = await suite.auth(OWNER) | {"Idempotency-Key": "erp-setup-1"}
    body = {"url": PUBLIC_URL, "patterns": ["funding.call.*"]}
    first = await suite.http.post(API, json=body, headers=headers)
    again = await suite.http.post(API, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()  # the same id and secret
    assert again.headers["location"] == first.headers["location"]
    other = await suite.http.post(API, json=body | {"description": "x"}, headers=headers)
    problem(other, 422, "idempotency-key-reused")
    r = await suite.http.get(API, headers=await suite.auth(OWNER))
    assert len(r.json()["items"]) == 1


async def test_only_the_owner_sees_and_changes_a_subscription(suite: Suite) -> None:
    sub = (await create(suite)).json()
    url = f"{API}/{sub['id']}"
    other = await suite.auth(OTHER)
    # another organisation: as if it did not exist
    problem(await suite.http.get(url, headers=other), 404)
    problem(
        await suite.http.patch(url, json={"description": "x"}, headers=other | {"If-Match": "*"}),
        404,
    )
    problem(await suite.http.delete(url, headers=other), 404)
    problem(await suite.http.post(f"{url}/enable", headers=other), 404)
    problem(await suite.http.post(f"{url}/rotate-secret", headers=other), 404)
    problem(await suite.http.post(f"{url}/test", headers=other), 404)
    problem(await suite.http.get(f"{url}/deliveries", headers=other), 404)
    problem(await suite.http.post(f"{url}/deliveries/whd-x/redeliver", headers=other), 404)
    r = await suite.http.get(API, headers=other)
    assert r.status_code == 200 and r.json()["items"] == []
    # no token: 401; a token without webhooks:write: 403
    for method, path in [
        ("GET", API),
        ("POST", API),
        ("GET", url),
        ("DELETE", url),
        ("GET", f"{url}/deliveries"),
        ("POST", f"{url}/enable"),
    ]:
        problem(await suite.http.request(method, path, json={}), 401)
    narrow = await suite.auth(OWNER, scopes=["funding:write"])
    problem(await suite.http.get(url, headers=narrow), 403)
    problem(
        await suite.http.post(API, json={"url": PUBLIC_URL, "patterns": ["*"]}, headers=narrow),
        403,
    )
    # the owner still has it, unchanged
    r = await suite.http.get(url, headers=await suite.auth(OWNER))
    assert r.status_code == 200 and r.json()["version"] == 1
    # an unknown delivery of one's own subscription is 404 too
    owner = await suite.auth(OWNER)
    problem(await suite.http.post(f"{url}/deliveries/whd-x/redeliver", headers=owner), 404)
    problem(await suite.http.get(f"{url}/deliveries?state=lost", headers=owner), 422)
    problem(await suite.http.get(f"{url}/deliveries?cursor=%%%", headers=owner), 422)
