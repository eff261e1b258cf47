"""The cluster facts in registry events carry the member summary, functions and label that the
annual account derives its member indicators from (§4.1)."""

from __future__ import annotations

from tests.conftest import Suite, outbox_envelopes
from tests.funding.helpers import cvr


async def test_cluster_updated_counts_members_by_kind_and_smes(suite: Suite) -> None:
    r = await suite.http.post(
        "/registry/v1/clusters",
        json={
            "name": "Medlemsklyngen",
            "cvr": cvr(),
            "cluster_kind": "cluster",
            "league": "national",
            "home_municipality_code": "0751",
            "fields": ["energy"],
            "functions": ["bridge_builder"],
        },
        headers=await suite.auth("fivu-rti"),
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    registered = (await outbox_envelopes(suite, "registry", "registry.cluster.registered"))[-1]
    assert registered["data"]["members_by_kind"] == {}
    assert registered["data"]["sme_firms"] == 0
    assert registered["data"]["functions"] == ["bridge_builder"]
    # The label is recorded by an issuer (issue 12), and the facts carry it from then on.
    label = await suite.http.post(
        f"/registry/v1/clusters/{cid}/labels",
        json={"level": "silver", "issued_on": "2028-06-30", "valid_until": "2030-06-30"},
        headers=await suite.auth("klyngeforum"),
    )
    assert label.status_code == 201, label.text
    labelled = (await outbox_envelopes(suite, "registry", "registry.cluster.updated"))[-1]
    assert labelled["data"]["label_level"] == "silver"
    assert labelled["data"]["label_valid_until"] == "2030-06-30"

    own = await suite.auth(cid)
    members = [
        {"kind": "firm", "name": "Lille ApS", "employees": 12},
        {"kind": "firm", "name": "Mellem A/S", "employees": 49},
        {"kind": "firm", "name": "Stor A/S", "employees": 50},
        {"kind": "firm", "name": "Ukendt ApS"},
        {"kind": "knowledge_institution", "name": "Aarhus Universitet"},
    ]
    for member in members:
        resp = await suite.http.post(
            f"/registry/v1/clusters/{cid}/members", json=member, headers=own
        )
        assert resp.status_code == 201, resp.text
    updated = (await outbox_envelopes(suite, "registry", "registry.cluster.updated"))[-1]
    assert updated["data"]["cluster_id"] == cid
    assert updated["data"]["member_count"] == 5
    assert updated["data"]["members_by_kind"] == {"firm": 4, "knowledge_institution": 1}
    assert updated["data"]["sme_firms"] == 2  # 12 and 49 employees; 50 is not under 50
    assert updated["data"]["firms_size_unknown"] == 1
