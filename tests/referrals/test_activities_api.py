"""Activities and their announcements (§5 "orientere hinanden om større aktiviteter")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from services.referrals.models import Activity
from tests.conftest import Suite
from tests.referrals.helpers import (
    API,
    assert_problem,
    outbox_events,
    register_cluster,
    register_organisation,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ANNOUNCED = "referrals.activity.announced"


def set_clock(suite: Suite, when: datetime) -> None:
    suite.apps["referrals"].state.clock = lambda: when


def activity_body(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "conference",
        "title": "Energikonference for SMV'er",
        "description": "Grøn omstilling i små og mellemstore virksomheder.",
        "starts_at": "2026-04-20T09:00:00+02:00",
        "ends_at": "2026-04-20T16:00:00+02:00",
        "place": "Aalborg Kongres & Kultur Center",
        "municipality_code": "0851",
        "fields": ["energy"],
        "target_groups": ["sme"],
        "url": "https://erhvervshus.example.dk/energi",
    } | extra


async def offer(suite: Suite, org: str, **extra: Any) -> str:
    body = {
        "name": "Tilbud",
        "fields": [],
        "target_groups": [],
        "area_kind": "national",
    } | extra
    r = await suite.http.post(f"{API}/services", json=body, headers=await suite.auth(org))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_an_announcement_reaches_exactly_the_overlapping_organisations(
    suite: Suite,
) -> None:
    set_clock(suite, NOW)
    host = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    await offer(suite, host, fields=["energy"], target_groups=["sme"])  # the host: not told
    energy = await register_cluster(suite, "Energiklyngen (test)", fields=["energy"])
    maritime = await register_cluster(
        suite, "Maritim klynge (test)", fields=["maritime"], home_municipality_code="0461"
    )
    fyn = await register_organisation(suite, "Erhvervshus Fyn (test)", municipality_code="0461")
    await offer(suite, fyn, fields=["tourism"], target_groups=["sme", "startups"])
    local = await register_organisation(
        suite,
        "Erhvervsservice Jammerbugt (test)",
        kind="business_service",
        municipality_code="0849",
    )
    closed = await offer(suite, local, fields=["energy"], target_groups=["sme"])
    r = await suite.http.patch(
        f"{API}/services/{closed}",
        json={"status": "inactive"},
        headers=await suite.auth(local) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200  # an inactive service says nothing about interests
    city = await register_organisation(suite, "Erhvervshus Hovedstaden (test)", "growth_house")
    await offer(suite, city, fields=["tourism"], target_groups=["large_firms"])
    mine = await suite.auth(host)

    key = {"Idempotency-Key": "act-1"}
    r = await suite.http.post(f"{API}/activities", json=activity_body(), headers=mine | key)
    assert r.status_code == 201, r.text
    act = r.json()
    assert r.headers["etag"] == '"1"'
    assert act["organisation"]["name"] == "Erhvervshus Nordjylland (test)"
    assert act["starts_at"] == "2026-04-20T07:00:00Z" and act["region_code"] == "1081"
    assert act["status"] == "announced" and act["co_host_ids"] == []
    assert act["announced_to"] == sorted([energy, fyn])
    events = await outbox_events(suite, ANNOUNCED)
    assert {e["recipient"]: e["data"]["overlap"] for e in events} == {
        energy: ["field:energy"],
        fyn: ["target:sme"],
    }
    for e in events:
        assert e["subject"] == act["id"] and e["data"]["recipient_id"] == e["recipient"]
        assert e["data"]["organisation_id"] == host
        assert e["data"]["starts_at"].startswith("2026-04-20T07:00:00")
        assert e["data"]["region_code"] == "1081" and e["data"]["fields"] == ["energy"]
    # a retry gets the first answer and announces nothing again
    again = await suite.http.post(f"{API}/activities", json=activity_body(), headers=mine | key)
    assert again.status_code == 201 and again.json() == act
    assert len(await outbox_events(suite, ANNOUNCED)) == 2

    # widening the activity tells those who newly overlap, and nobody twice
    url = f"{API}/activities/{act['id']}"
    r = await suite.http.patch(
        url,
        json={"fields": ["energy", "maritime"], "title": "Energi og maritim konference"},
        headers=mine | {"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["announced_to"] == sorted([energy, fyn, maritime])
    events = await outbox_events(suite, ANNOUNCED)
    assert [e["recipient"] for e in events][2:] == [maritime]
    assert events[2]["data"]["overlap"] == ["field:maritime"]
    r = await suite.http.patch(
        url, json={"target_groups": ["sme", "startups"]}, headers=mine | {"If-Match": '"2"'}
    )
    assert r.status_code == 200
    assert len(await outbox_events(suite, ANNOUNCED)) == 3  # fyn was told already

    async with suite.apps["referrals"].state.session_factory() as session:
        row = (await session.execute(select(Activity).where(Activity.id == act["id"]))).scalar_one()
        assert "maritim" in row.search_terms.split() and "konferenc" in row.search_terms.split()
        assert row.change_seq > 0


async def test_activity_validation_and_who_may_change_it(suite: Suite) -> None:
    set_clock(suite, NOW)
    host = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    other = await register_organisation(suite, "Erhvervshus Fyn (test)", municipality_code="0461")
    mine, theirs = await suite.auth(host), await suite.auth(other)
    post = suite.http.post

    assert_problem(await post(f"{API}/activities", json=activity_body()), 401)
    r = await post(f"{API}/activities", json=activity_body(organisation_id=other), headers=mine)
    assert_problem(r, 403, "not-your-organisation")
    for bad in (
        {"kind": "party"},
        {"title": "x"},
        {"ends_at": "2026-04-20T09:00:00+02:00"},  # not after the start
        {"starts_at": "2026-04-20T09:00:00"},  # no time zone
        {"municipality_code": None},  # neither a place nor online
        {"municipality_code": "9999"},
        {"fields": ["rocket_science"]},
        {"target_groups": ["pensioners"]},
        {"url": "ftp://x"},
        {"description": "x" * 5001},
    ):
        assert_problem(
            await post(f"{API}/activities", json=activity_body(**bad), headers=mine), 422
        )
    past = activity_body(starts_at="2026-01-10T09:00:00Z", ends_at="2026-01-10T12:00:00Z")
    assert_problem(await post(f"{API}/activities", json=past, headers=mine), 422, "activity-over")
    online = activity_body(municipality_code=None, online=True, place=None)
    r = await post(f"{API}/activities", json=online, headers=mine)
    assert r.status_code == 201 and r.json()["region_code"] is None
    act = r.json()
    url = f"{API}/activities/{act['id']}"

    r = await suite.http.get(url)  # public
    assert r.status_code == 200 and r.headers["etag"] == '"1"' and r.json() == act
    assert_problem(await suite.http.get(f"{API}/activities/act-nope"), 404)
    change = {"title": "Energikonference 2026"}
    assert_problem(await suite.http.patch(url, json=change), 401)
    r = await suite.http.patch(url, json=change, headers=theirs | {"If-Match": '"1"'})
    assert_problem(r, 403, "not-your-activity")
    assert_problem(await suite.http.patch(url, json=change, headers=mine), 428)
    assert_problem(
        await suite.http.patch(url, json=change, headers=mine | {"If-Match": '"3"'}), 412
    )
    r = await suite.http.patch(url, json={"online": False}, headers=mine | {"If-Match": '"1"'})
    assert_problem(r, 422, "invalid-activity")  # then it needs a municipality
    r = await suite.http.patch(
        url, json={"ends_at": "2026-04-19T09:00:00Z"}, headers=mine | {"If-Match": '"1"'}
    )
    assert_problem(r, 422, "invalid-activity")
    r = await suite.http.patch(url, json={"kind": None}, headers=mine | {"If-Match": '"1"'})
    assert_problem(r, 422)
    r = await suite.http.patch(
        url,
        json={"online": False, "municipality_code": "0860", "starts_at": "2026-04-20T08:00:00Z"},
        headers=mine | {"If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.headers["etag"] == '"2"', r.text
    assert r.json()["region_code"] == "1081" and r.json()["starts_at"] == "2026-04-20T08:00:00Z"
    # the same start again changes nothing
    r = await suite.http.patch(
        url, json={"starts_at": "2026-04-20T10:00:00+02:00"}, headers=mine | {"If-Match": '"2"'}
    )
    assert r.headers["etag"] == '"2"'

    cancel = f"{url}/cancel"
    assert_problem(await post(cancel), 401)
    assert_problem(await post(cancel, headers=theirs | {"If-Match": '"2"'}), 403)
    assert_problem(await post(cancel, headers=mine), 428)
    assert_problem(await post(cancel, headers=mine | {"If-Match": '"1"'}), 412)
    r = await post(cancel, headers=mine | {"If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert r.headers["etag"] == '"3"'
    assert_problem(
        await post(cancel, headers=mine | {"If-Match": '"3"'}), 409, "activity-cancelled"
    )
    r = await suite.http.patch(url, json=change, headers=mine | {"If-Match": '"3"'})
    assert_problem(r, 409, "activity-cancelled")
    listed = (await suite.http.get(f"{API}/activities")).json()["items"]
    assert listed == []
    listed = (await suite.http.get(f"{API}/activities", params={"status": "cancelled"})).json()
    assert [a["id"] for a in listed["items"]] == [act["id"]]


async def test_list_upcoming_by_start_with_filters_and_pages(suite: Suite) -> None:
    host = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    other = await register_organisation(suite, "Erhvervshus Fyn (test)", municipality_code="0461")
    mine, theirs = await suite.auth(host), await suite.auth(other)

    async def create(headers: dict[str, str], **extra: Any) -> str:
        r = await suite.http.post(f"{API}/activities", json=activity_body(**extra), headers=headers)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    set_clock(suite, datetime(2025, 1, 1, tzinfo=UTC))
    old = await create(mine, starts_at="2025-02-01T09:00:00Z", ends_at="2025-02-01T12:00:00Z")
    set_clock(suite, NOW)
    late = await create(mine)  # 20 April
    early = await create(
        theirs,
        kind="workshop",
        starts_at="2026-03-10T09:00:00+01:00",
        ends_at="2026-03-10T12:00:00+01:00",
        municipality_code="0461",
        fields=["digital"],
        target_groups=["startups"],
    )
    # a project that started before now and is still running is upcoming too
    running = await create(
        theirs,
        kind="project",
        starts_at="2026-01-01T00:00:00Z",
        ends_at="2026-12-31T00:00:00Z",
        fields=["food_bio"],
    )

    async def ids(**params: Any) -> list[str]:
        r = await suite.http.get(f"{API}/activities", params=params)
        assert r.status_code == 200, r.text
        return [a["id"] for a in r.json()["items"]]

    assert await ids() == [running, early, late]  # by start; the ended one is left out
    assert await ids(**{"from": "2025-01-01"}) == [old, running, early, late]
    assert await ids(to="2025-12-31") == [old]
    assert await ids(**{"from": "2026-03-10", "to": "2026-03-10"}) == [running, early]
    assert await ids(**{"from": "2026-03-11"}) == [running, late]
    assert await ids(organisation=other) == [running, early]
    assert await ids(field="energy") == [late]
    assert await ids(target_group="startups") == [early]
    for bad in ({"from": "yesterday"}, {"field": "x"}, {"status": "over"}, {"limit": 0}):
        assert_problem(await suite.http.get(f"{API}/activities", params=bad), 422)
    assert_problem(
        await suite.http.get(f"{API}/activities", params={"cursor": "WyJ4Il0"}),
        422,
        "invalid-cursor",
    )

    walked: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1, "from": "2025-01-01"}
        page = (
            await suite.http.get(
                f"{API}/activities", params=params | {"cursor": cursor} if cursor else params
            )
        ).json()
        walked += [a["id"] for a in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert walked == [old, running, early, late]
