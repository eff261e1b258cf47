"""Services in the directory (§5). Their HSDS 3.0 export: test_hsds_export.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.referrals.models import OfferedService
from tests.conftest import Suite
from tests.referrals.helpers import API, assert_problem, register_cluster, register_organisation


def service_body(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Eksportrådgivning for SMV'er",
        "description": "Sparring om eksport, nye markeder og internationalisering.",
        "fields": ["energy", "food_bio"],
        "target_groups": ["sme", "growth_firms"],
        "area_kind": "regions",
        "area_codes": ["1081"],
        "email": "Eksport@Erhvervshus.example.DK",
        "phone": "+45 70 20 30 40",
        "url": "https://erhvervshus.example.dk/eksport",
        "languages": ["da", "en"],
    } | extra


async def stored(suite: Suite, service_id: str) -> OfferedService:
    async with suite.apps["referrals"].state.session_factory() as session:
        row = await session.get(OfferedService, service_id)
        assert row is not None
        return row


async def test_publish_and_change_a_service(suite: Suite) -> None:
    house = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    other = await register_organisation(suite, "Erhvervshus Fyn (test)", municipality_code="0461")
    mine, theirs = await suite.auth(house), await suite.auth(other)
    post, patch = suite.http.post, suite.http.patch

    # who may publish: a token is needed, of a party, in its own name
    assert_problem(await post(f"{API}/services", json=service_body()), 401)
    r = await post(f"{API}/services", json=service_body(), headers=await suite.auth("fivu-rti"))
    assert_problem(r, 403, "insufficient-scope")
    r = await post(f"{API}/services", json=service_body(organisation_id=other), headers=mine)
    assert_problem(r, 403, "not-your-organisation")

    # validation: codes, area, lengths, contact point, no unknown keys
    for bad in (
        {"fields": ["rocket_science"]},
        {"fields": ["energy", "energy"]},
        {"target_groups": ["pensioners"]},
        {"area_kind": "regions", "area_codes": []},
        {"area_kind": "regions", "area_codes": ["0851"]},
        {"area_kind": "municipalities", "area_codes": ["9999"]},
        {"area_kind": "national", "area_codes": ["1081"]},
        {"area_kind": "planet"},
        {"name": "E"},
        {"name": "x" * 201},
        {"description": "x" * 5001},
        {"email": "ikke-en-adresse"},
        {"phone": "ring til Bo"},
        {"phone": "123"},
        {"url": "erhvervshus"},
        {"languages": ["dansk"]},
        {"status": "closed"},
        {"name": "Eksport\x00"},
        {"owner": house},
    ):
        assert_problem(await post(f"{API}/services", json=service_body(**bad), headers=mine), 422)

    key = {"Idempotency-Key": "svc-1"}
    r = await post(f"{API}/services", json=service_body(), headers=mine | key)
    assert r.status_code == 201, r.text
    svc = r.json()
    assert r.headers["etag"] == '"1"' and r.headers["location"] == f"{API}/services/{svc['id']}"
    assert svc["organisation_id"] == house and svc["status"] == "active"
    assert svc["organisation"] == {
        "id": house,
        "name": "Erhvervshus Nordjylland (test)",
        "kind": "growth_house",
        "municipality_code": "0851",
        "region_code": "1081",
    }
    assert svc["email"] == "Eksport@erhvervshus.example.dk"
    again = await post(f"{API}/services", json=service_body(), headers=mine | key)
    assert again.status_code == 201 and again.json() == svc
    r = await post(f"{API}/services", json=service_body(name="Andet"), headers=mine | key)
    assert_problem(r, 422, "idempotency-key-reused")

    row = await stored(suite, svc["id"])
    terms = row.search_terms.split()
    # name, description, the fields' Danish and English names, the target groups' labels
    for stem in ("eksportrådgivning", "internationalisering", "energi", "fødevar", "bioressourc"):
        assert stem in terms, (stem, terms)
    assert "mellemstor" in terms and "growth" in terms
    first_seq = row.change_seq

    url = f"{API}/services/{svc['id']}"
    r = await suite.http.get(url)
    assert r.status_code == 200 and r.headers["etag"] == '"1"' and r.json() == svc
    assert_problem(await suite.http.get(f"{API}/services/svc-nope"), 404)

    change: dict[str, Any] = {"name": "Eksport og nye markeder", "area_kind": "municipalities"}
    change |= {"area_codes": ["851", "0849"]}
    assert_problem(await patch(url, json=change), 401)
    assert_problem(await patch(url, json=change, headers=theirs | {"If-Match": '"1"'}), 403)
    assert_problem(await patch(url, json=change, headers=mine), 428)
    assert_problem(await patch(url, json=change, headers=mine | {"If-Match": '"9"'}), 412)
    r = await patch(url, json={"area_kind": "municipalities"}, headers=mine | {"If-Match": '"1"'})
    assert_problem(r, 422, "invalid-area")
    assert_problem(await patch(url, json={"name": None}, headers=mine | {"If-Match": '"1"'}), 422)
    assert_problem(await patch(url, json={}, headers=mine | {"If-Match": '"1"'}), 422)
    r = await patch(url, json=change, headers=mine | {"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    assert r.json()["area_codes"] == ["0851", "0849"] and r.json()["name"] == change["name"]
    row = await stored(suite, svc["id"])
    assert row.change_seq > first_seq and "marked" in row.search_terms.split()
    # national needs no codes: switching to it drops them
    r = await patch(url, json={"area_kind": "national"}, headers=mine | {"If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["area_codes"] == []
    # an unchanged value changes nothing (no new version)
    r = await patch(url, json={"area_kind": "national"}, headers=mine | {"If-Match": '"3"'})
    assert r.headers["etag"] == '"3"'

    # status through PATCH (HSDS statuses); defunct ends it for good, no delete
    r = await patch(url, json={"status": "temporarily closed"}, headers=mine | {"If-Match": '"3"'})
    assert r.json()["status"] == "temporarily closed"
    listed = (await suite.http.get(f"{API}/services", params={"organisation": house})).json()
    assert listed["items"] == []
    listed = await suite.http.get(
        f"{API}/services", params={"organisation": house, "status": "temporarily closed"}
    )
    assert [s["id"] for s in listed.json()["items"]] == [svc["id"]]
    r = await patch(url, json={"status": "defunct"}, headers=mine | {"If-Match": '"4"'})
    assert r.status_code == 200 and r.json()["status"] == "defunct"
    r = await patch(url, json={"status": "active"}, headers=mine | {"If-Match": '"5"'})
    assert_problem(r, 409, "service-defunct")
    assert (await suite.http.delete(url, headers=mine)).status_code == 405


async def test_list_filters_area_and_pages(suite: Suite) -> None:
    house = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    cluster = await register_cluster(suite, "Energiklyngen (test)")
    h, c = await suite.auth(house), await suite.auth(cluster)
    made: dict[str, str] = {}
    for name, body, headers in (
        ("national", {"area_kind": "national", "area_codes": []}, c),
        ("nordjylland", {"area_kind": "regions", "area_codes": ["1081"]}, h),
        ("aalborg", {"area_kind": "municipalities", "area_codes": ["0851"]}, h),
        ("odense", {"area_kind": "municipalities", "area_codes": ["0461"], "fields": []}, h),
        (
            "startups",
            {"target_groups": ["startups"], "fields": ["digital"], "area_codes": ["1083"]},
            c,
        ),
    ):
        r = await suite.http.post(
            f"{API}/services", json=service_body(name=f"Tilbud {name}", **body), headers=headers
        )
        assert r.status_code == 201, r.text
        made[name] = r.json()["id"]

    async def ids(**params: Any) -> list[str]:
        r = await suite.http.get(f"{API}/services", params=params)
        assert r.status_code == 200, r.text
        return sorted(s["id"] for s in r.json()["items"])

    def names(*keys: str) -> list[str]:
        return sorted(made[k] for k in keys)

    everything = names(*made)
    assert await ids() == everything  # public: no token needed
    # a service serves a municipality if national, in its region, or it is listed
    assert await ids(municipality="0851") == names("national", "nordjylland", "aalborg")
    assert await ids(municipality="851") == names("national", "nordjylland", "aalborg")
    assert await ids(municipality="0849") == names("national", "nordjylland")  # Jammerbugt
    assert await ids(municipality="0461") == names("national", "odense", "startups")
    assert await ids(organisation=cluster) == names("national", "startups")
    assert await ids(field="digital") == names("startups")
    assert await ids(field="food_bio") == names("national", "nordjylland", "aalborg")
    assert await ids(target_group="startups") == names("startups")
    assert await ids(target_group="sme") == names("national", "nordjylland", "aalborg", "odense")
    for bad in ({"municipality": "9999"}, {"field": "rocket"}, {"target_group": "x"}):
        assert_problem(await suite.http.get(f"{API}/services", params=bad), 422)
    assert_problem(
        await suite.http.get(f"{API}/services", params={"cursor": "%%%"}), 422, "invalid-cursor"
    )

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await suite.http.get(f"{API}/services", params=params)).json()
        assert len(page["items"]) <= 2
        seen += [s["id"] for s in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert sorted(seen) == everything and len(seen) == len(set(seen))

    async with suite.apps["referrals"].state.session_factory() as session:
        seqs = (
            await session.execute(select(OfferedService.change_seq).order_by(OfferedService.id))
        ).scalars()
        seqs_list = list(seqs)
    assert seqs_list == sorted(seqs_list) and len(set(seqs_list)) == len(seqs_list)
