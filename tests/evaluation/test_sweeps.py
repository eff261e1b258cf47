"""The evaluation sweep (due and overdue, §4.1) and the label sweep (ESCA expiry): through the
admin endpoint, run twice, on two replicas at once, and as the service's periodic jobs."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from services.evaluation.service.sweeps import sweep_evaluations, sweep_labels
from tests.conftest import Suite, eventually
from tests.evaluation.followup_helpers import (
    API,
    add_cluster,
    add_evaluation,
    evaluation_row,
    outbox,
    run_job,
    set_today,
    update_cluster,
)
from tests.funding.helpers import assert_problem

D = date(2025, 3, 1)  # "today" in these tests; notice 30 days, label notice 90 days


async def _events(suite: Suite, type_: str, subject: str) -> list[dict[str, Any]]:
    return [e for e in await outbox(suite, type_) if e["subject"] == subject]


async def test_due_and_overdue_once_each(suite: Suite) -> None:
    set_today(suite, D)
    later = await add_evaluation(suite, due_on=D + timedelta(days=31))  # outside the notice
    edge = await add_evaluation(suite, due_on=D + timedelta(days=30))  # first day of notice
    today = await add_evaluation(suite, due_on=D)  # the last day it is merely due
    late = await add_evaluation(suite, due_on=D - timedelta(days=1))  # awarded after the fact
    told = await add_evaluation(suite, due_on=D - timedelta(days=5), state="due")
    done = await add_evaluation(suite, due_on=D - timedelta(days=10), state="completed")
    gone = await add_evaluation(suite, due_on=D - timedelta(days=10), state="cancelled")

    # only the forum secretariat runs the sweeps by hand
    url = f"{API}/jobs/evaluations/run"
    assert_problem(await suite.http.post(url), 401)
    r = await suite.http.post(url, headers=await suite.auth("fivu-rti"))
    assert_problem(r, 403, "insufficient-scope")
    admin = await suite.auth("klyngeforum")
    assert_problem(await suite.http.post(f"{API}/jobs/nothing/run", headers=admin), 404)

    out = await run_job(suite, "evaluations")
    assert out["as_of"] == "2025-03-01"
    assert sorted(out["due"]) == sorted([edge, today])
    assert sorted(out["overdue"]) == sorted([late, told])
    assert out["corrected"] == [] and out["events"] == 4
    # run again (or on a second replica): nothing more
    again = await run_job(suite, "evaluations")
    assert (again["due"], again["overdue"], again["events"]) == ([], [], 0)

    states = {
        e: (await suite.http.get(f"{API}/evaluations/{e}")).json()["state"]
        for e in (later, edge, today, late, told, done, gone)
    }
    assert states == {
        later: "scheduled",
        edge: "due",
        today: "due",
        late: "overdue",
        told: "overdue",
        done: "completed",
        gone: "cancelled",
    }
    assert (await suite.http.get(f"{API}/evaluations/{edge}")).headers["etag"] == '"2"'
    for e in (edge, today):
        [due] = await _events(suite, "evaluation.evaluation.due", e)
        assert due["data"]["evaluation_id"] == e and due["data"]["funder_id"] == "fivu-rti"
        assert await _events(suite, "evaluation.evaluation.overdue", e) == []
    # straight to overdue: only the overdue event; the one told it was due gets overdue only
    for e, days in ((late, 1), (told, 5)):
        assert await _events(suite, "evaluation.evaluation.due", e) == []
        [overdue] = await _events(suite, "evaluation.evaluation.overdue", e)
        assert overdue["data"]["days_overdue"] == days
    for e in (later, done, gone):
        assert await _events(suite, "evaluation.evaluation.due", e) == []
        assert await _events(suite, "evaluation.evaluation.overdue", e) == []
    row = await evaluation_row(suite, edge)
    assert row.due_notified_at is not None and row.overdue_notified_at is None

    # a month later: "later" falls due, "edge" and "today" are overdue — each told once more
    set_today(suite, D + timedelta(days=31))
    out = await run_job(suite, "evaluations")
    assert out["due"] == [later]
    assert sorted(out["overdue"]) == sorted([edge, today]) and out["events"] == 3
    assert (await run_job(suite, "evaluations"))["events"] == 0
    assert len(await _events(suite, "evaluation.evaluation.due", later)) == 1
    assert len(await _events(suite, "evaluation.evaluation.due", edge)) == 1
    [overdue] = await _events(suite, "evaluation.evaluation.overdue", edge)
    assert overdue["data"]["days_overdue"] == 1
    r = await suite.http.get(f"{API}/evaluations", params={"state": "overdue"})
    assert sorted(e["id"] for e in r.json()["items"]) == sorted([edge, today, late, told])


async def test_a_state_ahead_of_its_date_moves_back_without_events(suite: Suite) -> None:
    set_today(suite, D)
    moved = await add_evaluation(suite, due_on=D + timedelta(days=100), state="overdue", version=3)
    out = await run_job(suite, "evaluations")
    assert out["corrected"] == [moved] and out["events"] == 0
    assert (await evaluation_row(suite, moved)).state == "scheduled"


async def test_two_evaluation_sweeps_at_once_send_each_event_once(suite: Suite) -> None:
    ids = [await add_evaluation(suite, due_on=D - timedelta(days=k)) for k in range(1, 7)]
    app = suite.apps["evaluation"]

    async def sweep() -> list[str]:
        async with app.state.session_factory() as session, session.begin():
            return (await sweep_evaluations(session, D, app.state.settings)).overdue

    results = await asyncio.gather(sweep(), sweep(), return_exceptions=True)
    marked = [i for r in results if isinstance(r, list) for i in r]
    # each evaluation is marked by exactly one of them (a loser may also fail outright on a
    # locked database; then the other did the work)
    assert sorted(marked) == sorted(ids), results
    for e in ids:
        assert len(await _events(suite, "evaluation.evaluation.overdue", e)) == 1


async def test_label_expiring_once_per_valid_until(suite: Suite) -> None:
    set_today(suite, D)
    soon = await add_cluster(
        suite, "cl-soon", label_level="gold", label_valid_until=D + timedelta(days=10)
    )
    edge = await add_cluster(
        suite, "cl-edge", label_level="silver", label_valid_until=D + timedelta(days=90)
    )
    await add_cluster(suite, "cl-later", label_level="bronze", label_valid_until=D + timedelta(91))
    await add_cluster(suite, "cl-expired", label_level="gold", label_valid_until=D - timedelta(1))
    await add_cluster(suite, "cl-none")
    await add_cluster(
        suite,
        "cl-dissolved",
        status="dissolved",
        label_level="gold",
        label_valid_until=D + timedelta(days=5),
    )

    url = f"{API}/jobs/labels/run"
    assert_problem(await suite.http.post(url), 401)
    r = await suite.http.post(url, headers=await suite.auth("vaekstforum-nordjylland"))
    assert_problem(r, 403, "insufficient-scope")

    out = await run_job(suite, "labels")
    assert out == {"as_of": "2025-03-01", "cluster_ids": [soon, edge], "events": 2}
    assert (await run_job(suite, "labels"))["events"] == 0
    events = await outbox(suite, "evaluation.label.expiring")
    assert [(e["subject"], e["recipient"]) for e in events] == [(soon, soon), (edge, edge)]
    assert events[0]["data"] == {
        "cluster_id": soon,
        "level": "gold",
        "valid_until": "2025-03-11",
        "days_left": 10,
    }
    assert events[1]["data"]["days_left"] == 90

    # the label is renewed; when the new one nears its end, it is announced again — once
    await update_cluster(suite, soon, label_valid_until=D + timedelta(days=400))
    assert (await run_job(suite, "labels"))["events"] == 0
    set_today(suite, D + timedelta(days=350))
    out = await run_job(suite, "labels")
    assert out["cluster_ids"] == [soon]
    assert (await run_job(suite, "labels"))["events"] == 0
    renewed = [e for e in await outbox(suite, "evaluation.label.expiring") if e["subject"] == soon]
    assert [e["data"]["valid_until"] for e in renewed] == ["2025-03-11", "2026-04-05"]


async def test_two_label_sweeps_at_once_send_each_notice_once(suite: Suite) -> None:
    ids = [
        await add_cluster(
            suite, f"cl-{k}", label_level="bronze", label_valid_until=D + timedelta(days=k)
        )
        for k in range(5)
    ]
    app = suite.apps["evaluation"]

    async def sweep() -> list[str]:
        async with app.state.session_factory() as session, session.begin():
            return (await sweep_labels(session, D, app.state.settings)).cluster_ids

    results = await asyncio.gather(sweep(), sweep(), return_exceptions=True)
    told = [i for r in results if isinstance(r, list) for i in r]
    assert sorted(told) == sorted(ids), results
    events = await outbox(suite, "evaluation.label.expiring")
    assert sorted(e["subject"] for e in events) == sorted(ids)


async def test_periodic_jobs_run_in_the_service(suite_factory: Any) -> None:
    suite: Suite = await suite_factory(evaluation={"sweep_interval_seconds": 0.2})
    set_today(suite, D)
    evl = await add_evaluation(suite, due_on=D + timedelta(days=3))
    cluster = await add_cluster(
        suite, "cl-periodic", label_level="gold", label_valid_until=D + timedelta(days=3)
    )

    async def swept() -> bool:
        due = await _events(suite, "evaluation.evaluation.due", evl)
        label = await _events(suite, "evaluation.label.expiring", cluster)
        return bool(due and label)

    await eventually(swept)
    assert (await evaluation_row(suite, evl)).state == "due"
