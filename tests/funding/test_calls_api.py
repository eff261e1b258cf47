"""Programmes and calls through the API: who may write, validation, states (issue 4)."""

from __future__ import annotations

from tests.conftest import Suite
from tests.funding.helpers import API, assert_problem, call_body, outbox, plan_call, programme


async def test_programmes(suite: Suite) -> None:
    prog = await programme(suite, "vaekstforum-midtjylland", kind="project", source="regional")
    r = await suite.http.get(f"{API}/programmes", params={"funder": "vaekstforum-midtjylland"})
    assert [p["id"] for p in r.json()["items"]] == [prog]
    assert (await suite.http.get(f"{API}/programmes/{prog}")).json()["funder_id"] == (
        "vaekstforum-midtjylland"
    )
    [event] = await outbox(suite, "funding.programme.created")
    assert event["data"]["programme_id"] == prog
    body = {
        "name": "P",
        "kind": "base",
        "source": "national",
        "starts_on": "2015-01-01",
        "ends_on": "2018-12-31",
    }
    region = await suite.auth("region-1081")
    # in another funder's name → 403; without the scope → 403; anonymous → 401
    r = await suite.http.post(
        f"{API}/programmes", json=body | {"funder_id": "fivu-rti"}, headers=region
    )
    assert_problem(r, 403, "not-your-organisation")
    r = await suite.http.post(f"{API}/programmes", json=body, headers=await suite.auth("kl"))
    assert_problem(r, 403, "insufficient-scope")
    assert_problem(await suite.http.post(f"{API}/programmes", json=body), 401)
    # validation: unknown field, period backwards, NUL, over-long name → 422 problem+json
    for bad in (
        body | {"priority_fields": ["astrology"]},
        body | {"ends_on": "2014-01-01"},
        body | {"name": "a\x00b"},
        body | {"name": "x" * 301},
        body | {"kind": "loan"},
    ):
        assert_problem(await suite.http.post(f"{API}/programmes", json=bad, headers=region), 422)
    assert_problem(await suite.http.get(f"{API}/programmes/nope"), 404)
    # Idempotency-Key: the same answer again, one programme
    key = {"Idempotency-Key": "prog-1"}
    first = await suite.http.post(f"{API}/programmes", json=body, headers=region | key)
    again = await suite.http.post(f"{API}/programmes", json=body, headers=region | key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.headers["location"] == again.headers["location"]
    r = await suite.http.get(f"{API}/programmes", params={"funder": "region-1081"})
    assert len(r.json()["items"]) == 1


async def test_call_validation_and_ownership(suite: Suite) -> None:
    prog = await programme(suite)
    fivu = await suite.auth("fivu-rti")
    post = suite.http.post
    for bad, kind in (
        ({"budget_dkk": 0}, None),
        ({"budget_dkk": -5}, None),
        ({"closes_on": "2014-03-01"}, "invalid-dates"),
        ({"decision_on": "2014-05-01"}, "invalid-dates"),
        ({"scope": "regional"}, "wrong-scope"),
        ({"title": "\x00"}, None),
        ({"criteria": [{"name": "x", "weight": 0}]}, None),
    ):
        r = await post(f"{API}/calls", json=call_body(prog) | bad, headers=fivu)
        assert_problem(r, 422, kind)
    # another funder's programme → 403; unknown programme → 422
    r = await post(f"{API}/calls", json=call_body(prog), headers=await suite.auth("region-1081"))
    assert_problem(r, 403, "not-your-programme")
    r = await post(f"{API}/calls", json=call_body("prg-nope"), headers=fivu)
    assert_problem(r, 422, "unknown-programme")
    r = await post(
        f"{API}/calls",
        json=call_body(prog) | {"funder_id": "vaekstforum-bornholm"},
        headers=fivu,
    )
    assert_problem(r, 403, "not-your-organisation")


async def test_call_states_and_published_criteria(suite: Suite) -> None:
    prog = await programme(suite, kind="project", source="ministry")
    fivu = await suite.auth("fivu-rti")
    call = await plan_call(
        suite, programme_id=prog, strategic=False, budget_dkk=1_000_000, criteria=[]
    )
    cid = call["id"]
    assert call["state"] == "planned" and call["dialogue"] is None and not call["announced"]
    assert await outbox(suite, "funding.dialogue.requested") == []

    # no published criteria → 409 that says why
    body = assert_problem(await suite.http.post(f"{API}/calls/{cid}/open", headers=fivu), 409)
    assert body["type"].endswith("criteria-not-published") and "criteria" in body["detail"]
    # illegal transitions → 409 with the current state
    body = assert_problem(
        await suite.http.post(f"{API}/calls/{cid}/close", headers=fivu), 409, "illegal-transition"
    )
    assert body["current_state"] == "planned"

    publish = f"{API}/calls/{cid}/criteria/publish"
    other = await suite.auth("vaekstforum-sjaelland")
    criteria = {
        "criteria": [{"name": "Effekt", "weight": 70}, {"name": "Samarbejde", "weight": 30}]
    }
    # the wrong caller, a missing or stale If-Match, weights not adding to 100
    assert_problem(
        await suite.http.post(publish, json=criteria, headers=other), 403, "not-your-call"
    )
    assert_problem(await suite.http.post(publish, json=criteria, headers=fivu), 428)
    r = await suite.http.post(publish, json=criteria, headers=fivu | {"If-Match": '"9"'})
    assert_problem(r, 412)
    r = await suite.http.post(
        publish,
        json={"criteria": [{"name": "Effekt", "weight": 70}]},
        headers=fivu | {"If-Match": '"1"'},
    )
    assert_problem(r, 422, "criteria-weights")
    r = await suite.http.post(publish, json=criteria, headers=fivu | {"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["criteria_published"] and r.headers["etag"] == '"2"'
    r = await suite.http.post(publish, json=criteria, headers=fivu | {"If-Match": '"2"'})
    assert_problem(r, 409, "criteria-already-published")

    for action in ("open", "close", "decide"):
        r = await suite.http.post(f"{API}/calls/{cid}/{action}", headers=other)
        assert_problem(r, 403, "not-your-call")
        r = await suite.http.post(f"{API}/calls/{cid}/{action}", headers=fivu)
        assert r.status_code == 200, r.text
    assert r.json()["state"] == "decided"
    body = assert_problem(
        await suite.http.post(f"{API}/calls/{cid}/cancel", headers=fivu), 409, "illegal-transition"
    )
    assert body["current_state"] == "decided"
    types = [e["type"] for e in await outbox(suite) if e["type"].startswith("funding.call")]
    assert types == [
        "funding.call.planned",
        "funding.call.opened",
        "funding.call.closed",
        "funding.call.decided",
    ]

    # cancelling a call in dialogue closes the dialogue too
    dialogue_call = await plan_call(suite)
    assert_problem(
        await suite.http.post(f"{API}/calls/{dialogue_call['id']}/cancel", headers=other), 403
    )
    r = await suite.http.post(
        f"{API}/calls/{dialogue_call['id']}/cancel", json={"reason": "Udskudt"}, headers=fivu
    )
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    [closed] = await outbox(suite, "funding.dialogue.closed")
    assert closed["data"]["reason"] == "cancelled"
    [cancelled] = await outbox(suite, "funding.call.cancelled")
    assert cancelled["data"]["reason"] == "Udskudt"

    listed = await suite.http.get(f"{API}/calls", params={"state": "decided", "limit": 1})
    assert [c["id"] for c in listed.json()["items"]] == [cid]
    assert_problem(await suite.http.get(f"{API}/calls/nope"), 404)
    assert_problem(
        await suite.http.get(f"{API}/calls", params={"cursor": "%%%"}), 422, "invalid-cursor"
    )
