"""The directory's Open Referral HSDS 3.0 export (issue 5; issue 13: UUID ids, HSDS pages),
validated against the official HSDS 3.0 JSON schemas shipped in tests/referrals/data/hsds/
(see its SOURCE.md: repository, commit, paths, licence CC BY-SA 4.0).

The schemas refer to each other by relative paths (``"phone.json"``) and the HSDS API document
(``openapi.json``) to the compiled list items by absolute GitHub addresses; every file is
registered in a ``referencing`` registry under the address the API document uses, so both
resolve to the shipped copies. Formats are checked (``uuid``, ``email``; ``uri`` and
``date-time`` would need optional packages of jsonschema and are not).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from services.referrals.service.hsds import NAMESPACE, hsds_id
from tests.conftest import Suite
from tests.referrals.helpers import API, assert_problem, register_cluster, register_organisation
from tests.referrals.test_services_api import service_body

SCHEMAS = Path(__file__).parent / "data" / "hsds" / "schema"
#: Where the HSDS API document says the schemas are (branch 3.0 of openreferral/specification).
BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


@cache
def registry() -> Registry:
    resources = [
        (BASE + path.relative_to(SCHEMAS).as_posix(), json.loads(path.read_text("utf-8")))
        for path in sorted(SCHEMAS.rglob("*.json"))
    ]
    return Registry().with_resources(
        (uri, Resource.from_contents(contents, default_specification=DRAFT202012))
        for uri, contents in resources
    )


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, registry=registry(), format_checker=FormatChecker())


def by_ref(path: str) -> Draft202012Validator:
    """A validator of the schema file ``path`` (e.g. ``service.json``), its $refs resolved."""
    return validator({"$ref": BASE + path})


def list_answer(endpoint: str) -> Draft202012Validator:
    """A validator of the HSDS API's 200 answer of ``endpoint`` (``/services``): the Page
    schema with ``contents`` of the compiled list items, exactly as ``openapi.json`` says."""
    path = endpoint.replace("/", "~1")
    answer = f"/paths/{path}/get/responses/200/content/application~1json/schema"
    return validator({"$ref": f"{BASE}openapi.json#{answer}"})


def assert_valid(check: Draft202012Validator, instance: Any) -> None:
    errors = sorted(check.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_the_shipped_schemas_catch_what_hsds_forbids() -> None:
    """The registry really resolves the $refs and checks formats: ids that are not UUIDs, a
    status HSDS does not know, a nested area without an id and a page without its envelope
    keys' types are all errors."""
    service = by_ref("service.json")
    good = {"id": str(hsds_id("service", "svc-x")), "name": "Tilbud", "status": "active"}
    assert_valid(service, good)
    assert not service.is_valid(good | {"id": "svc-01a2"})
    assert not service.is_valid(good | {"status": "open"})
    assert not service.is_valid(good | {"service_areas": [{"name": "Danmark"}]})  # via $ref
    assert not service.is_valid(good | {"service_areas": [{"id": "area-DK"}]})
    page = list_answer("/services")
    assert page.is_valid({"total_items": 0, "contents": []})
    assert not page.is_valid({"total_items": "0", "contents": []})
    assert not page.is_valid({"contents": [{"id": "svc-1", "name": "x", "status": "active"}]})


async def test_hsds_export(suite: Suite) -> None:
    house = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    cluster = await register_cluster(suite, "Energiklyngen (test)")
    r = await suite.http.post(
        f"{API}/services", json=service_body(), headers=await suite.auth(house)
    )
    regional = r.json()["id"]
    body = service_body(area_kind="national", area_codes=[], email=None, phone=None)
    r = await suite.http.post(f"{API}/services", json=body, headers=await suite.auth(cluster))
    national = r.json()["id"]
    body = service_body(area_kind="municipalities", area_codes=["0851", "0849"], url=None)
    r = await suite.http.post(f"{API}/services", json=body, headers=await suite.auth(house))
    local = r.json()["id"]
    r = await suite.http.patch(
        f"{API}/services/{local}",
        json={"status": "inactive"},
        headers=await suite.auth(house) | {"If-Match": '"1"'},
    )
    assert r.status_code == 200

    r = await suite.http.get(f"{API}/hsds/services")  # public
    assert r.status_code == 200, r.text
    answer = r.json()
    assert_valid(list_answer("/services"), answer)
    for item in answer["contents"]:  # every nested object too, against the full service schema
        assert_valid(by_ref("service.json"), item)
    assert set(answer) == PAGE_KEYS
    assert {k: v for k, v in answer.items() if k != "contents"} == {
        "total_items": 3,
        "total_pages": 1,
        "page_number": 1,
        "size": 3,
        "first_page": True,
        "last_page": True,
        "empty": False,
    }
    items = {s["x-klyngeforum"]["id"]: s for s in answer["contents"]}
    assert set(items) == {regional, national, local}
    for internal, s in items.items():
        # ids are UUIDs derived from the Klyngeforum ids: uuid5 in a fixed namespace
        assert s["id"] == str(UUID(s["id"])) == hsds_id("service", internal)
        assert UUID(s["id"]).version == 5
        assert s["organization"]["id"] == s["organization_id"]
        org_internal = s["organization"]["x-klyngeforum"]["id"]
        assert s["organization_id"] == hsds_id("organization", org_internal)
        assert all(a["service_id"] == s["id"] for a in s["service_areas"])
        assert [lang["code"] for lang in s["languages"]] == ["da", "en"]
        assert s["last_modified"] == s["x-klyngeforum"]["updated_at"]
        assert None not in s.values()
    assert str(NAMESPACE) == "d2d28a76-2f11-5176-bbf7-bee76c646c8e"  # never changes
    again = (await suite.http.get(f"{API}/hsds/services")).json()
    assert [s["id"] for s in again["contents"]] == [s["id"] for s in answer["contents"]]

    reg = items[regional]
    assert reg["organization"]["name"] == "Erhvervshus Nordjylland (test)"
    assert reg["organization"]["x-klyngeforum"] == {
        "id": house,
        "kind": "growth_house",
        "municipality_code": "0851",
        "region_code": "1081",
    }
    assert reg["organization"]["description"] == (
        "Erhvervshus (væksthus) i Aalborg Kommune, Region Nordjylland"
    )
    [ident] = reg["organization"]["organization_identifiers"]
    assert ident["identifier_scheme"] == "DK-CVR" and len(ident["identifier"]) == 8
    assert ident["organization_id"] == reg["organization_id"]
    [area] = reg["service_areas"]
    assert (area["name"], area["extent"], area["extent_type"]) == (
        "Region Nordjylland",
        "1081",
        "text",
    )
    assert area["id"] == hsds_id("service_area", regional, "1081")
    [contact] = reg["contacts"]  # the organisation's contact point, not a person
    assert contact["name"] == "Erhvervshus Nordjylland (test)"
    assert contact["email"] == "Eksport@erhvervshus.example.dk"
    assert [p["number"] for p in contact["phones"]] == ["+45 70 20 30 40"]
    assert contact["phones"][0]["contact_id"] == contact["id"]
    assert reg["url"] == "https://erhvervshus.example.dk/eksport"
    ext = reg["x-klyngeforum"]
    assert [f["code"] for f in ext["fields"]] == ["energy", "food_bio"]
    assert ext["fields"][0] == {"code": "energy", "name_da": "Energi", "name_en": "Energy"}
    assert [t["code"] for t in ext["target_groups"]] == ["sme", "growth_firms"]
    assert ext["area_kind"] == "regions" and ext["area_codes"] == ["1081"]

    nat = items[national]
    assert [(a["name"], a["extent"]) for a in nat["service_areas"]] == [("Danmark", "DK")]
    assert "contacts" not in nat and "phones" not in nat
    assert nat["organization"]["x-klyngeforum"]["region_code"] == "1083"
    loc = items[local]
    assert loc["status"] == "inactive" and "url" not in loc
    assert [(a["name"], a["extent"]) for a in loc["service_areas"]] == [
        ("Aalborg Kommune", "0851"),
        ("Jammerbugt Kommune", "0849"),
    ]

    # numbered HSDS pages
    params: dict[str, Any] = {"status": "active", "per_page": 1}
    first = (await suite.http.get(f"{API}/hsds/services", params=params)).json()
    second = (await suite.http.get(f"{API}/hsds/services", params=params | {"page": 2})).json()
    beyond = (await suite.http.get(f"{API}/hsds/services", params=params | {"page": 3})).json()
    for page in (first, second, beyond):
        assert_valid(list_answer("/services"), page)
        assert (page["total_items"], page["total_pages"]) == (2, 2)
    assert (first["page_number"], first["first_page"], first["last_page"]) == (1, True, False)
    assert (second["page_number"], second["first_page"], second["last_page"]) == (2, False, True)
    assert first["size"] == second["size"] == 1 and not first["empty"]
    assert {first["contents"][0]["id"], second["contents"][0]["id"]} == {
        hsds_id("service", regional),
        hsds_id("service", national),
    }
    assert beyond["contents"] == [] and beyond["empty"] and beyond["size"] == 0
    for bad in ({"page": 0}, {"per_page": 0}, {"per_page": 1001}, {"page": "x"}):
        assert_problem(await suite.http.get(f"{API}/hsds/services", params=bad), 422)

    seen: dict[str, dict[str, Any]] = {}
    number, total = 1, None
    while True:
        page = (
            await suite.http.get(
                f"{API}/hsds/organizations", params={"per_page": 40, "page": number}
            )
        ).json()
        assert_valid(list_answer("/organizations"), page)
        for org in page["contents"]:
            assert_valid(by_ref("organization.json"), org)
        seen |= {o["x-klyngeforum"]["id"]: o for o in page["contents"]}
        total = page["total_items"]
        if page["last_page"]:
            break
        number += 1
    assert len(seen) == total and number == page["total_pages"]
    assert house in seen and cluster in seen
    assert "kommune-0851" in seen  # municipalities take part in the exchange
    assert seen["kommune-0851"]["id"] == hsds_id("organization", "kommune-0851")
    assert "fivu-rti" not in seen  # a ministry does not
    assert seen["kommune-0851"]["description"] == "Kommune i Region Nordjylland"
    assert seen[cluster]["x-klyngeforum"]["kind"] == "cluster_organisation"
