"""Registry organisations API: reference data, filters, cursor pagination, creation.

Runs on the whole suite (real databases, real nats-server); on PostgreSQL too when
``TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
from sqlalchemy import func, select

from services.registry.models import Organisation, messaging
from shared.reference import municipalities, regions
from tests.conftest import Suite, eventually

ORGS = "/registry/v1/organisations"
PROBLEM = "application/problem+json"
#: Valid CVR numbers (modulus 11 check digit) that no reference organisation holds.
CVR_A, CVR_B, CVR_C = "10000009", "10000017", "10000025"
REFERENCE_TOTAL = 98 + 5 + 6 + 1 + 1 + 4 + 1  # … FIVU/RTI, KL, sector ministries, secretariat


def assert_problem(resp: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert body["status"] == status
    assert body["type"] == f"https://klyngeforum.dk/problems/{kind}"
    assert body["title"] and body["detail"]
    assert body["request_id"] == resp.headers["x-request-id"]
    return body


async def list_all(suite: Suite, **params: Any) -> list[dict[str, Any]]:
    resp = await suite.http.get(ORGS, params={"limit": 1000, **params})
    assert resp.status_code == 200, resp.text
    assert resp.json()["next_cursor"] is None
    return resp.json()["items"]


async def count_rows(suite: Suite, *where: Any) -> int:
    async with suite.apps["registry"].state.session_factory() as session:
        stmt = select(func.count()).select_from(Organisation).where(*where)
        return int((await session.execute(stmt)).scalar_one())


async def registered_events(suite: Suite, organisation_id: str) -> list[Any]:
    outbox = messaging.outbox
    async with suite.apps["registry"].state.session_factory() as session:
        rows = (
            await session.execute(
                select(outbox).where(outbox.c.type == "registry.organisation.registered")
            )
        ).all()
    return [r for r in rows if r.envelope.get("subject") == organisation_id]


# --- reference data ---------------------------------------------------------------------


async def test_reference_organisations_are_all_listed(suite: Suite) -> None:
    items = await list_all(suite)
    assert len(items) == REFERENCE_TOTAL
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_kind.setdefault(item["kind"], []).append(item)
        assert item["reference"] is True

    kommuner = by_kind["municipality"]
    assert len(kommuner) == 98
    assert {m["code"] for m in kommuner} == {m.code for m in municipalities()}
    for m in kommuner:
        assert len(m["code"]) == 4 and m["code"].isdigit(), m
        assert m["id"] == f"kommune-{m['code']}"
        assert m["municipality_code"] == m["code"]
        assert m["region_code"] in {r.code for r in regions()}

    assert sorted(r["code"] for r in by_kind["region"]) == ["1081", "1082", "1083", "1084", "1085"]
    forums = {f["id"]: f for f in by_kind["growth_forum"]}
    assert len(forums) == 6
    assert forums["vaekstforum-bornholm"]["municipality_code"] == "0400"
    assert forums["vaekstforum-midtjylland"]["region_code"] == "1082"
    ministries = {m["id"] for m in by_kind["ministry"]}
    assert ministries == {
        "fivu-rti",
        "ministeriet-erhverv-vaekst",
        "ministeriet-foedevarer",
        "ministeriet-energi",
        "ministeriet-miljoe",
    }
    assert [o["id"] for o in by_kind["municipal_association"]] == ["kl"]
    assert [o["id"] for o in by_kind["forum_secretariat"]] == ["klyngeforum"]
    assert set(by_kind) == {
        "municipality",
        "region",
        "growth_forum",
        "ministry",
        "municipal_association",
        "forum_secretariat",
    }


async def test_filters_kind_region_and_name(suite: Suite) -> None:
    assert len(await list_all(suite, kind="municipality")) == 98
    assert len(await list_all(suite, kind="region")) == 5
    assert len(await list_all(suite, kind="growth_forum")) == 6
    assert len(await list_all(suite, kind="ministry")) == 5
    assert await list_all(suite, kind="cluster_organisation") == []

    midt = await list_all(suite, region="1082")
    expected_kommuner = {m.code for m in municipalities() if m.region_code == "1082"}
    assert {o["code"] for o in midt if o["kind"] == "municipality"} == expected_kommuner
    assert {o["id"] for o in midt if o["kind"] != "municipality"} == {
        "region-1082",
        "vaekstforum-midtjylland",
    }
    assert all(o["region_code"] == "1082" for o in midt)

    both = await list_all(suite, kind="municipality", region="1084")
    assert {o["id"] for o in both} >= {"kommune-0101", "kommune-0400"}
    assert all(o["kind"] == "municipality" and o["region_code"] == "1084" for o in both)

    aarhus = await list_all(suite, q="aarhus")  # case-insensitive part of the name
    assert [o["id"] for o in aarhus] == ["kommune-0751"]
    assert {o["id"] for o in await list_all(suite, q="Vækstforum")} == {
        "vaekstforum-nordjylland",
        "vaekstforum-midtjylland",
        "vaekstforum-syddanmark",
        "vaekstforum-hovedstaden",
        "vaekstforum-sjaelland",
        "vaekstforum-bornholm",
    }
    # LIKE wildcards in q are literal characters: no name contains '%' or '_'.
    assert await list_all(suite, q="%") == []
    assert await list_all(suite, q="_") == []


async def test_cursor_pagination_walks_every_page_once(suite: Suite) -> None:
    everything = [o["id"] for o in await list_all(suite)]
    assert everything == sorted(everything)  # a stable key order

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 7}
        if cursor:
            params["cursor"] = cursor
        resp = await suite.http.get(ORGS, params=params)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        pages += 1
        assert 1 <= len(page["items"]) <= 7
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == 7
    assert pages == -(-REFERENCE_TOTAL // 7)
    assert len(seen) == len(set(seen)), "a page repeated an organisation"
    assert seen == everything, "pages left a gap or changed the order"

    # Pagination composes with a filter.
    first = (await suite.http.get(ORGS, params={"kind": "region", "limit": 3})).json()
    rest = (
        await suite.http.get(
            ORGS, params={"kind": "region", "limit": 3, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [o["code"] for o in first["items"] + rest["items"]] == [
        "1081",
        "1082",
        "1083",
        "1084",
        "1085",
    ]
    assert rest["next_cursor"] is None


async def test_bad_cursor_and_limits_are_refused(suite: Suite) -> None:
    not_json = base64.urlsafe_b64encode(b"not json").decode()
    not_a_list = base64.urlsafe_b64encode(b'{"id": "x"}').decode()
    with_nul = base64.urlsafe_b64encode(b'["a\\u0000"]').decode()
    for cursor in ("!!!not-base64!!!", not_json, not_a_list, with_nul):
        resp = await suite.http.get(ORGS, params={"cursor": cursor})
        assert_problem(resp, 422, "invalid-cursor")
    for limit in ("0", "1001", "many"):
        resp = await suite.http.get(ORGS, params={"limit": limit})
        assert_problem(resp, 422, "validation-error")
    assert_problem(await suite.http.get(ORGS, params={"kind": "wizard"}), 422, "validation-error")
    assert_problem(await suite.http.get(ORGS, params={"region": "82"}), 422, "validation-error")


async def test_get_one_and_not_found(suite: Suite) -> None:
    resp = await suite.http.get(f"{ORGS}/kommune-0751")
    assert resp.status_code == 200
    aarhus = resp.json()
    assert aarhus["name"] == "Aarhus Kommune"
    assert aarhus["kind"] == "municipality"
    assert (aarhus["code"], aarhus["region_code"]) == ("0751", "1082")
    assert aarhus["reference"] is True
    fivu = (await suite.http.get(f"{ORGS}/fivu-rti")).json()
    assert (fivu["kind"], fivu["short_name"]) == ("ministry", "FIVU/RTI")

    body = assert_problem(await suite.http.get(f"{ORGS}/kommune-9999"), 404, "not-found")
    assert "kommune-9999" in body["detail"]
    assert body["instance"] == f"{ORGS}/kommune-9999"
    # An id the database could not even hold is simply not found.
    assert_problem(await suite.http.get(f"{ORGS}/a%00b"), 404, "not-found")


# --- creation ---------------------------------------------------------------------------


async def test_create_organisation(suite: Suite) -> None:
    headers = await suite.auth("fivu-rti")
    body = {
        "name": "  Food & Bio Cluster Denmark ",
        "kind": "cluster_organisation",
        "cvr": "13 58 56 28",
        "municipality_code": "751",
        "short_name": "FBCD",
        "website": "https://foodbiocluster.dk",
    }
    resp = await suite.http.post(ORGS, json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    assert resp.headers["content-type"] == "application/json"
    org = resp.json()
    assert resp.headers["location"] == f"{ORGS}/{org['id']}"
    assert org["name"] == "Food & Bio Cluster Denmark"
    assert org["cvr"] == "13585628"
    assert (org["municipality_code"], org["region_code"]) == ("0751", "1082")
    assert org["website"] == "https://foodbiocluster.dk/"
    assert org["reference"] is False and org["code"] is None

    fetched = await suite.http.get(resp.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == org
    assert org["id"] in {o["id"] for o in await list_all(suite, kind="cluster_organisation")}

    events = await registered_events(suite, org["id"])
    assert len(events) == 1
    data = events[0].envelope["data"]
    assert data["organisation_id"] == org["id"]
    assert (data["kind"], data["cvr"], data["region_code"]) == (
        "cluster_organisation",
        "13585628",
        "1082",
    )
    assert events[0].envelope["source"] == "/registry"

    async def relayed() -> bool:
        return all(e.published_at is not None for e in await registered_events(suite, org["id"]))

    await eventually(relayed)


async def test_create_with_only_the_required_fields(suite: Suite) -> None:
    headers = await suite.auth("klyngeforum")
    resp = await suite.http.post(
        ORGS, json={"name": "Væksthus Test", "kind": "growth_house"}, headers=headers
    )
    assert resp.status_code == 201, resp.text
    org = resp.json()
    assert org["cvr"] is None and org["region_code"] is None and org["website"] is None


async def test_idempotency_key_replays_the_first_answer(suite: Suite) -> None:
    headers = {**await suite.auth("fivu-rti"), "Idempotency-Key": "create-ihk-1"}
    body = {"name": "Idempotent Klynge", "kind": "cluster_organisation", "cvr": CVR_A}
    first = await suite.http.post(ORGS, json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await suite.http.post(ORGS, json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert await count_rows(suite, Organisation.name == "Idempotent Klynge") == 1
    assert len(await registered_events(suite, first.json()["id"])) == 1

    # The same key with another body is refused, and nothing is created.
    other = await suite.http.post(ORGS, json={**body, "name": "Another Name"}, headers=headers)
    assert_problem(other, 422, "idempotency-key-reused")
    assert await count_rows(suite, Organisation.name == "Another Name") == 0

    # Keys belong to a client: another client's identical key is a new request.
    kl_headers = {**await suite.auth("klyngeforum"), "Idempotency-Key": "create-ihk-1"}
    third = await suite.http.post(
        ORGS, json={**body, "cvr": CVR_B, "name": "Third"}, headers=kl_headers
    )
    assert third.status_code == 201, third.text
    assert third.json()["id"] != first.json()["id"]

    too_long = {**headers, "Idempotency-Key": "k" * 201}
    assert_problem(
        await suite.http.post(ORGS, json={**body, "cvr": CVR_C}, headers=too_long),
        400,
        "invalid-idempotency-key",
    )
    assert await count_rows(suite, Organisation.cvr == CVR_C) == 0


async def test_concurrent_requests_with_one_idempotency_key_create_once(suite: Suite) -> None:
    headers = {**await suite.auth("fivu-rti"), "Idempotency-Key": "race-1"}
    body = {"name": "Race Klynge", "kind": "cluster_organisation"}
    answers = await asyncio.gather(
        *[suite.http.post(ORGS, json=body, headers=headers) for _ in range(6)]
    )
    statuses = [a.status_code for a in answers]
    # Serialised writers (SQLite) replay the first answer; PostgreSQL may refuse the
    # overlapping ones with 409. Never a 5xx, and never two organisations.
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    for a in answers:
        if a.status_code == 409:
            assert_problem(a, 409, "idempotency-key-in-use")
    assert await count_rows(suite, Organisation.name == "Race Klynge") == 1
    retry = await suite.http.post(ORGS, json=body, headers=headers)
    assert retry.status_code == 201 and retry.json()["id"] in created


async def test_duplicate_cvr_conflicts(suite: Suite) -> None:
    headers = await suite.auth("fivu-rti")
    first = await suite.http.post(
        ORGS, json={"name": "CVR Holder", "kind": "business_service", "cvr": CVR_A}, headers=headers
    )
    assert first.status_code == 201, first.text
    clash = await suite.http.post(
        ORGS, json={"name": "CVR Copycat", "kind": "other", "cvr": CVR_A}, headers=headers
    )
    problem = assert_problem(clash, 409, "cvr-taken")
    assert problem["existing_id"] == first.json()["id"]
    assert await count_rows(suite, Organisation.cvr == CVR_A) == 1
    assert await count_rows(suite, Organisation.name == "CVR Copycat") == 0


async def test_concurrent_duplicate_cvr_conflicts_not_fails(suite: Suite) -> None:
    headers = await suite.auth("fivu-rti")
    answers = await asyncio.gather(
        *[
            suite.http.post(
                ORGS, json={"name": f"Racer {i}", "kind": "other", "cvr": CVR_B}, headers=headers
            )
            for i in range(6)
        ]
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409, 409, 409, 409, 409], [a.text for a in answers]
    for a in answers:
        if a.status_code == 409:
            assert_problem(a, 409, "cvr-taken")
    assert await count_rows(suite, Organisation.cvr == CVR_B) == 1


async def test_reference_only_kinds_cannot_be_created(suite: Suite) -> None:
    headers = await suite.auth("klyngeforum")
    before = await count_rows(suite)
    for kind in ("municipality", "region", "growth_forum", "municipal_association"):
        resp = await suite.http.post(
            ORGS, json={"name": f"Ny {kind}", "kind": kind}, headers=headers
        )
        body = assert_problem(resp, 422, "reference-kind")
        assert kind in body["detail"]
    assert await count_rows(suite) == before
