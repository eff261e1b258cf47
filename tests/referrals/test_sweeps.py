"""The referral sweeps (§5): overdue clocks, retention of contact data, erasure by CVR —
through the admin endpoint, the periodic jobs, and two replicas at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from services.referrals.service.sweeps import erase_expired_contacts, mark_overdue
from tests.conftest import Suite, eventually
from tests.referrals.helpers import API, assert_problem, outbox_events
from tests.referrals.referral_helpers import (
    act,
    anonymous_facts,
    count_idempotency_rows,
    parties,
    referral_body,
    referral_row,
    run_job,
    send,
    set_clock,
)


async def _overdue_events(suite: Suite, referral_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in await outbox_events(suite, "referrals.referral.overdue")
        if e["subject"] == referral_id
    ]


async def test_overdue_once_per_state_to_both_parties(suite: Suite) -> None:
    p = await parties(suite)
    ref = await send(suite, p)
    done = await send(suite, p)
    done = (await act(suite, done, "reject", p.as_cluster, {"reason": "Ikke vores felt"})).json()
    rid = ref["id"]
    admin = await suite.auth("klyngeforum")

    # only the forum secretariat runs the sweeps by hand
    assert (await suite.http.post(f"{API}/jobs/overdue/run")).status_code == 401
    r = await suite.http.post(f"{API}/jobs/overdue/run", headers=p.as_house)
    assert_problem(r, 403, "insufficient-scope")
    assert_problem(await suite.http.post(f"{API}/jobs/nothing/run", headers=admin), 404)

    # not due yet: nothing happens
    assert (await run_job(suite, "overdue"))["marked"] == 0

    # a month later the cluster still has not answered (5 working days)
    later = datetime.now(UTC) + timedelta(days=30)
    set_clock(suite, later)
    seen = (await suite.http.get(f"{API}/referrals/{rid}", headers=p.as_house)).json()
    assert seen["overdue"] is True and seen["overdue_at"] is None  # overdue, not yet told
    out = await run_job(suite, "overdue")
    assert out["marked"] == 1 and out["referral_ids"] == [rid] and out["events"] == 2
    # run again (or on a second replica): nothing more
    again = await run_job(suite, "overdue")
    assert again["marked"] == 0 and again["events"] == 0

    events = await _overdue_events(suite, rid)
    assert sorted(e["recipient"] for e in events) == sorted([p.cluster, p.house])
    for e in events:
        assert e["data"]["owner_id"] == p.cluster
        assert e["data"]["working_days"] == 5
        assert e["data"]["state"] == "requested"
    assert await _overdue_events(suite, done["id"]) == []  # a closed referral has no clock

    seen = (await suite.http.get(f"{API}/referrals/{rid}", headers=p.as_house)).json()
    assert seen["overdue"] is True
    assert datetime.fromisoformat(seen["overdue_at"]) == later
    history = (await suite.http.get(f"{API}/referrals/{rid}/history", headers=p.as_house)).json()
    system = history["items"][-1]
    assert system["actor_id"] is None and system["from_state"] == system["to_state"] == "requested"
    r = await suite.http.get(f"{API}/referrals", params={"overdue": "true"}, headers=p.as_cluster)
    assert [x["id"] for x in r.json()["items"]] == [rid]

    # the late answer starts the next clock afresh
    r = await act(suite, seen, "accept", p.as_cluster)
    assert r.status_code == 200, r.text
    accepted = r.json()
    assert accepted["overdue"] is False and accepted["overdue_at"] is None
    assert datetime.fromisoformat(accepted["due_at"]) > later
    assert (await run_job(suite, "overdue"))["marked"] == 0
    # and when that one runs out too (10 working days), it is overdue again — once
    set_clock(suite, later + timedelta(days=30))
    assert (await run_job(suite, "overdue"))["referral_ids"] == [rid]
    assert (await run_job(suite, "overdue"))["marked"] == 0
    events = await _overdue_events(suite, rid)
    assert len(events) == 4
    assert {e["data"]["working_days"] for e in events[2:]} == {10}
    assert {e["data"]["state"] for e in events[2:]} == {"accepted"}


async def test_two_sweeps_at_once_send_each_overdue_event_once(suite: Suite) -> None:
    p = await parties(suite)
    ids = [(await send(suite, p))["id"] for _ in range(4)]
    app = suite.apps["referrals"]
    later = datetime.now(UTC) + timedelta(days=30)

    async def sweep() -> list[str]:
        async with app.state.session_factory() as session, session.begin():
            return (await mark_overdue(session, later, app.state.settings)).referral_ids

    results = await asyncio.gather(sweep(), sweep(), return_exceptions=True)
    marked = [i for r in results if isinstance(r, list) for i in r]
    failed = [r for r in results if not isinstance(r, list)]
    # each referral is marked by exactly one of them (a loser may also fail outright on a
    # locked database; then the other did the work)
    assert sorted(marked) == sorted(ids), (results, failed)
    for rid in ids:
        assert len(await _overdue_events(suite, rid)) == 2


async def test_periodic_jobs_run_in_the_service(suite_factory: Any) -> None:
    suite: Suite = await suite_factory(referrals={"sweep_interval_seconds": 0.2})
    p = await parties(suite)
    ref = await send(suite, p)
    set_clock(suite, datetime.now(UTC) + timedelta(days=400))

    async def overdue_and_erased() -> bool:
        row = await referral_row(suite, ref["id"])
        return row.overdue_at is not None and row.contact_erased_at is not None

    await eventually(overdue_and_erased)
    assert len(await _overdue_events(suite, ref["id"])) == 2
    row = await referral_row(suite, ref["id"])
    assert row.contact_name is None and row.erased_reason == "retention"


async def test_retention_erases_contact_data_and_keeps_the_facts(suite: Suite) -> None:
    p = await parties(suite)
    key = p.as_house | {"Idempotency-Key": "gammel-henvisning"}
    r = await suite.http.post(f"{API}/referrals", json=referral_body(p.cluster), headers=key)
    old = r.json()
    old = (await act(suite, old, "accept", p.as_cluster, {"note": "Ring til Hanne"})).json()
    old = (await act(suite, old, "start", p.as_cluster)).json()
    r = await act(
        suite,
        old,
        "complete",
        p.as_cluster,
        {"outcome": "Hanne fik to kunder", "outcome_category": "advice_given"},
    )
    old = r.json()
    assert await count_idempotency_rows(suite) == 1
    before = anonymous_facts(await referral_row(suite, old["id"]))

    # a year and a day later; a new referral made then is kept
    later = datetime.now(UTC) + timedelta(days=366)
    set_clock(suite, later)
    fresh = await send(suite, p)

    out = await run_job(suite, "retention")
    assert out["contacts_erased"] == 1 and out["referral_ids"] == [old["id"]]
    assert out["idempotency_keys_purged"] == 1  # the stored answer repeated the contact data
    assert await count_idempotency_rows(suite) == 0
    again = await run_job(suite, "retention")
    assert again["contacts_erased"] == 0 and again["idempotency_keys_purged"] == 0

    row = await referral_row(suite, old["id"])
    assert (row.contact_name, row.contact_email, row.contact_phone) == (None, None, None)
    assert row.consent_given_by is None
    assert (row.need, row.reason, row.outcome) == (None, None, None)
    assert row.erased_reason == "retention"
    # the anonymous facts are unchanged (the flow statistics read these)
    assert anonymous_facts(row) == before
    # the firm is a business: its name and CVR stay until it asks (erase by CVR)
    assert row.firm_name == old["firm"]["name"] and row.firm_cvr == old["firm"]["cvr"]

    seen = (await suite.http.get(f"{API}/referrals/{old['id']}", headers=p.as_house)).json()
    assert seen["contact"] is None and seen["need"] is None
    assert seen["consent"]["given_by"] is None
    assert seen["erased_reason"] == "retention"
    assert datetime.fromisoformat(seen["contact_erased_at"]) == later
    assert seen["state"] == "completed" and seen["outcome_category"] == "advice_given"
    history = (
        await suite.http.get(f"{API}/referrals/{old['id']}/history", headers=p.as_house)
    ).json()["items"]
    assert [t["to_state"] for t in history] == ["requested", "accepted", "in_progress", "completed"]
    assert all(t["note"] is None for t in history)

    kept = (await suite.http.get(f"{API}/referrals/{fresh['id']}", headers=p.as_house)).json()
    assert kept["contact"] == fresh["contact"] and kept["contact_erased_at"] is None


async def test_retention_on_two_replicas_at_once(suite: Suite) -> None:
    p = await parties(suite)
    ids = [(await send(suite, p))["id"] for _ in range(3)]
    app = suite.apps["referrals"]
    later = datetime.now(UTC) + timedelta(days=400)

    async def sweep() -> list[str]:
        async with app.state.session_factory() as session, session.begin():
            return (await erase_expired_contacts(session, later, app.state.settings)).referral_ids

    results = await asyncio.gather(sweep(), sweep(), return_exceptions=True)
    erased = [i for r in results if isinstance(r, list) for i in r]
    assert sorted(erased) == sorted(ids), results
    for rid in ids:
        at = (await referral_row(suite, rid)).contact_erased_at
        assert at is not None and (at if at.tzinfo else at.replace(tzinfo=UTC)) == later
