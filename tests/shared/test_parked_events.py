"""``GET /<service>/v1/parked-events``: poison messages made visible, to admins only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import nats

from services.suite import SERVICES
from shared.events.envelope import CloudEvent
from shared.http import ERROR_PREVIEW
from tests.conftest import Suite, eventually

TYPE = "registry.organisation.registered"
CONSUMERS = ("funding", "referrals", "evaluation", "gateway")
ADMIN = "klyngeforum"  # the forum secretariat
FIELDS = {"id", "consumer", "event_id", "type", "subject", "deliveries", "error", "parked_at"}


async def _publish(suite: Suite, bodies: list[bytes]) -> None:
    nc = await nats.connect(suite.nats.url)
    try:
        js = nc.jetstream()
        for body in bodies:
            await js.publish(TYPE, body)
    finally:
        await nc.close()


async def _parked(suite: Suite, service: str, headers: dict[str, str], **params: Any) -> Any:
    resp = await suite.http.get(f"/{service}/v1/parked-events", headers=headers, params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_parked_events_listed_for_admins(suite_factory: Any) -> None:
    suite: Suite = await suite_factory(**{s: {"max_deliveries": 2} for s in CONSUMERS})
    admin = await suite.auth(ADMIN)
    started = datetime.now(UTC)
    # Two unreadable messages, then an event whose handler fails on every attempt.
    failing = CloudEvent(source="/registry", type=TYPE, data={"organisation_id": "no-name"})
    await _publish(suite, [b"{not json", b"\x00\xff", failing.to_json_bytes()])

    for service in CONSUMERS:

        async def three(service: str = service) -> Any:
            # the directory consumer's (the gateway's event log parks the same messages too)
            page = await _parked(suite, service, admin, consumer=f"{service}-directory")
            return page if len(page["items"]) == 3 else None

        page = await eventually(three)
        assert page["next_cursor"] is None
        unreadable, binary, handler = page["items"]
        assert unreadable["id"] < binary["id"] < handler["id"]  # oldest first
        for item in page["items"]:
            assert set(item) == FIELDS
            assert item["consumer"] == f"{service}-directory"
            assert item["subject"] == TYPE
            assert started <= datetime.fromisoformat(item["parked_at"]) <= datetime.now(UTC)
        assert [unreadable[k] for k in ("event_id", "type", "deliveries")] == [None, None, 1]
        assert unreadable["error"].startswith("unreadable message")
        assert [handler[k] for k in ("event_id", "type", "deliveries")] == [failing.id, TYPE, 2]
        # The stored error is the whole traceback; the list shows its end, the exception.
        assert len(handler["error"]) == ERROR_PREVIEW
        assert handler["error"].startswith("…")
        assert "ValidationError" in handler["error"]
        assert "name\n  Field required" in handler["error"]

        # Cursor pagination walks the same list.
        mine = {"consumer": f"{service}-directory"}
        first = await _parked(suite, service, admin, limit=2, **mine)
        assert [i["id"] for i in first["items"]] == [unreadable["id"], binary["id"]]
        assert first["next_cursor"]
        rest = await _parked(suite, service, admin, limit=2, cursor=first["next_cursor"], **mine)
        assert [i["id"] for i in rest["items"]] == [handler["id"]]
        assert rest["next_cursor"] is None
        # Unfiltered: every consumer's. The gateway's event log parked the two unreadable
        # messages too, and logged the third (logging does not read the payload).
        everything = await _parked(suite, service, admin, limit=100)
        assert len(everything["items"]) == (5 if service == "gateway" else 3)
        assert (await _parked(suite, service, admin, consumer="nobody"))["items"] == []

    # The registry consumes nothing: the same endpoint, an empty list.
    assert await _parked(suite, "registry", admin) == {"items": [], "next_cursor": None}


async def test_parked_events_need_the_admin_scope(suite: Suite) -> None:
    ministry = await suite.auth("fivu-rti")
    admin = await suite.auth(ADMIN)
    for service in SERVICES:
        path = f"/{service}/v1/parked-events"
        resp = await suite.http.get(path)
        assert resp.status_code == 401, (service, resp.text)
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.headers["www-authenticate"].startswith("Bearer")

        resp = await suite.http.get(path, headers=ministry)
        assert resp.status_code == 403, (service, resp.text)
        assert resp.headers["content-type"] == "application/problem+json"
        assert resp.json()["required_scope"] == "admin"

        resp = await suite.http.get(path, headers=admin)
        assert resp.status_code == 200, (service, resp.text)

        resp = await suite.http.get(path, headers=admin, params={"cursor": "not-a-cursor"})
        assert resp.status_code == 422, (service, resp.text)
        resp = await suite.http.get(path, headers=admin, params={"cursor": "WyJ4Il0"})  # ["x"]
        assert resp.status_code == 422, (service, resp.text)
