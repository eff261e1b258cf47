"""A cluster organisation's reported year: who may report, validation, ETag/If-Match, and the
published year that no longer changes; the indicator catalogue."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.evaluation.service.derived import danish_year
from tests.conftest import Suite
from tests.evaluation.helpers import (
    API,
    add_members,
    assert_problem,
    register_cluster,
    report,
    set_today,
    values_of,
)

GOOD = {"collaboration_projects": 4, "international_partners": 2, "private_funding": 1_250_000.5}


async def test_indicator_catalogue_is_public(suite: Suite) -> None:
    r = await suite.http.get(f"{API}/indicators")
    assert r.status_code == 200
    items = {i["code"]: i for i in r.json()["items"]}
    assert len(items) == 14
    assert items["participating_firms"]["source"] == "derived"
    assert items["participating_firms"]["name_da"] == "Deltagende virksomheder"
    assert items["public_base_funding"]["higher_is_better"] is False
    assert items["new_ideas"] == items["new_ideas"] | {
        "source": "reported",
        "function": "bridge_builder",
        "unit": "count",
        "derived_from": None,
    }


async def test_who_may_report(suite: Suite) -> None:
    cluster = await register_cluster(suite, "Klyngen A")
    other = await register_cluster(suite, "Klyngen B")
    set_today(suite, date(2026, 3, 1))
    url = f"{API}/clusters/{cluster}/reports/2025"
    body = {"values": GOOD}
    assert_problem(await suite.http.put(url, json=body), 401)
    # another cluster organisation acts only as itself
    r = await suite.http.put(url, json=body, headers=await suite.auth(other))
    assert_problem(r, 403, "not-your-organisation")
    # a growth forum does not report (no evaluation:report scope)
    r = await suite.http.put(url, json=body, headers=await suite.auth("vaekstforum-midtjylland"))
    assert_problem(r, 403, "insufficient-scope")
    assert_problem(await suite.http.get(url), 404)
    assert_problem(await suite.http.get(f"{API}/clusters/nope/reports"), 404)


async def test_validation_lists_every_error(suite: Suite) -> None:
    cluster = await register_cluster(suite, "Klyngen V")
    set_today(suite, date(2026, 3, 1))
    headers = await suite.auth(cluster)
    url = f"{API}/clusters/{cluster}/reports"
    for year in (1999, 2028):
        r = await suite.http.put(f"{url}/{year}", json={"values": GOOD}, headers=headers)
        assert_problem(r, 422, "invalid-year")
    bad = {
        "participating_firms": 10,  # derived: not reportable
        "no_such_code": 1,
        "new_ideas": -1,
        "new_products": 2.5,
        "collaboration_projects": "mange",
        "international_partners": True,
    }
    r = await suite.http.put(f"{url}/2025", json={"values": bad}, headers=headers)
    body = assert_problem(r, 422, "invalid-report")
    assert sorted((e["indicator"], e["kind"]) for e in body["errors"]) == [
        ("collaboration_projects", "not_a_number"),
        ("international_partners", "not_a_number"),
        ("new_ideas", "negative_value"),
        ("new_products", "not_whole_number"),
        ("no_such_code", "unknown_indicator"),
        ("participating_firms", "not_reportable"),
    ]
    r = await suite.http.put(f"{url}/2025", json={"values": {}, "extra": 1}, headers=headers)
    assert_problem(r, 422)
    r = await suite.http.put(
        f"{url}/2025", json={"values": {"new_ideas": 1}, "comment": "x\x00"}, headers=headers
    )
    assert_problem(r, 422)
    assert await values_of(suite, cluster) == {}


async def test_derived_members_bound_the_reported_parts(suite: Suite) -> None:
    """Dedicated firms cannot exceed the participating firms the registry counts (this year)."""
    cluster = await register_cluster(suite, "Klyngen M")
    await add_members(suite, cluster, [{"kind": "firm", "employees": 10}] * 2)
    year = danish_year(datetime.now(UTC))  # the year of the registry events
    set_today(suite, date(year, 6, 1))
    headers = await suite.auth(cluster)
    url = f"{API}/clusters/{cluster}/reports/{year}"
    r = await suite.http.put(url, json={"values": {"dedicated_firms": 3}}, headers=headers)
    body = assert_problem(r, 422, "invalid-report")
    assert body["errors"] == [
        {
            "kind": "exceeds_total",
            "indicator": "dedicated_firms",
            "detail": "'dedicated_firms' (3) exceeds 'participating_firms' (2).",
        }
    ]
    r = await suite.http.put(url, json={"values": {"dedicated_firms": 2}}, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["derived"] == {
        "participating_firms": 2,
        "participating_firms_under_50": 2,
        "knowledge_institutions": 0,
    }


async def test_submit_replace_with_etag(suite: Suite) -> None:
    cluster = await register_cluster(suite, "Klyngen E")
    set_today(suite, date(2026, 3, 1))
    headers = await suite.auth(cluster)
    url = f"{API}/clusters/{cluster}/reports/2025"

    # creating with an If-Match for a version that does not exist: 412
    r = await suite.http.put(url, json={"values": GOOD}, headers=headers | {"If-Match": '"3"'})
    assert_problem(r, 412)
    r = await suite.http.put(
        url, json={"values": GOOD, "comment": "Første indberetning"}, headers=headers
    )
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    assert r.headers["location"] == url
    created = r.json()
    assert created["values"] == {
        "collaboration_projects": 4,
        "international_partners": 2,
        "private_funding": 1_250_000.5,
    }
    assert created["submitted_by"] == cluster and created["account_state"] == "draft"

    got = await suite.http.get(url)
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert got.json() == created

    change = {"values": {"collaboration_projects": 5, "new_ideas": None}}
    assert_problem(await suite.http.put(url, json=change, headers=headers), 428)
    r = await suite.http.put(url, json=change, headers=headers | {"If-Match": '"7"'})
    assert_problem(r, 412, "stale-write")
    r = await suite.http.put(url, json=change, headers=headers | {"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    # the whole year is replaced: what was left out is now missing
    assert r.json()["values"] == {"collaboration_projects": 5}
    assert r.json()["comment"] is None
    assert await values_of(suite, cluster, "reported") == {(2025, "collaboration_projects"): 5}

    await report(suite, cluster, 2024, {"new_ideas": 3})
    r = await suite.http.get(f"{API}/clusters/{cluster}/reports")
    assert [(y["year"], y["version"], y["reported"]) for y in r.json()["items"]] == [
        (2025, 2, 1),
        (2024, 1, 1),
    ]
    r = await suite.http.get(f"{API}/clusters/{cluster}/reports", params={"limit": 1})
    assert [y["year"] for y in r.json()["items"]] == [2025]
    r = await suite.http.get(
        f"{API}/clusters/{cluster}/reports", params={"cursor": r.json()["next_cursor"]}
    )
    assert [y["year"] for y in r.json()["items"]] == [2024]
    assert r.json()["next_cursor"] is None


async def test_a_published_year_no_longer_takes_reports(suite: Suite) -> None:
    cluster = await register_cluster(suite, "Klyngen P")
    set_today(suite, date(2026, 3, 1))
    await report(suite, cluster, 2024, {"new_ideas": 3})
    r = await suite.http.post(f"{API}/accounts/2024/publish", headers=await suite.auth("fivu-rti"))
    assert r.status_code == 200, r.text
    headers = await suite.auth(cluster)
    r = await suite.http.put(
        f"{API}/clusters/{cluster}/reports/2024",
        json={"values": {"new_ideas": 4}},
        headers=headers | {"If-Match": '"1"'},
    )
    assert_problem(r, 409, "account-published")
    r = await suite.http.put(
        f"{API}/clusters/{cluster}/reports/2023", json={"values": {"new_ideas": 4}}, headers=headers
    )
    assert r.status_code == 201  # 2023 is still a draft
    got = (await suite.http.get(f"{API}/clusters/{cluster}/reports/2024")).json()
    assert got["values"] == {"new_ideas": 3} and got["account_state"] == "published"
