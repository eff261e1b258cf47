"""§3 dialogue before a call: addressed requests, answers, the deadline, opening (issue 4)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

import nats

from shared.clock import today_of
from tests.conftest import Suite, eventually
from tests.funding.helpers import (
    API,
    FORUMS,
    assert_problem,
    outbox,
    plan_call,
    programme,
    register_cluster,
    set_today,
)

MINISTRIES = [
    "ministeriet-erhverv-vaekst",
    "ministeriet-foedevarer",
    "ministeriet-energi",
    "ministeriet-miljoe",
]
#: Issue 12: a strategic call consults every other party of the strategy (§3).
PARTIES = [*MINISTRIES, *FORUMS, "kl"]


async def publish_criteria(suite: Suite, call: dict, funder: str = "fivu-rti") -> dict:
    r = await suite.http.post(
        f"{API}/calls/{call['id']}/criteria/publish",
        json={},
        headers=await suite.auth(funder) | {"If-Match": f'"{call["version"]}"'},
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def requests_of(suite: Suite, org: str, call_id: str | None = None) -> list[dict]:
    params = {"call_id": call_id} if call_id else {}
    r = await suite.http.get(
        f"{API}/dialogue-requests", params=params, headers=await suite.auth(org)
    )
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_strategic_national_call_consults_the_strategy_parties_and_opens_after_answers(
    suite: Suite,
) -> None:
    cluster = await register_cluster(suite)
    fivu = await suite.auth("fivu-rti")
    call = await plan_call(
        suite, dialogue_deadline=str(today_of(suite.apps["funding"]) + timedelta(days=30))
    )
    assert call["state"] == "in_dialogue" and call["scope"] == "national"
    assert call["dialogue"]["parties"] == PARTIES

    # one addressed funding.dialogue.requested per party in the outbox
    requested = await outbox(suite, "funding.dialogue.requested")
    assert sorted(e["recipient"] for e in requested) == sorted(PARTIES)
    assert all(e["data"]["call_id"] == call["id"] for e in requested)
    [announced] = await outbox(suite, "funding.call.announced")
    assert announced["recipient"] == "klyngeforum"
    assert len(await outbox(suite, "funding.call.planned")) == 1

    # each party sees its own request only; the funder sees all eleven
    kl_requests = await requests_of(suite, "kl")
    assert [r["recipient_id"] for r in kl_requests] == ["kl"]
    assert len(await requests_of(suite, "fivu-rti", call["id"])) == 11
    assert await requests_of(suite, "region-1081") == []

    # criteria published, but the dialogue still runs: 409 naming who has not answered
    call = await publish_criteria(suite, call)
    r = await suite.http.post(f"{API}/calls/{call['id']}/open", headers=fivu)
    body = assert_problem(r, 409, "dialogue-pending")
    assert sorted(body["unanswered"]) == sorted(PARTIES)
    assert body["deadline"] == call["dialogue"]["deadline"]

    # a party cannot answer another's request
    r = await suite.http.post(
        f"{API}/dialogue-requests/{kl_requests[0]['id']}/answer",
        json={"comment": "no"},
        headers=await suite.auth("vaekstforum-bornholm"),
    )
    assert_problem(r, 403, "not-your-request")
    # an unknown cluster in the answer is refused
    r = await suite.http.post(
        f"{API}/dialogue-requests/{kl_requests[0]['id']}/answer",
        json={"cluster_ids": ["no-such-cluster"]},
        headers=await suite.auth("kl"),
    )
    assert_problem(r, 422, "unknown-cluster")

    for i, party in enumerate(PARTIES):
        [req] = await requests_of(suite, party, call["id"])
        r = await suite.http.post(
            f"{API}/dialogue-requests/{req['id']}/answer",
            json={
                "comment": f"Svar {i}",
                "co_financing_dkk": 1_000_000 * i,
                "cluster_ids": [cluster],
            },
            headers=await suite.auth(party),
        )
        assert r.status_code == 200, r.text
        assert r.json()["answered"] is True
        if i < len(PARTIES) - 1:
            r = await suite.http.post(f"{API}/calls/{call['id']}/open", headers=fivu)
            assert_problem(r, 409, "dialogue-pending")
            assert await outbox(suite, "funding.dialogue.closed") == []

    # answering twice is refused
    r = await suite.http.post(
        f"{API}/dialogue-requests/{kl_requests[0]['id']}/answer",
        json={"comment": "igen"},
        headers=await suite.auth("kl"),
    )
    assert_problem(r, 409, "already-answered")

    [closed] = await outbox(suite, "funding.dialogue.closed")
    assert closed["data"]["reason"] == "all_answered"
    assert closed["data"]["unanswered"] == []
    # each answer is told to the funder and to every other consulted party (issue 12)
    answered = await outbox(suite, "funding.dialogue.answered")
    assert len(answered) == 11 * 11
    assert {e["recipient"] for e in answered} == {"fivu-rti", *PARTIES}

    r = await suite.http.post(f"{API}/calls/{call['id']}/open", headers=fivu)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "open"
    [opened] = await outbox(suite, "funding.call.opened")
    assert opened["data"]["criteria"][0]["name"] == "Kvalitet"
    assert len(await outbox(suite, "funding.dialogue.closed")) == 1


async def test_call_opens_after_the_deadline_without_all_answers(suite: Suite) -> None:
    fivu = await suite.auth("fivu-rti")
    set_today(suite, date(2014, 1, 10))
    call = await plan_call(suite)  # deadline by default: today + 21 days
    assert call["dialogue"]["deadline"] == "2014-01-31"
    call = await publish_criteria(suite, call)
    [req] = await requests_of(suite, "vaekstforum-syddanmark", call["id"])
    r = await suite.http.post(
        f"{API}/dialogue-requests/{req['id']}/answer",
        json={"comment": "Vi medfinansierer", "co_financing_dkk": 5_000_000},
        headers=await suite.auth("vaekstforum-syddanmark"),
    )
    assert r.status_code == 200, r.text

    set_today(suite, date(2014, 1, 31))  # the deadline day itself still waits
    r = await suite.http.post(f"{API}/calls/{call['id']}/open", headers=fivu)
    assert "vaekstforum-syddanmark" not in assert_problem(r, 409, "dialogue-pending")["unanswered"]

    # issue 13: the dialogue is over, but the call opens no earlier than it announced (§4.1)
    set_today(suite, date(2014, 2, 1))
    r = await suite.http.post(f"{API}/calls/{call['id']}/open", headers=fivu)
    early = assert_problem(r, 409, "call-not-open-yet")
    assert early["opens_on"] == "2014-04-01" and "2014-04-01" in early["detail"]

    set_today(suite, date(2014, 4, 1))
    r = await suite.http.post(f"{API}/calls/{call['id']}/open", headers=fivu)
    assert r.status_code == 200, r.text
    [closed] = await outbox(suite, "funding.dialogue.closed")
    assert closed["data"]["reason"] == "deadline_passed"
    assert closed["data"]["answered"] == ["vaekstforum-syddanmark"]
    assert len(closed["data"]["unanswered"]) == len(PARTIES) - 1
    # late answers are refused once the dialogue is closed
    [late] = await requests_of(suite, "kl", call["id"])
    r = await suite.http.post(
        f"{API}/dialogue-requests/{late['id']}/answer", json={}, headers=await suite.auth("kl")
    )
    assert_problem(r, 409, "dialogue-closed")
    # a dialogue deadline in the past is refused when planning
    r = await suite.http.post(
        f"{API}/calls",
        json={
            "programme_id": call["programme_id"],
            "title": "For sent",
            "budget_dkk": 1,
            "opens_on": "2014-04-01",
            "closes_on": "2014-05-01",
            "decision_on": "2014-06-01",
            "strategic": True,
            "dialogue_deadline": "2014-01-01",
        },
        headers=fivu,
    )
    assert_problem(r, 422, "invalid-deadline")


async def test_regional_call_consults_fivu_and_the_other_forums(suite: Suite) -> None:
    region = "region-1081"  # Region Nordjylland → Vækstforum Nordjylland
    prog = await programme(suite, region, kind="project", source="eu_structural_funds")
    call = await plan_call(suite, region, programme_id=prog, strategic=True, budget_dkk=5_000_000)
    assert call["scope"] == "regional"
    expected = [
        "fivu-rti",
        *MINISTRIES,
        *(f for f in FORUMS if f != "vaekstforum-nordjylland"),
        "kl",
    ]
    assert call["dialogue"]["parties"] == expected
    requested = await outbox(suite, "funding.dialogue.requested")
    assert [e["recipient"] for e in requested] == expected
    # a project call that is neither strategic nor base funding has no dialogue
    plain = await plan_call(suite, region, programme_id=prog, strategic=False, budget_dkk=1_000)
    assert plain["state"] == "planned" and plain["dialogue"] is None
    assert len(await outbox(suite, "funding.call.announced")) == 1  # the strategic one only
    # a growth forum planning for itself is consulted about nobody's call but others'
    r = await suite.http.get(
        f"{API}/dialogue-requests/{requested[0]['data']['request_id']}",
        headers=await suite.auth("vaekstforum-midtjylland"),
    )
    assert_problem(r, 403, "not-your-request")
    r = await suite.http.get(
        f"{API}/dialogue-requests/{requested[0]['data']['request_id']}",
        headers=await suite.auth(region),
    )
    assert r.status_code == 200 and r.json()["recipient_id"] == "fivu-rti"


async def test_nats_subscriber_sees_one_addressed_request_per_party(suite: Suite) -> None:
    """A plain nats-py subscriber on the suite's server sees one request per party (issue 12:
    the sector ministries, the six growth forums and KL)."""
    nc = await nats.connect(suite.nats.url)
    seen: list[dict] = []
    try:
        js = nc.jetstream()

        async def on_message(msg: nats.aio.msg.Msg) -> None:
            seen.append(json.loads(msg.data))

        # the FUNDING stream exists once the funding relay has started
        await eventually(lambda: _stream_exists(js))
        sub = await js.subscribe("funding.dialogue.requested", cb=on_message, ordered_consumer=True)
        call = await plan_call(suite)
        await eventually(lambda: asyncio.sleep(0, len(seen) >= len(PARTIES)))
        await sub.unsubscribe()
    finally:
        await nc.close()
    assert len(seen) == len(PARTIES)
    assert sorted(e["recipient"] for e in seen) == sorted(PARTIES)
    assert {e["type"] for e in seen} == {"funding.dialogue.requested"}
    assert {e["data"]["call_id"] for e in seen} == {call["id"]}


async def _stream_exists(js: object) -> bool:
    try:
        await js.stream_info("FUNDING")  # type: ignore[attr-defined]
        return True
    except Exception:
        return False
