"""ESCA labels (bronze, silver, gold): the public list with each label's state as of today, and a
label registered in the registry reaching the evaluation service and its expiry notice."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from services.evaluation.models import EvalGrant
from tests.conftest import Suite, eventually
from tests.evaluation.followup_helpers import API, add_cluster, outbox, run_job, set_today
from tests.evaluation.helpers import award_grant, db_rows, programme, register_cluster
from tests.funding.helpers import assert_problem

D = date(2025, 3, 1)


async def test_labels_with_their_state_as_of_today(suite: Suite) -> None:
    set_today(suite, D)
    await add_cluster(suite, "cl-a", label_level="gold", label_valid_until=D + timedelta(days=10))
    await add_cluster(suite, "cl-b", label_level="silver", label_valid_until=D + timedelta(91))
    await add_cluster(suite, "cl-c", label_level="bronze", label_valid_until=D)  # last day
    await add_cluster(suite, "cl-d", label_level="gold", label_valid_until=D - timedelta(days=1))
    await add_cluster(suite, "cl-e")  # no label
    await add_cluster(
        suite, "cl-f", status="merged", label_level="gold", label_valid_until=D + timedelta(9)
    )

    r = await suite.http.get(f"{API}/labels")  # public
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(x["cluster_id"], x["state"], x["days_left"]) for x in items] == [
        ("cl-a", "expiring", 10),
        ("cl-b", "valid", 91),
        ("cl-c", "expiring", 0),
        ("cl-d", "expired", -1),
    ]
    assert items[0] == items[0] | {
        "cluster_name": "Klynge cl-a",
        "league": "national",
        "home_region_code": "1081",
        "level": "gold",
        "valid_until": "2025-03-11",
        "notice_sent": False,
    }

    async def ids(**params: str) -> list[str]:
        r = await suite.http.get(f"{API}/labels", params=params)
        assert r.status_code == 200, r.text
        return [x["cluster_id"] for x in r.json()["items"]]

    assert await ids(state="expiring") == ["cl-a", "cl-c"]
    assert await ids(state="valid") == ["cl-b"]
    assert await ids(state="expired") == ["cl-d"]
    assert await ids(level="gold") == ["cl-a", "cl-d"]
    assert await ids(state="expiring", level="bronze") == ["cl-c"]
    assert_problem(await suite.http.get(f"{API}/labels", params={"state": "shiny"}), 422)
    assert_problem(await suite.http.get(f"{API}/labels", params={"level": "platinum"}), 422)

    page1 = (await suite.http.get(f"{API}/labels", params={"limit": 3})).json()
    assert [x["cluster_id"] for x in page1["items"]] == ["cl-a", "cl-b", "cl-c"]
    page2 = (
        await suite.http.get(f"{API}/labels", params={"limit": 3, "cursor": page1["next_cursor"]})
    ).json()
    assert [x["cluster_id"] for x in page2["items"]] == ["cl-d"] and not page2["next_cursor"]

    # the sweep tells the expiring ones and the list shows it; time moves the states on
    assert (await run_job(suite, "labels"))["cluster_ids"] == ["cl-c", "cl-a"]  # soonest first
    sent = {
        x["cluster_id"]: x["notice_sent"]
        for x in (await suite.http.get(f"{API}/labels")).json()["items"]
    }
    assert sent == {"cl-a": True, "cl-b": False, "cl-c": True, "cl-d": False}
    set_today(suite, D + timedelta(days=11))
    assert await ids(state="expired") == ["cl-a", "cl-c", "cl-d"]
    assert await ids(state="expiring") == ["cl-b"]


async def test_a_label_registered_in_the_registry_is_announced_before_it_runs_out(
    suite: Suite,
) -> None:
    """The label is recorded by an issuer (issue 12: the secretariat, not the profile); the
    notice goes to the cluster and to the funder of its grant in force, one event each."""
    today = date.today()
    valid_until = today + timedelta(days=30)
    cid = await register_cluster(
        suite, "Klynge med guldmærke", home_municipality_code="0851", fields=["maritime"]
    )
    r = await suite.http.post(
        f"/registry/v1/clusters/{cid}/labels",
        json={
            "level": "gold",
            "issued_on": (today - timedelta(days=700)).isoformat(),
            "valid_until": valid_until.isoformat(),
        },
        headers=await suite.auth("klyngeforum"),
    )
    assert r.status_code == 201, r.text
    prog = await programme(suite)
    await award_grant(
        suite,
        cid,
        prog,
        starts_on=(today - timedelta(days=10)).isoformat(),
        ends_on=(today + timedelta(days=300)).isoformat(),
    )

    async def listed() -> list[dict[str, object]]:
        items = (await suite.http.get(f"{API}/labels")).json()["items"]
        return [x for x in items if x["cluster_id"] == cid]

    async def granted() -> bool:
        return bool(await db_rows(suite, select(EvalGrant).where(EvalGrant.cluster_id == cid)))

    [label] = await eventually(listed)
    await eventually(granted)
    assert label["level"] == "gold" and label["valid_until"] == valid_until.isoformat()
    assert label["state"] == "expiring" and label["home_region_code"] == "1081"
    assert cid in (await run_job(suite, "labels"))["cluster_ids"]
    events = [e for e in await outbox(suite, "evaluation.label.expiring") if e["subject"] == cid]
    assert sorted(e["recipient"] for e in events) == sorted([cid, "fivu-rti"])
    assert all(e["data"]["days_left"] == 30 and e["data"]["cluster_id"] == cid for e in events)
