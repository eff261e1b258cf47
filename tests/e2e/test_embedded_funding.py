"""The §3 dialogue in `make run`, as a plain NATS subscriber and the parties themselves see it.

The issue's first "done when": with ``make run``, FIVU/RTI plans a strategic call; a nats-py
subscriber sees one ``funding.dialogue.requested`` per other party of the strategy (issue 12:
the four sector ministries, the six regional growth forums and KL), each addressed; opening the
call before the answers (or the deadline) is refused with 409; after every answer, it opens.
The demo data shows an agreement in force with every confirmation and a proposal waiting for
a party (issue 12). Everything is real: ``python -m services.run`` as a process, its own
nats-server, nats-py with a core subscription, and API clients the secretariat creates for each
party through the registry — no project code on the receiving side.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

import httpx
import nats

from tests.e2e.conftest import SHARES_THE_DEMO_RUN, EmbeddedRun

#: A guard against hanging if an event never comes; not a statement about speed.
EVENT_TIMEOUT = 30.0
FORUMS = [
    "vaekstforum-nordjylland",
    "vaekstforum-midtjylland",
    "vaekstforum-syddanmark",
    "vaekstforum-hovedstaden",
    "vaekstforum-sjaelland",
    "vaekstforum-bornholm",
]
MINISTRIES = [
    "ministeriet-erhverv-vaekst",
    "ministeriet-foedevarer",
    "ministeriet-energi",
    "ministeriet-miljoe",
]
#: Issue 12: a strategic call consults every other party of the strategy (§3).
PARTIES = [*MINISTRIES, *FORUMS, "kl"]
API = "/funding/v1"

pytestmark = SHARES_THE_DEMO_RUN


def _demo_client(run: EmbeddedRun, kind: str) -> dict[str, Any]:
    clients = json.loads((run.var_dir / "demo-clients.json").read_text(encoding="utf-8"))
    return next(c for c in clients if c["organisation_kind"] == kind)


async def _token(http: httpx.AsyncClient, client_id: str, secret: str) -> dict[str, str]:
    resp = await http.post(
        "/registry/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def _party_headers(
    http: httpx.AsyncClient, secretariat: dict[str, str], organisation_id: str
) -> dict[str, str]:
    """An API client for ``organisation_id``, created by the secretariat; its bearer header."""
    resp = await http.post(
        "/registry/v1/clients",
        json={"organisation_id": organisation_id, "name": f"E2E dialogue ({organisation_id})"},
        headers=secretariat,
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["organisation_id"] == organisation_id
    return await _token(http, created["client_id"], created["client_secret"])


def _assert_problem(resp: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["type"].endswith("/" + kind), body
    return dict(body)


async def test_strategic_call_consults_the_strategy_parties_then_opens(run: EmbeddedRun) -> None:
    fivu_client = _demo_client(run, "ministry")
    kf_client = _demo_client(run, "forum_secretariat")
    assert fivu_client["organisation_id"] == "fivu-rti"
    assert kf_client["organisation_id"] == "klyngeforum"

    nc = await nats.connect(run.nats_url)
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    try:
        sub = await nc.subscribe("funding.dialogue.>", cb=inbox.put)
        await nc.flush()  # the server knows the interest before anything is published

        async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
            fivu = await _token(http, fivu_client["client_id"], fivu_client["client_secret"])
            secretariat = await _token(http, kf_client["client_id"], kf_client["client_secret"])
            parties = {p: await _party_headers(http, secretariat, p) for p in PARTIES}

            prog = await http.post(
                f"{API}/programmes",
                json={
                    "name": "Innovationsnetværk Danmark (e2e)",
                    "kind": "base",
                    "source": "national",
                    "starts_on": "2027-01-01",
                    "ends_on": "2030-12-31",
                    "priority_fields": ["energy"],
                },
                headers=fivu,
            )
            assert prog.status_code == 201, prog.text
            today = date.today()
            planned = await http.post(
                f"{API}/calls",
                json={
                    "programme_id": prog.json()["id"],
                    "title": "Udbud af innovationsnetværk (e2e)",
                    "budget_dkk": 200_000_000,
                    "opens_on": str(today),  # issue 13: a call opens no earlier than this
                    "closes_on": str(today + timedelta(days=120)),
                    "decision_on": str(today + timedelta(days=180)),
                    "strategic": True,
                    "dialogue_deadline": str(today + timedelta(days=30)),
                    "criteria": [{"name": "Kvalitet", "weight": 100}],
                },
                headers=fivu,
            )
            assert planned.status_code == 201, planned.text
            call = planned.json()
            call_id = call["id"]
            assert call["state"] == "in_dialogue"
            assert sorted(call["dialogue"]["parties"]) == sorted(PARTIES)

            # What a plain subscriber sees: one addressed request per party for this call.
            requested: list[Any] = []

            async def collect_requests() -> None:
                while len(requested) < len(PARTIES):
                    msg = await inbox.get()
                    envelope = json.loads(msg.data)
                    if (
                        msg.subject == "funding.dialogue.requested"
                        and envelope["data"]["call_id"] == call_id
                    ):
                        requested.append(msg)

            await asyncio.wait_for(collect_requests(), EVENT_TIMEOUT)

            # Criteria published, the dialogue still runs: 409 naming who has not answered.
            published = await http.post(
                f"{API}/calls/{call_id}/criteria/publish",
                json={},
                headers=fivu | {"If-Match": f'"{call["version"]}"'},
            )
            assert published.status_code == 200, published.text
            assert published.json()["criteria_published"] is True
            refused = await http.post(f"{API}/calls/{call_id}/open", headers=fivu)
            body = _assert_problem(refused, 409, "dialogue-pending")
            assert sorted(body["unanswered"]) == sorted(PARTIES)

            for i, party in enumerate(PARTIES):
                mine = await http.get(
                    f"{API}/dialogue-requests", params={"call_id": call_id}, headers=parties[party]
                )
                assert mine.status_code == 200, mine.text
                [req] = mine.json()["items"]  # its own request only
                assert req["recipient_id"] == party and req["funder_id"] == "fivu-rti"
                answered = await http.post(
                    f"{API}/dialogue-requests/{req['id']}/answer",
                    json={"comment": f"Svar fra {party}", "co_financing_dkk": 1_000_000 * i},
                    headers=parties[party],
                )
                assert answered.status_code == 200, answered.text
                assert answered.json()["answered"] is True
                if party != PARTIES[-1]:
                    still = await http.post(f"{API}/calls/{call_id}/open", headers=fivu)
                    body = _assert_problem(still, 409, "dialogue-pending")
                    assert sorted(body["unanswered"]) == sorted(PARTIES[i + 1 :])

            opened = await http.post(f"{API}/calls/{call_id}/open", headers=fivu)
            assert opened.status_code == 200, opened.text
            assert opened.json()["state"] == "open"
            assert opened.json()["dialogue"]["unanswered"] == []

        closed: list[Any] = []

        async def collect_closed() -> None:
            while not closed:
                msg = await inbox.get()
                envelope = json.loads(msg.data)
                if (
                    msg.subject == "funding.dialogue.closed"
                    and envelope["data"]["call_id"] == call_id
                ):
                    closed.append(envelope)

        await asyncio.wait_for(collect_closed(), EVENT_TIMEOUT)
        await sub.unsubscribe()
    finally:
        await nc.close()

    envelopes = [json.loads(m.data) for m in requested]
    assert len(envelopes) == len(PARTIES)
    assert {e["recipient"] for e in envelopes} == set(PARTIES)
    for msg, envelope in zip(requested, envelopes, strict=True):
        # CloudEvents 1.0: the NATS subject is the type; addressed to the party.
        assert envelope["specversion"] == "1.0"
        assert envelope["type"] == msg.subject == "funding.dialogue.requested"
        assert envelope["source"] and envelope["id"] and envelope["time"]
        assert envelope["datacontenttype"] == "application/json"
        assert msg.headers["Nats-Msg-Id"] == envelope["id"]
        assert envelope["data"]["call_id"] == call_id
        # No credentials on the wire.
        raw = msg.data.decode()
        assert fivu_client["client_secret"] not in raw
        assert kf_client["client_secret"] not in raw
    assert len({e["id"] for e in envelopes}) == len(PARTIES)

    [done] = closed
    assert done["specversion"] == "1.0" and done["type"] == "funding.dialogue.closed"
    assert done["data"]["reason"] == "all_answered"
    assert done["data"]["unanswered"] == []
    assert sorted(done["data"]["answered"]) == sorted(PARTIES)


async def test_demo_agreements_in_force_and_waiting(run: EmbeddedRun) -> None:
    """Issue 12: one agreement in force with every party's confirmation, one proposal that
    waits for a party (and counts for nothing until it confirms)."""
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        listed = await http.get(f"{API}/agreements", params={"limit": 100})
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
    in_force = [a for a in items if a["state"] == "in_force"]
    waiting = [a for a in items if a["state"] == "proposed"]
    assert in_force and all(a["answer"] == "confirmed" for a in in_force[0]["answers"]), in_force
    assert in_force[0]["waiting_for"] == [] and in_force[0]["in_force_since"]
    assert waiting and waiting[0]["waiting_for"], waiting
    assert {a["party_id"] for a in waiting[0]["answers"] if a["answer"] == "pending"} == set(
        waiting[0]["waiting_for"]
    )
