"""Joint events (§5 "fælles arrangementer for fælles SMV-målgrupper")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.conftest import Suite
from tests.gateway.sse import open_stream, serve
from tests.referrals.helpers import (
    API,
    assert_problem,
    outbox_events,
    register_cluster,
    register_organisation,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
URL = f"{API}/joint-events"


def proposal(partner: str, **extra: Any) -> dict[str, Any]:
    return {
        "partner_id": partner,
        "kind": "matchmaking",
        "title": "Energi-matchmaking for SMV'er",
        "description": "Små og mellemstore virksomheder møder klyngens videninstitutioner.",
        "target_groups": ["sme"],
        "fields": ["energy"],
        "starts_at": "2026-05-05T09:00:00+02:00",
        "ends_at": "2026-05-05T15:00:00+02:00",
        "place": "Odense Congress Center",
        "municipality_code": "0461",
    } | extra


async def test_a_proposal_accepted_becomes_an_activity_with_both_hosts(suite: Suite) -> None:
    suite.apps["referrals"].state.clock = lambda: NOW
    house = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    cluster = await register_cluster(suite, "Energiklyngen (test)", fields=["energy"])
    fyn = await register_organisation(suite, "Erhvervshus Fyn (test)", municipality_code="0461")
    r = await suite.http.post(
        f"{API}/services",
        json={"name": "Vækstforløb", "target_groups": ["sme"]},
        headers=await suite.auth(fyn),
    )
    assert r.status_code == 201, r.text
    h, c, f = await suite.auth(house), await suite.auth(cluster), await suite.auth(fyn)
    post = suite.http.post

    assert_problem(await post(URL, json=proposal(cluster)), 401)
    for body, kind in (
        (proposal(house), "partner-is-yourself"),
        (proposal("ghost-org"), "unknown-organisation"),
        (proposal("fivu-rti"), "not-a-party"),
        (proposal(cluster, target_groups=[]), None),  # a shared target group is required
        (proposal(cluster, target_groups=["pensioners"]), None),
        (proposal(cluster, ends_at="2026-05-05T08:00:00+02:00"), None),
        (proposal(cluster, municipality_code=None), None),
        (proposal(cluster, proposer_id=cluster), None),
        (proposal(cluster, starts_at="2026-01-05T09:00:00Z", ends_at="2026-01-05T10:00:00Z"), None),
    ):
        assert_problem(await post(URL, json=body, headers=h), 422, kind)
    body = proposal(cluster)
    del body["target_groups"]
    assert_problem(await post(URL, json=body, headers=h), 422)

    key = {"Idempotency-Key": "jev-1"}
    r = await post(URL, json=proposal(cluster), headers=h | key)
    assert r.status_code == 201, r.text
    joint = r.json()
    assert joint["state"] == "proposed" and joint["proposer_id"] == house
    assert joint["activity_id"] is None and r.headers["etag"] == '"1"'
    again = await post(URL, json=proposal(cluster), headers=h | key)
    assert again.status_code == 201 and again.json() == joint

    # only the two organisations involved see it
    one = f"{URL}/{joint['id']}"
    assert_problem(await suite.http.get(URL), 401)
    assert [j["id"] for j in (await suite.http.get(URL, headers=h)).json()["items"]] == [
        joint["id"]
    ]
    assert [j["id"] for j in (await suite.http.get(URL, headers=c)).json()["items"]] == [
        joint["id"]
    ]
    assert (await suite.http.get(URL, headers=f)).json()["items"] == []
    assert_problem(await suite.http.get(one), 401)
    assert_problem(await suite.http.get(one, headers=f), 404)
    r = await suite.http.get(one, headers=c)
    assert r.status_code == 200 and r.headers["etag"] == '"1"' and r.json() == joint

    accept = f"{one}/accept"
    assert_problem(await post(accept), 401)
    assert_problem(await post(accept, headers=f | {"If-Match": '"1"'}), 404)
    assert_problem(await post(accept, headers=h | {"If-Match": '"1"'}), 403, "not-the-partner")
    assert_problem(await post(accept, headers=c), 428)
    assert_problem(await post(accept, headers=c | {"If-Match": '"0"'}), 412)
    r = await post(accept, headers=c | {"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    accepted = r.json()
    assert accepted["state"] == "accepted" and accepted["activity_id"]
    assert r.headers["etag"] == '"2"'

    r = await suite.http.get(f"{API}/activities/{accepted['activity_id']}")
    activity = r.json()
    assert activity["organisation_id"] == house and activity["co_host_ids"] == [cluster]
    assert activity["joint_event_id"] == joint["id"] and activity["kind"] == "matchmaking"
    assert activity["starts_at"] == "2026-05-05T07:00:00Z" and activity["region_code"] == "1083"
    # announced like any activity: to the overlapping organisation, never to the hosts
    assert activity["announced_to"] == [fyn]
    [told] = await outbox_events(suite, "referrals.activity.announced")
    assert told["recipient"] == fyn and told["data"]["co_host_ids"] == [cluster]
    assert told["data"]["joint_event_id"] == joint["id"]
    assert told["data"]["overlap"] == ["target:sme"]
    [agreed] = await outbox_events(suite, "referrals.joint_event.agreed")
    assert "recipient" not in agreed  # public
    assert agreed["subject"] == joint["id"]
    assert agreed["data"] == {
        "joint_event_id": joint["id"],
        "proposer_id": house,
        "partner_id": cluster,
        "activity_id": activity["id"],
        "title": "Energi-matchmaking for SMV'er",
        "starts_at": agreed["data"]["starts_at"],
        "target_groups": ["sme"],
        "fields": ["energy"],
    }
    assert agreed["data"]["starts_at"].startswith("2026-05-05T07:00:00")
    # the co-host finds it among its activities
    listed = await suite.http.get(f"{API}/activities", params={"organisation": cluster})
    assert [a["id"] for a in listed.json()["items"]] == [activity["id"]]

    # an agreed event cannot move again
    assert_problem(
        await post(accept, headers=c | {"If-Match": '"2"'}), 409, "joint-event-not-proposed"
    )
    decline = {"reason": "For sent"}
    r = await post(f"{one}/decline", json=decline, headers=c | {"If-Match": '"2"'})
    assert_problem(r, 409)
    assert_problem(await post(f"{one}/withdraw", headers=h | {"If-Match": '"2"'}), 409)
    assert len(await outbox_events(suite, "referrals.joint_event.agreed")) == 1


async def test_decline_and_withdraw(suite: Suite) -> None:
    suite.apps["referrals"].state.clock = lambda: NOW
    house = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    partner = await register_organisation(
        suite, "Erhvervsservice Odense (test)", kind="business_service", municipality_code="0461"
    )
    h, p = await suite.auth(house), await suite.auth(partner)
    post = suite.http.post

    first = (await post(URL, json=proposal(partner), headers=h)).json()
    second = (await post(URL, json=proposal(partner, title="Anden idé"), headers=h)).json()
    one, two = f"{URL}/{first['id']}", f"{URL}/{second['id']}"

    r = await post(f"{one}/decline", json={"reason": "Nej"}, headers=h | {"If-Match": '"1"'})
    assert_problem(r, 403, "not-the-partner")
    assert_problem(await post(f"{one}/decline", json={}, headers=p | {"If-Match": '"1"'}), 422)
    r = await post(f"{one}/decline", json={"reason": "Nej"}, headers=p)
    assert_problem(r, 428)
    r = await post(
        f"{one}/decline", json={"reason": "Vi har en lignende dag"}, headers=p | {"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["state"] == "declined" and r.json()["decline_reason"] == "Vi har en lignende dag"
    )
    assert_problem(await post(f"{one}/withdraw", headers=h | {"If-Match": '"2"'}), 409)
    assert_problem(await post(f"{one}/accept", headers=p | {"If-Match": '"2"'}), 409)

    assert_problem(
        await post(f"{two}/withdraw", headers=p | {"If-Match": '"1"'}), 403, "not-the-proposer"
    )
    r = await post(f"{two}/withdraw", headers=h | {"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    assert_problem(await post(f"{two}/accept", headers=p | {"If-Match": '"2"'}), 409)

    r = await suite.http.get(URL, params={"state": "declined"}, headers=p)
    assert [j["id"] for j in r.json()["items"]] == [first["id"]]
    r = await suite.http.get(URL, params={"limit": 1}, headers=h)
    page = r.json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    r = await suite.http.get(URL, params={"limit": 1, "cursor": page["next_cursor"]}, headers=h)
    assert [j["id"] for j in page["items"] + r.json()["items"]] == [first["id"], second["id"]]
    assert_problem(await suite.http.get(URL, params={"state": "lost"}, headers=h), 422)
    assert await outbox_events(suite, "referrals.joint_event.agreed") == []
    assert await outbox_events(suite, "referrals.activity.announced") == []


async def test_the_partner_is_told_of_a_proposal_on_its_event_stream(suite: Suite) -> None:
    """Issue 13: ``referrals.joint_event.proposed`` is addressed to the partner (recorded with
    the proposal) and reaches the partner's SSE stream; the proposer's stream never shows it,
    only the public ``referrals.joint_event.agreed`` once the partner accepts. No personal data
    and no free text: the description stays in the service."""
    suite.apps["referrals"].state.clock = lambda: NOW
    house = await register_organisation(suite, "Erhvervshus Nordjylland (sse)")
    cluster = await register_cluster(suite, "Energiklyngen (sse)", fields=["energy"])
    h, c = await suite.auth(house), await suite.auth(cluster)
    wanted = {"types": "referrals.joint_event.*"}
    async with (
        serve(suite.dispatcher) as base,
        httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10.0, read=30.0)) as http,
        open_stream(http, params=wanted, headers=c) as partner,
        open_stream(http, params=wanted, headers=h) as proposer,
    ):
        r = await suite.http.post(URL, json=proposal(cluster), headers=h)
        assert r.status_code == 201, r.text
        joint = r.json()
        message = await partner.next_event()
        assert message.event == "referrals.joint_event.proposed"
        envelope = message.json()
        assert envelope["recipient"] == cluster and envelope["subject"] == joint["id"]
        assert envelope["data"] == {
            "joint_event_id": joint["id"],
            "proposer_id": house,
            "partner_id": cluster,
            "kind": "matchmaking",
            "title": "Energi-matchmaking for SMV'er",
            "starts_at": envelope["data"]["starts_at"],
            "ends_at": envelope["data"]["ends_at"],
            "municipality_code": "0461",
            "online": False,
            "target_groups": ["sme"],
            "fields": ["energy"],
        }
        assert envelope["data"]["starts_at"].startswith("2026-05-05T07:00:00")
        assert "description" not in envelope["data"]
        r = await suite.http.post(f"{URL}/{joint['id']}/accept", headers=c | {"If-Match": '"1"'})
        assert r.status_code == 200, r.text
        seen = await proposer.next_event()  # the agreement, public: the proposal was not shown
        assert seen.event == "referrals.joint_event.agreed"
        assert (await partner.next_event()).event == "referrals.joint_event.agreed"
    [told] = await outbox_events(suite, "referrals.joint_event.proposed")
    assert told["recipient"] == cluster
