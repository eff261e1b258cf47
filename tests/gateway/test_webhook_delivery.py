"""Webhook deliveries to a real receiver on loopback (issue 7's done-when): each subscribed
event once, signed (verified with the standardwebhooks package); nothing unsubscribed and no
event addressed to another organisation; retries, disabling after days of failing (on the
gateway's clock, moved by the test) with the reason shown to the owner, re-enabling and
redelivery; giving up, 410 Gone, the SSRF guard at delivery time; two dispatchers at once
still deliver each event once. The retry schedule over hours, an outage outlived and the
owner's event: ``test_webhook_retries.py``."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.gateway.models import LoggedEvent
from services.gateway.rules.signing import signature_headers
from services.gateway.rules.visibility import visible_to
from services.gateway.service.delivery import post_signed
from services.gateway.service.dispatch import Dispatcher
from services.gateway.settings import GatewaySettings
from shared.events.tasks import cancel_and_wait
from tests.conftest import Suite, eventually
from tests.funding.helpers import plan_call
from tests.gateway.webhook_helpers import (
    API,
    CLOCKED,
    FAST,
    OWNER,
    WAIT,
    at,
    frozen_clock,
    get,
    log_entries,
    logged,
    move_to,
    new_event,
    quiet_rounds,
    register_organisation,
    settle,
    subscribe,
)
from tests.gateway.webhook_receiver import Answer, Receiver

# --- pure parts ----------------------------------------------------------------------------


def test_signature_headers_verify_with_the_standardwebhooks_package() -> None:
    old, new = Webhook_secret(), Webhook_secret()
    body = '{"id":"e-1","type":"funding.call.planned"}'
    now = datetime.now(UTC)
    headers = signature_headers("e-1", body, [new, old], now)
    assert headers["webhook-id"] == "e-1"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert len(headers["webhook-signature"].split(" ")) == 2  # both secrets sign (rotation)
    for secret in (new, old):
        assert Webhook(secret).verify(body, headers) == {
            "id": "e-1",
            "type": "funding.call.planned",
        }
    with pytest.raises(WebhookVerificationError):
        Webhook(Webhook_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body.replace("e-1", "e-2"), headers)


def test_addressed_events_are_visible_only_to_their_recipient() -> None:
    assert visible_to(None, "kl")
    assert visible_to("kl", "kl")
    assert not visible_to("vaekstforum-bornholm", "kl")


async def test_post_signed_reports_refused_connections_and_slow_receivers() -> None:
    settings = GatewaySettings(webhook_allow_private=True, webhook_timeout_seconds=0.5)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    secret = Webhook_secret()
    async with Receiver() as rx, httpx.AsyncClient() as client:
        rx.respond = lambda r: Answer(200, delay=2.0) if r.path == "/slow" else Answer(202)

        async def post(url: str) -> Any:
            return await post_signed(
                client, settings, url, "e-1", "{}", [secret], lambda: datetime.now(UTC)
            )

        ok = await post(rx.url("/fine"))
        assert ok.ok and ok.status == 202 and ok.error is None
        assert rx.at("/fine")[0].verified(secret) == {}
        refused = await post(f"http://127.0.0.1:{closed_port}/hook")
        assert not refused.ok and refused.status is None
        assert refused.error and refused.error.startswith("cannot connect to 127.0.0.1")
        slow = await post(rx.url("/slow"))
        assert slow.error == "timeout after 0.5 s" and 400 < slow.duration_ms < 1500
        guarded = await post("http://169.254.169.254/latest/meta-data/")
        assert guarded.error == (
            "refused by the SSRF guard: 169.254.169.254 is the cloud metadata address"
        )
        assert len(rx.requests) == 2  # the refused ones never reached anyone


def Webhook_secret() -> str:
    from services.gateway.service.webhooks import new_secret

    return new_secret()


# --- delivery ------------------------------------------------------------------------------


async def test_each_subscribed_event_arrives_once_signed_and_only_what_the_owner_may_see(
    suite_factory: Any,
) -> None:
    async with Receiver() as rx:
        suite: Suite = await suite_factory(gateway=FAST)
        await settle(suite)
        nord = await subscribe(suite, OWNER, rx.url("/nord"), ["funding.*"])
        kl = await subscribe(suite, "kl", rx.url("/kl"), ["funding.dialogue.requested"])
        start = max([e.seq for e in await log_entries(suite)], default=0)

        # a signed ping first
        r = await suite.http.post(f"{API}/{nord['id']}/test", headers=await suite.auth(OWNER))
        assert r.status_code == 200, r.text
        assert r.json()["delivered"] is True and r.json()["status"] == 200
        [ping] = rx.at("/nord")
        assert ping.verified(nord["secret"])["type"] == "gateway.webhook.test"
        assert ping.webhook_id == r.json()["webhook_id"]

        # a registry event (not subscribed) and a strategic call: public funding events and
        # one addressed dialogue request per consulted party (growth forums, KL, ministries)
        org_id = await register_organisation(suite)
        call = await plan_call(suite, dialogue_deadline=str(date.today() + timedelta(days=30)))

        async def all_logged() -> list[LoggedEvent] | None:
            events = [e for e in await log_entries(suite) if e.seq > start]
            requests = [e for e in events if e.type == "funding.dialogue.requested"]
            return events if len(requests) == 11 else None

        events = await eventually(all_logged, timeout=WAIT)
        await logged(suite, "registry.organisation.registered", org_id)
        events = [e for e in await log_entries(suite) if e.seq > start]
        # the log holds events addressed to others, and events nord did not subscribe to
        assert any(e.recipient not in (None, OWNER) for e in events)
        assert any(e.type.startswith("registry.") for e in events)
        want_nord = [
            e for e in events if e.type.startswith("funding.") and e.recipient in (None, OWNER)
        ]
        want_kl = [
            e for e in events if e.type == "funding.dialogue.requested" and e.recipient == "kl"
        ]
        assert len(want_kl) == 1 and want_nord

        def got(path: str) -> list[Any]:
            return [r for r in rx.at(path) if r.json()["type"] != "gateway.webhook.test"]

        async def arrived() -> bool:
            return len(got("/nord")) >= len(want_nord) and len(got("/kl")) >= len(want_kl)

        await eventually(arrived, timeout=WAIT)
        await quiet_rounds(suite)  # and nothing more, nor twice

        for path, sub, want in [("/nord", nord, want_nord), ("/kl", kl, want_kl)]:
            received = got(path)
            assert [r.webhook_id for r in received] == [e.event_id for e in want]  # once, in order
            for request, event in zip(received, want, strict=True):
                payload = request.verified(sub["secret"])  # standardwebhooks verifies
                assert payload == event.envelope  # the CloudEvent as logged
                assert request.headers["content-type"] == "application/json"
                assert request.method == "POST"
        [dialogue] = [r.json() for r in got("/nord") if "dialogue" in r.json()["type"]]
        assert dialogue["recipient"] == OWNER and dialogue["data"]["call_id"] == call["id"]
        assert all(r.json()["recipient"] == "kl" for r in got("/kl"))

        # the delivery log shows each one delivered at the first attempt
        deliveries = (await get(suite, OWNER, f"/{nord['id']}/deliveries"))["items"]
        assert sorted(d["event_seq"] for d in deliveries) == [e.seq for e in want_nord]
        for d in deliveries:
            assert d["state"] == "delivered" and d["attempts"] == 1 and d["last_status"] == 200
            assert [a["status"] for a in d["log"]] == [200] and d["next_attempt_at"] is None
        page = await get(suite, OWNER, f"/{nord['id']}/deliveries?limit=2")
        assert len(page["items"]) == 2 and page["next_cursor"]
        rest = await get(suite, OWNER, f"/{nord['id']}/deliveries?cursor={page['next_cursor']}")
        assert len(page["items"]) + len(rest["items"]) == len(want_nord)


async def test_failing_receiver_is_retried_disabled_after_days_and_resumes_when_enabled(
    suite_factory: Any,
) -> None:
    async with Receiver() as rx:
        rx.respond = lambda _r: 500
        suite: Suite = await suite_factory(gateway=CLOCKED)
        await settle(suite)
        clock = frozen_clock(suite)
        t0 = clock.now
        owner = await suite.auth("kl")
        sub = await subscribe(suite, "kl", rx.url("/kl"), ["registry.organisation.*"])
        first = await new_event(suite)

        # tried at once and again by the schedule; a day of failing only delays it
        await move_to(suite, clock, t0, "kl", sub["id"], 1)
        await move_to(suite, clock, t0 + timedelta(days=1), "kl", sub["id"], 1)
        shown = await get(suite, "kl", f"/{sub['id']}")
        assert shown["enabled"] and shown["consecutive_failures"] == 2
        assert at(shown["failing_since"]) == t0
        # five days without a success: the next failed attempt turns it off
        await move_to(suite, clock, t0 + timedelta(days=5), "kl", sub["id"], 1)
        shown = await get(suite, "kl", f"/{sub['id']}")
        assert not shown["enabled"]
        await quiet_rounds(suite)
        assert [r.webhook_id for r in rx.requests] == [first.event_id] * 3
        for request in rx.requests:  # each signed (at the gateway's moved time)
            assert request.signed_by(sub["secret"])
            assert request.json()["id"] == first.event_id
        stamps = [int(r.headers["webhook-timestamp"]) for r in rx.requests]
        assert stamps == [int((t0 + timedelta(days=d)).timestamp()) for d in (0, 1, 5)]
        # the owner sees why
        assert shown["disabled_reason"] == (
            f"No successful delivery for 5 days (since {stamp(t0)}): 3 failed attempts in a "
            f"row; last: HTTP 500 at {stamp(t0 + timedelta(days=5))}."
        )
        assert at(shown["disabled_at"]) == t0 + timedelta(days=5)
        assert shown["consecutive_failures"] == 3 and at(shown["failing_since"]) == t0
        [delivery] = (await get(suite, "kl", f"/{sub['id']}/deliveries"))["items"]
        assert delivery["state"] == "pending" and delivery["attempts"] == 3
        assert delivery["last_status"] == 500 and delivery["event_id"] == first.event_id
        assert [a["status"] for a in delivery["log"]] == [500] * 3
        assert [a["attempt"] for a in delivery["log"]] == [1, 2, 3]
        # redelivery waits for the owner to enable it
        r = await suite.http.post(
            f"{API}/{sub['id']}/deliveries/{delivery['id']}/redeliver", headers=owner
        )
        assert r.status_code == 409 and "disabled" in r.json()["detail"]

        # while disabled, a new event is not sent
        second = await new_event(suite)
        await quiet_rounds(suite)
        assert len(rx.requests) == 3

        # the receiver is fixed; the owner re-enables: the pending one, then the new one
        rx.respond = lambda _r: 204
        r = await suite.http.post(f"{API}/{sub['id']}/enable", headers=owner)
        assert r.status_code == 200, r.text
        assert r.json()["enabled"] is True and r.json()["disabled_reason"] is None
        assert r.json()["consecutive_failures"] == 0 and r.json()["failing_since"] is None
        found = await move_to(suite, clock, clock.now, "kl", sub["id"], 2)
        await quiet_rounds(suite)
        assert [r.webhook_id for r in rx.requests[3:]] == [first.event_id, second.event_id]
        assert found[first.event_id]["state"] == "delivered"
        assert found[first.event_id]["attempts"] == 4
        assert [a["status"] for a in found[first.event_id]["log"]] == [500] * 3 + [204]
        assert found[second.event_id]["state"] == "delivered"

        # redelivery on request: the same webhook-id again, attempts counted afresh
        r = await suite.http.post(
            f"{API}/{sub['id']}/deliveries/{found[first.event_id]['id']}/redeliver",
            headers=owner,
        )
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "pending" and r.json()["attempts"] == 0
        again = (await move_to(suite, clock, clock.now, "kl", sub["id"], 2))[first.event_id]
        assert again["state"] == "delivered" and again["attempts"] == 1
        assert len(again["log"]) == 5
        assert rx.requests[5].webhook_id == first.event_id
        assert rx.requests[5].signed_by(sub["secret"])
        # another organisation cannot redeliver it
        r = await suite.http.post(
            f"{API}/{sub['id']}/deliveries/{again['id']}/redeliver",
            headers=await suite.auth(OWNER),
        )
        assert r.status_code == 404


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def test_give_up_gone_redirects_timeouts_and_the_guard_at_delivery_time(
    suite_factory: Any,
) -> None:
    settings = FAST | {
        "webhook_retry_schedule_seconds": (0.05, 0.05),  # three attempts, then given up
        "webhook_timeout_seconds": 1.0,
    }
    answers: dict[str, Answer] = {
        "/busy": Answer(503, {"retry-after": "0"}),
        "/gone": Answer(410),
        "/moved": Answer(302, {"location": "/elsewhere"}),
        "/slow": Answer(200, delay=3.0),
    }
    async with Receiver() as rx:
        rx.respond = lambda r: answers.get(r.path, Answer(200))
        suite: Suite = await suite_factory(gateway=settings)
        await settle(suite)
        orgs = {
            "/busy": "kl",
            "/gone": OWNER,
            "/moved": "vaekstforum-bornholm",
            "/slow": "vaekstforum-sjaelland",
        }
        subs = {
            path: await subscribe(suite, org, rx.url(path), ["registry.*"])
            for path, org in orgs.items()
        }
        event = await logged(
            suite, "registry.organisation.registered", await register_organisation(suite)
        )

        async def deliveries(path: str) -> list[Any]:
            got = await get(suite, orgs[path], f"/{subs[path]['id']}/deliveries")
            return list(got["items"])

        async def settled() -> bool:
            busy = await deliveries("/busy")
            gone = await get(suite, OWNER, f"/{subs['/gone']['id']}")
            slow = await deliveries("/slow")
            return (
                bool(busy)
                and busy[0]["state"] == "failed"
                and not gone["enabled"]
                and bool(slow)
                and slow[0]["state"] == "failed"
            )

        await eventually(settled, timeout=WAIT)
        # 503 three times: given up (failed); the subscription stays enabled (failing for
        # less than the disable period)
        [busy] = await deliveries("/busy")
        assert busy["attempts"] == 3 and [a["status"] for a in busy["log"]] == [503] * 3
        assert busy["next_attempt_at"] is None
        sub = await get(suite, "kl", f"/{subs['/busy']['id']}")
        assert sub["enabled"] and sub["consecutive_failures"] == 3
        assert len(rx.at("/busy")) == 3
        # 410 Gone: disabled at once, saying so
        gone = await get(suite, OWNER, f"/{subs['/gone']['id']}")
        assert "410 Gone" in gone["disabled_reason"] and len(rx.at("/gone")) == 1
        # a redirect is a failure and is not followed
        [moved] = await deliveries("/moved")
        assert moved["last_status"] == 302 and rx.at("/elsewhere") == []
        # too slow: a timeout
        [slow] = await deliveries("/slow")
        assert slow["last_error"] == "timeout after 1 s" and slow["last_status"] is None
        assert all(0 < a["duration_ms"] for a in slow["log"])

        # the failed one, redelivered, arrives once the receiver answers; failures reset
        answers["/busy"] = Answer(200)
        r = await suite.http.post(
            f"{API}/{subs['/busy']['id']}/deliveries/{busy['id']}/redeliver",
            headers=await suite.auth("kl"),
        )
        assert r.status_code == 200, r.text

        async def delivered() -> bool:
            return (await deliveries("/busy"))[0]["state"] == "delivered"

        await eventually(delivered, timeout=WAIT)
        assert rx.at("/busy")[-1].webhook_id == event.event_id
        assert (await get(suite, "kl", f"/{subs['/busy']['id']}"))["consecutive_failures"] == 0

        # loopback is no longer allowed: the next delivery is refused before any request
        suite.apps["gateway"].state.settings.webhook_allow_private = False
        before = len(rx.requests)
        await register_organisation(suite)

        async def refused() -> list[Any] | None:
            items = [d for d in await deliveries("/busy") if d["event_id"] != event.event_id]
            return items if items and items[0]["attempts"] >= 1 else None

        [blocked] = await eventually(refused, timeout=WAIT)
        assert blocked["last_error"] == (
            "refused by the SSRF guard: 127.0.0.1 is a loopback address"
        )
        assert blocked["last_status"] is None
        await asyncio.sleep(0.3)
        assert len(rx.requests) == before


async def test_two_dispatchers_deliver_each_event_once_and_rotation_signs_with_both(
    suite_factory: Any,
) -> None:
    async with Receiver() as rx:
        suite: Suite = await suite_factory(gateway=FAST)
        gateway = suite.apps["gateway"]
        await settle(suite)
        sub = await subscribe(suite, "kl", rx.url("/kl"), ["registry.organisation.*"])
        # two more dispatchers on the same database, as two more replicas would run
        extra = [
            asyncio.create_task(
                Dispatcher(gateway.state.session_factory, gateway.state.settings).run()
            )
            for _ in range(2)
        ]
        try:
            ids = [await register_organisation(suite) for _ in range(6)]
            events = [await logged(suite, "registry.organisation.registered", i) for i in ids]

            async def all_arrived() -> bool:
                return len(rx.requests) >= len(events)

            await eventually(all_arrived, timeout=WAIT)
            await quiet_rounds(suite)
        finally:
            for task in extra:
                await cancel_and_wait(task)
        assert sorted(r.webhook_id for r in rx.requests) == sorted(e.event_id for e in events)
        deliveries = (await get(suite, "kl", f"/{sub['id']}/deliveries"))["items"]
        assert len(deliveries) == 6 and all(d["attempts"] == 1 for d in deliveries)

        # after a rotation both the new and the old secret verify the next delivery
        r = await suite.http.post(
            f"{API}/{sub['id']}/rotate-secret", headers=await suite.auth("kl")
        )
        assert r.status_code == 200, r.text
        new_secret = r.json()["secret"]
        await register_organisation(suite)

        async def seventh() -> bool:
            return len(rx.requests) >= 7

        await eventually(seventh, timeout=WAIT)
        last = rx.requests[6]
        assert last.verified(new_secret) == last.verified(sub["secret"])
        assert len(last.headers["webhook-signature"].split(" ")) == 2
