"""Webhook retries over hours and disabling after days (issue 14, item 6), with a real
receiver over HTTP and the gateway's clock (``app.state.clock``) moved forward instead of
waiting: the Standard Webhooks schedule is followed to the second and then the delivery is
given up; a receiver down for an hour gets everything and stays subscribed; one failing for
longer than the disable period is disabled and its owner is told by an addressed event (on
its SSE feed and its other webhooks); re-enabling starts the run of failures afresh.

Every wait is for the delivery records (``webhook_helpers.move_to``), never for the receiver
alone: it has a request before the dispatcher records the answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from services.gateway.rules.retries import STANDARD_SCHEDULE
from tests.conftest import Suite
from tests.gateway.sse import open_stream, serve
from tests.gateway.webhook_helpers import (
    API,
    CLOCKED,
    at,
    deliveries,
    frozen_clock,
    get,
    move_to,
    new_event,
    quiet_rounds,
    settle,
    subscribe,
)
from tests.gateway.webhook_receiver import Receiver

ORG = "kl"


async def test_the_schedule_is_followed_then_the_delivery_is_given_up(
    suite_factory: Any,
) -> None:
    async with Receiver() as rx:
        rx.respond = lambda _r: 503
        suite: Suite = await suite_factory(gateway=CLOCKED)
        await settle(suite)
        clock = frozen_clock(suite)
        t0 = clock.now
        sub = await subscribe(suite, ORG, rx.url("/kl"), ["registry.organisation.*"])
        event = await new_event(suite)

        found = await move_to(suite, clock, t0, ORG, sub["id"], 1)
        for delay in STANDARD_SCHEDULE:  # each retry falls due exactly by the schedule
            due = at(found[event.event_id]["next_attempt_at"])
            assert due == clock.now + timedelta(seconds=delay)
            found = await move_to(suite, clock, due, ORG, sub["id"], 1)

        delivery = found[event.event_id]
        assert delivery["state"] == "failed" and delivery["next_attempt_at"] is None
        assert delivery["attempts"] == 8 and delivery["last_status"] == 503
        offsets = [0.0]
        for delay in STANDARD_SCHEDULE:
            offsets.append(offsets[-1] + delay)
        times = [at(a["at"]) for a in delivery["log"]]
        assert times == [t0 + timedelta(seconds=s) for s in offsets]  # 5 s, 5 min, … 10 h
        assert [at(a["retry_at"]) for a in delivery["log"]] == [*times[1:], None]
        assert (times[-1] - t0) == timedelta(hours=27, minutes=35, seconds=5)
        await quiet_rounds(suite)
        assert [r.webhook_id for r in rx.requests] == [event.event_id] * 8
        # a day and more of failing: given up, but the subscription stays on
        shown = await get(suite, ORG, f"/{sub['id']}")
        assert shown["enabled"] and shown["consecutive_failures"] == 8
        assert at(shown["failing_since"]) == t0


async def test_a_receiver_down_for_an_hour_gets_everything_and_stays_enabled(
    suite_factory: Any,
) -> None:
    async with Receiver() as rx:
        rx.respond = lambda _r: 500
        suite: Suite = await suite_factory(gateway=CLOCKED)
        await settle(suite)
        clock = frozen_clock(suite)
        t0 = clock.now
        sub = await subscribe(suite, ORG, rx.url("/kl"), ["registry.organisation.*"])
        early = [await new_event(suite) for _ in range(2)]
        # at once, after 5 s, after 5 min (due at 5 min 5 s; tried at 10 min)
        for seconds in (0, 5, 600):
            await move_to(suite, clock, t0 + timedelta(seconds=seconds), ORG, sub["id"], 2)
        late = await new_event(suite)  # 10 minutes into the outage: tried at once
        await move_to(suite, clock, t0 + timedelta(minutes=10), ORG, sub["id"], 3)
        found = await move_to(suite, clock, t0 + timedelta(minutes=50), ORG, sub["id"], 3)
        assert [found[e.event_id]["attempts"] for e in early] == [4, 4]
        assert found[late.event_id]["attempts"] == 2
        assert all(d["state"] == "pending" for d in found.values())
        shown = await get(suite, ORG, f"/{sub['id']}")
        assert shown["enabled"] and at(shown["failing_since"]) == t0
        # back after an hour: each delivery's next attempt by the schedule gets through
        rx.respond = lambda _r: 200
        found = await move_to(suite, clock, t0 + timedelta(hours=1), ORG, sub["id"], 3)
        assert found[late.event_id]["state"] == "delivered"  # due at 55 min
        assert found[late.event_id]["attempts"] == 3
        shown = await get(suite, ORG, f"/{sub['id']}")
        assert shown["failing_since"] is None and shown["consecutive_failures"] == 0
        found = await move_to(suite, clock, t0 + timedelta(hours=2, minutes=50), ORG, sub["id"], 3)
        assert all(d["state"] == "delivered" for d in found.values())
        assert [found[e.event_id]["attempts"] for e in early] == [5, 5]
        await quiet_rounds(suite)
        assert len(rx.requests) == 5 + 5 + 3
        assert [r.webhook_id for r in rx.requests[-3:]] == [
            late.event_id,
            *(e.event_id for e in early),
        ]
        shown = await get(suite, ORG, f"/{sub['id']}")
        assert shown["enabled"] and shown["disabled_reason"] is None
        assert shown["consecutive_failures"] == 0 and shown["failing_since"] is None


async def test_failing_past_the_disable_period_disables_and_tells_the_owner(
    suite_factory: Any,
) -> None:
    async with Receiver() as rx:
        rx.respond = lambda r: 200 if r.path == "/watch" else 500
        suite: Suite = await suite_factory(gateway=CLOCKED)
        await settle(suite)
        clock = frozen_clock(suite)
        t0 = clock.now
        # the URL holds a token in its path, as many receivers' do
        sub = await subscribe(suite, ORG, rx.url("/in/t0ken-s3cret"), ["registry.organisation.*"])
        watch = await subscribe(suite, ORG, rx.url("/watch"), ["gateway.webhook.*"])
        mine = await suite.auth(ORG)
        async with (
            serve(suite.dispatcher) as base,
            httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10.0, read=30.0)) as http,
            open_stream(http, params={"types": "gateway.*"}, headers=mine) as feed,
        ):
            event = await new_event(suite)
            await move_to(suite, clock, t0, ORG, sub["id"], 1)
            # four days of failing: still on
            await move_to(suite, clock, t0 + timedelta(days=4), ORG, sub["id"], 1)
            assert (await get(suite, ORG, f"/{sub['id']}"))["enabled"]
            # five: the next failed attempt turns it off
            off = t0 + timedelta(days=5)
            await move_to(suite, clock, off, ORG, sub["id"], 1)
            shown = await get(suite, ORG, f"/{sub['id']}")
            assert not shown["enabled"] and at(shown["disabled_at"]) == off

            # the owner's feed has the addressed event
            [message] = await feed.events_until(
                lambda m: m.json()["type"] == "gateway.webhook.disabled"
            )
            envelope = message.json()
            assert envelope["recipient"] == ORG and envelope["subject"] == sub["id"]
            data = envelope["data"]
            assert data == {
                "subscription_id": sub["id"],
                "url_host": "127.0.0.1",
                "cause": "failing",
                "reason": shown["disabled_reason"],
                "failing_since": data["failing_since"],
                "disabled_at": data["disabled_at"],
                "failed_attempts": 3,
                "last_status": 500,
            }
            assert at(data["failing_since"]) == t0 and at(data["disabled_at"]) == off
            assert "t0ken" not in message.data and "s3cret" not in message.data
            assert shown["disabled_reason"].startswith("No successful delivery for 5 days")
            # … and so does its other webhook
            found = await move_to(suite, clock, off, ORG, watch["id"], 1)
            [told] = found.values()
            assert told["event_type"] == "gateway.webhook.disabled"
            assert told["state"] == "delivered"
            assert rx.at("/watch")[0].json()["id"] == envelope["id"]

        # re-enabling starts afresh: the next failure begins a new run, the subscription stays
        r = await suite.http.post(f"{API}/{sub['id']}/enable", headers=mine)
        assert r.status_code == 200, r.text
        assert r.json()["failing_since"] is None and r.json()["consecutive_failures"] == 0
        found = await move_to(suite, clock, off, ORG, sub["id"], 1)
        assert found[event.event_id]["attempts"] == 4
        shown = await get(suite, ORG, f"/{sub['id']}")
        assert shown["enabled"] and at(shown["failing_since"]) == off
        assert shown["consecutive_failures"] == 1
        # fixed: the next attempt delivers it and the run is over
        rx.respond = lambda _r: 200
        found = await move_to(suite, clock, off + timedelta(hours=2), ORG, sub["id"], 1)
        assert found[event.event_id]["state"] == "delivered"
        shown = await get(suite, ORG, f"/{sub['id']}")
        assert shown["failing_since"] is None and shown["consecutive_failures"] == 0
        assert len(await deliveries(suite, ORG, watch["id"])) == 1  # no second notice
