"""What the webhook delivery tests share: subscribing, registering organisations (a
``registry.organisation.registered`` event each), waiting for the gateway log and the
dispatcher, reading the delivery log, and a clock the tests move instead of waiting hours."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

from sqlalchemy import select

from services.gateway.models import LoggedEvent
from services.gateway.service.dispatch import Dispatcher
from tests.conftest import Suite, eventually

API = "/gateway/v1/webhooks"
OWNER = "vaekstforum-nordjylland"
#: Small numbers so retries take milliseconds; loopback receivers allowed (tests only).
FAST: dict[str, Any] = {
    "webhook_allow_private": True,
    "webhook_retry_schedule_seconds": (0.05,) * 7,
    "webhook_retry_jitter": 0.0,
    "webhook_poll_seconds": 0.1,
    "webhook_timeout_seconds": 2.0,
}
#: The real schedule and disable period, exact (no jitter), on a clock the test moves.
CLOCKED: dict[str, Any] = {
    "webhook_allow_private": True,
    "webhook_retry_jitter": 0.0,
    "webhook_poll_seconds": 0.05,
    "webhook_timeout_seconds": 2.0,
}
#: Seconds to wait for events to travel outbox → NATS → gateway log → receiver (generous:
#: a busy machine is slow; a passing wait returns at once).
WAIT = 30.0
_names = count(1)


class Clock:
    """The gateway's clock in a test (``app.state.clock``): it stands still until moved."""

    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now


def frozen_clock(suite: Suite) -> Clock:
    """Fix the gateway's time at the real now (whole seconds); the test moves it."""
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    suite.apps["gateway"].state.clock = clock
    return clock


def at(value: str | None) -> datetime | None:
    """A time of the API's answers as a datetime."""
    return None if value is None else datetime.fromisoformat(value)


async def subscribe(suite: Suite, org: str, url: str, patterns: list[str]) -> dict[str, Any]:
    r = await suite.http.post(
        API, json={"url": url, "patterns": patterns}, headers=await suite.auth(org)
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def register_organisation(suite: Suite) -> str:
    r = await suite.http.post(
        "/registry/v1/organisations",
        json={
            "name": f"Webhook Erhvervshus {next(_names)}",
            "kind": "growth_house",
            "municipality_code": "0851",
        },
        headers=await suite.auth("klyngeforum"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def log_entries(suite: Suite) -> list[LoggedEvent]:
    async with suite.apps["gateway"].state.session_factory() as session:
        return list(
            (await session.execute(select(LoggedEvent).order_by(LoggedEvent.seq))).scalars()
        )


async def logged(suite: Suite, type_: str, subject: str) -> LoggedEvent:
    async def find() -> LoggedEvent | None:
        return next(
            (e for e in await log_entries(suite) if e.type == type_ and e.subject == subject), None
        )

    found: LoggedEvent = await eventually(find, timeout=WAIT)
    return found


async def new_event(suite: Suite) -> LoggedEvent:
    """Register an organisation and wait until its event is in the gateway log."""
    return await logged(
        suite, "registry.organisation.registered", await register_organisation(suite)
    )


async def settle(suite: Suite) -> None:
    """Wait until the events of the suite's start (the registry's organisations) are in the
    gateway log: a marker registered now is logged after all of them (one producer, in
    order). A subscription made afterwards starts after them."""
    await new_event(suite)


async def quiet_rounds(suite: Suite, rounds: int = 4) -> None:
    """Let the dispatcher run a few more rounds (to see that nothing more comes)."""
    dispatcher: Dispatcher = suite.apps["gateway"].state.webhook_dispatcher
    target = dispatcher.rounds + rounds

    async def done() -> bool:
        return dispatcher.rounds >= target

    await eventually(done, timeout=WAIT)


async def get(suite: Suite, org: str, path: str) -> Any:
    r = await suite.http.get(f"{API}{path}", headers=await suite.auth(org))
    assert r.status_code == 200, r.text
    return r.json()


async def deliveries(suite: Suite, org: str, sub_id: str) -> dict[str, dict[str, Any]]:
    """A subscription's delivery log by event id."""
    items = (await get(suite, org, f"/{sub_id}/deliveries?limit=100"))["items"]
    return {d["event_id"]: d for d in items}


def waiting(delivery: dict[str, Any], now: datetime) -> bool:
    """Whether ``delivery``'s attempts due by ``now`` are all recorded: delivered, given up,
    or pending with its next attempt (as the last log entry set it, not a dispatcher's
    lease) after ``now``."""
    if delivery["state"] != "pending":
        return True
    log = delivery["log"]
    due = at(delivery["next_attempt_at"])
    return bool(log) and due is not None and due > now and at(log[-1]["retry_at"]) == due


async def move_to(
    suite: Suite, clock: Clock, when: datetime, org: str, sub_id: str, events: int
) -> dict[str, dict[str, Any]]:
    """Move the gateway's clock to ``when`` and wait until the dispatcher has recorded every
    attempt due by then for ``events`` deliveries of the subscription (the delivery records,
    never the receiver: it has a request before its answer is recorded)."""
    clock.now = when

    async def recorded() -> dict[str, dict[str, Any]] | None:
        found = await deliveries(suite, org, sub_id)
        done = len(found) >= events and all(waiting(d, when) for d in found.values())
        return found if done else None

    result: dict[str, dict[str, Any]] = await eventually(recorded, timeout=WAIT)
    return result
