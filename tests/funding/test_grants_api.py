"""Grants, agreements, the cluster read model and the 360Giving export (issue 4)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Suite, eventually
from tests.funding.helpers import (
    API,
    assert_problem,
    outbox,
    plan_call,
    programme,
    register_cluster,
)

#: The required fields of a grant in the 360Giving Data Standard JSON schema
#: (360-giving-package-schema.json → grants.items "required", standard v1.3:
#: https://standard.threesixtygiving.org/en/latest/technical/reference/), and the required
#: fields of recipientOrganization / fundingOrganization items (id, name).
GRANT_REQUIRED = [
    "id",
    "title",
    "description",
    "currency",
    "amountAwarded",
    "awardDate",
    "recipientOrganization",
    "fundingOrganization",
]
ORGANIZATION_REQUIRED = ["id", "name"]


def grant_body(cluster: str, prog: str, **extra: Any) -> dict[str, Any]:
    return {
        "cluster_id": cluster,
        "programme_id": prog,
        "title": "Grundfinansiering 2015–2018",
        "amount_dkk": 8_000_000,
        "starts_on": "2015-01-01",
        "ends_on": "2018-12-31",
        "activities": ["matchmaking", "secretariat"],
        # issue 13: base funding outside a call records why (§3, §4.1)
        "exemption_reason": "Overgangsordning til næste udbud",
    } | extra


async def test_grants_award_amend_terminate(suite: Suite) -> None:
    cluster = await register_cluster(suite)
    prog = await programme(suite)
    fivu = await suite.auth("fivu-rti")
    region = await suite.auth("region-1081")
    post = suite.http.post

    # the Done-when: a region cannot award in another funder's name
    r = await post(
        f"{API}/grants", json=grant_body(cluster, prog) | {"funder_id": "fivu-rti"}, headers=region
    )
    assert_problem(r, 403, "not-your-organisation")
    # nor under another funder's programme
    assert_problem(await post(f"{API}/grants", json=grant_body(cluster, prog), headers=region), 403)
    # amounts ≤ 0, end before start, unknown cluster → 422
    for bad, kind in (
        ({"amount_dkk": 0}, None),
        ({"amount_dkk": -1}, None),
        ({"ends_on": "2014-12-31"}, None),
        ({"cluster_id": "no-such-cluster"}, "unknown-cluster"),
        ({"kind": "project"}, "kind-mismatch"),
        ({"activities": ["x" * 201]}, None),
        ({"title": "a\x00"}, None),
        ({"agreement_id": "agr-nope"}, "unknown-agreement"),
    ):
        r = await post(f"{API}/grants", json=grant_body(cluster, prog) | bad, headers=fivu)
        assert_problem(r, 422, kind)
    # a call still open cannot carry grants yet
    call = await plan_call(suite, programme_id=prog, strategic=False, budget_dkk=5)
    r = await post(
        f"{API}/grants", json=grant_body(cluster, prog) | {"call_id": call["id"]}, headers=fivu
    )
    assert_problem(r, 409, "call-not-decided")

    key = {"Idempotency-Key": "grant-1"}
    r = await post(f"{API}/grants", json=grant_body(cluster, prog), headers=fivu | key)
    assert r.status_code == 201, r.text
    grant = r.json()
    again = await post(f"{API}/grants", json=grant_body(cluster, prog), headers=fivu | key)
    assert again.status_code == 201 and again.json() == grant
    assert again.headers["location"] == r.headers["location"] == f"{API}/grants/{grant['id']}"
    assert grant["kind"] == "base" and grant["funder_id"] == "fivu-rti"
    [awarded] = await outbox(suite, "funding.grant.awarded")
    assert awarded["data"]["amount_dkk"] == 8_000_000
    assert awarded["data"]["activities"] == ["matchmaking", "secretariat"]

    url = f"{API}/grants/{grant['id']}"
    change = {"amount_dkk": 6_000_000, "activities": ["matchmaking"]}
    assert_problem(
        await suite.http.patch(url, json=change, headers=region | {"If-Match": '"1"'}), 403
    )
    assert_problem(await suite.http.patch(url, json=change, headers=fivu), 428)
    assert_problem(
        await suite.http.patch(url, json=change, headers=fivu | {"If-Match": '"7"'}), 412
    )
    r = await suite.http.patch(
        url, json={"ends_on": "2014-01-01"}, headers=fivu | {"If-Match": '"1"'}
    )
    assert_problem(r, 422, "invalid-period")
    r = await suite.http.patch(url, json={"amount_dkk": None}, headers=fivu | {"If-Match": '"1"'})
    assert_problem(r, 422)
    r = await suite.http.patch(url, json=change, headers=fivu | {"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["amount_dkk"] == 6_000_000 and r.headers["etag"] == '"2"'
    [amended] = await outbox(suite, "funding.grant.amended")
    assert sorted(amended["data"]["changed"]) == ["activities", "amount_dkk"]

    stop = {"terminated_on": "2016-06-30", "reason": "Klyngen fusionerede"}
    term = f"{url}/terminate"
    assert_problem(await post(term, json=stop, headers=region | {"If-Match": '"2"'}), 403)
    r = await post(
        term, json=stop | {"terminated_on": "2019-01-01"}, headers=fivu | {"If-Match": '"2"'}
    )
    assert_problem(r, 422, "invalid-termination-date")
    r = await post(term, json=stop, headers=fivu | {"If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["status"] == "terminated"
    assert_problem(await post(term, json=stop, headers=fivu | {"If-Match": '"3"'}), 409)
    assert_problem(
        await suite.http.patch(url, json=change, headers=fivu | {"If-Match": '"3"'}), 409
    )
    [terminated] = await outbox(suite, "funding.grant.terminated")
    assert terminated["data"]["terminated_on"] == "2016-06-30"

    listed = await suite.http.get(f"{API}/grants", params={"cluster": cluster})
    assert [g["id"] for g in listed.json()["items"]] == [grant["id"]]
    assert_problem(await suite.http.get(f"{API}/grants/nope"), 404)


async def test_read_model_follows_registry_and_inactive_clusters_get_no_grants(
    suite: Suite,
) -> None:
    cluster = await register_cluster(suite, "Robotklyngen", fields=["robotics"])
    forum = await suite.auth("vaekstforum-midtjylland")
    r = await suite.http.get(f"/registry/v1/clusters/{cluster}")
    r = await suite.http.post(
        f"/registry/v1/clusters/{cluster}/league-changes",
        json={"league": "emerging", "reason": "Ny vurdering"},
        headers=await suite.auth("fivu-rti") | {"If-Match": r.headers["etag"]},
    )
    assert r.status_code in (200, 201), r.text

    async def league() -> bool:
        got = (await suite.http.get(f"{API}/clusters/{cluster}")).json()
        return got["league"] == "emerging" and got["responsibility_primary"] != ["fivu-rti"]

    await eventually(league)
    r = await suite.http.get(f"/registry/v1/clusters/{cluster}")
    r = await suite.http.post(
        f"/registry/v1/clusters/{cluster}/status",
        json={"status": "dissolved", "reason": "Lukket"},
        headers=await suite.auth("fivu-rti") | {"If-Match": r.headers["etag"]},
    )
    assert r.status_code in (200, 201), r.text

    async def dissolved() -> bool:
        return (await suite.http.get(f"{API}/clusters/{cluster}")).json()["status"] == "dissolved"

    await eventually(dissolved)
    prog = await programme(suite, "vaekstforum-midtjylland", source="regional")
    r = await suite.http.post(f"{API}/grants", json=grant_body(cluster, prog), headers=forum)
    assert_problem(r, 422, "cluster-not-active")
    listed = (await suite.http.get(f"{API}/clusters")).json()["items"]
    assert [c["id"] for c in listed] == [cluster]


async def test_agreements_and_grants_that_refer_to_them(suite: Suite) -> None:
    a = await register_cluster(suite, "Fødevareklyngen", fields=["food_bio"])
    b = await register_cluster(suite, "Vandklyngen", fields=["water_environment"])
    midt = await suite.auth("vaekstforum-midtjylland")
    fivu = await suite.auth("fivu-rti")
    division = {
        "kind": "division_of_labour",
        "title": "Arbejdsdeling 2015",
        "parties": [
            {"party_id": "fivu-rti", "cluster_ids": [a]},
            {"party_id": "vaekstforum-midtjylland", "cluster_ids": [b]},
        ],
    }
    # only a party records it; clusters must be known; a cluster funded by two parties is refused
    r = await suite.http.post(
        f"{API}/agreements", json=division, headers=await suite.auth("region-1083")
    )
    assert_problem(r, 403, "not-a-party")
    bad = division | {
        "parties": [division["parties"][0], {"party_id": "kl", "cluster_ids": ["nope"]}]
    }
    assert_problem(
        await suite.http.post(f"{API}/agreements", json=bad, headers=fivu), 422, "unknown-cluster"
    )
    bad = division | {"parties": [division["parties"][0], {"party_id": "kl", "cluster_ids": [a]}]}
    assert_problem(await suite.http.post(f"{API}/agreements", json=bad, headers=fivu), 422)
    bad = division | {
        "parties": [division["parties"][0], {"party_id": "ghost", "cluster_ids": [b]}]
    }
    r = await suite.http.post(f"{API}/agreements", json=bad, headers=fivu)
    assert_problem(r, 422, "unknown-organisation")
    r = await suite.http.post(f"{API}/agreements", json=division, headers=midt)
    assert r.status_code == 201, r.text
    agreement = r.json()
    # issue 12: a proposal, addressed to each named party; in force once FIVU/RTI confirms
    assert agreement["state"] == "proposed" and agreement["waiting_for"] == ["fivu-rti"]
    proposed = await outbox(suite, "funding.agreement.proposed")
    assert sorted(e["recipient"] for e in proposed) == ["fivu-rti", "vaekstforum-midtjylland"]
    assert await outbox(suite, "funding.agreement.concluded") == []
    r = await suite.http.post(f"{API}/agreements/{agreement['id']}/confirm", headers=fivu)
    assert r.status_code == 200 and r.json()["state"] == "in_force", r.text
    [concluded] = await outbox(suite, "funding.agreement.concluded")
    assert concluded["data"]["kind"] == "division_of_labour"
    assert concluded["data"]["created_by"] == "vaekstforum-midtjylland"

    co = {
        "kind": "co_financing",
        "title": "Samfinansiering af vandklyngen",
        "cluster_id": b,
        "parties": [
            {
                "party_id": "fivu-rti",
                "activities": ["internationalisation"],
                "starts_on": "2015-01-01",
                "ends_on": "2016-12-31",
            },
            {
                "party_id": "vaekstforum-midtjylland",
                "activities": ["matchmaking"],
                "starts_on": "2017-01-01",
                "ends_on": "2018-12-31",
            },
        ],
    }
    assert_problem(
        await suite.http.post(f"{API}/agreements", json=co | {"cluster_id": None}, headers=fivu),
        422,
    )
    r = await suite.http.post(f"{API}/agreements", json=co, headers=fivu)
    assert r.status_code == 201, r.text
    co_id = r.json()["id"]

    prog = await programme(suite, "vaekstforum-midtjylland", source="regional")
    # the division of labour gives cluster b to Midtjylland, not a
    r = await suite.http.post(
        f"{API}/grants", json=grant_body(a, prog) | {"agreement_id": agreement["id"]}, headers=midt
    )
    assert_problem(r, 422, "agreement-does-not-cover")
    r = await suite.http.post(
        f"{API}/grants", json=grant_body(b, prog) | {"agreement_id": co_id}, headers=midt
    )
    assert r.status_code == 201 and r.json()["agreement_id"] == co_id
    listed = await suite.http.get(f"{API}/agreements", params={"cluster": a})
    assert [x["id"] for x in listed.json()["items"]] == [agreement["id"]]
    listed = await suite.http.get(f"{API}/agreements", params={"party": "fivu-rti", "limit": 1})
    assert len(listed.json()["items"]) == 1 and listed.json()["next_cursor"]
    assert_problem(await suite.http.get(f"{API}/agreements/nope"), 404)


async def test_360giving_export_has_the_required_fields(suite: Suite) -> None:
    cluster = await register_cluster(suite, "Maritim klynge", fields=["maritime"])
    prog = await programme(suite)
    r = await suite.http.post(
        f"{API}/grants",
        json=grant_body(cluster, prog) | {"description": "Basisbevilling"},
        headers=await suite.auth("fivu-rti"),
    )
    assert r.status_code == 201, r.text
    grant_id = r.json()["id"]
    cvr = (await suite.http.get(f"/registry/v1/organisations/{cluster}")).json()["cvr"]

    async def directory_has_cluster() -> bool:
        return (await suite.http.get(f"{API}/organisations/{cluster}")).status_code == 200

    await eventually(directory_has_cluster)
    export = await suite.http.get(f"{API}/exports/360giving.json")
    assert export.status_code == 200
    [g] = export.json()["grants"]
    for field in GRANT_REQUIRED:
        assert field in g and g[field] not in (None, "", []), field
    for org in (*g["recipientOrganization"], *g["fundingOrganization"]):
        for field in ORGANIZATION_REQUIRED:
            assert isinstance(org[field], str) and org[field], (field, org)
    assert g["id"] == f"360G-klyngeforum-{grant_id}"
    assert g["currency"] == "DKK" and g["amountAwarded"] == 8_000_000
    assert g["recipientOrganization"][0] == {"id": f"DK-CVR-{cvr}", "name": "Maritim klynge"}
    assert g["fundingOrganization"][0]["id"] == "360G-klyngeforum-org-fivu-rti"
    assert g["plannedDates"][0]["startDate"] == "2015-01-01"
    assert g["plannedDates"][0]["endDate"] == "2018-12-31"
    # issue 13: base funding without a call shows its exemption and why
    assert {
        "vocabulary": "klyngeforum-award-basis",
        "code": "exemption",
        "title": "Exempt from competition: Overgangsordning til næste udbud",
    } in g["classifications"]
