"""The §5 closed loop in `make run`, as the parties and a plain NATS subscriber see it.

The issue's first "done when": with ``make run``, a growth house in Region Nordjylland refers a
firm to a cluster in Region Syddanmark; the cluster sees it, accepts, starts and completes it;
the growth house sees each step; a nats-py subscriber sees the events and none carries the
contact's name, e-mail or phone; a third organisation gets 404. Also the second: the same
``Idempotency-Key`` gives the same answer and one referral, with another body 422. And the
third, in the demo data: a need only a cluster in another region serves well ranks it first.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import nats

from tests.e2e.conftest import SHARES_THE_DEMO_RUN, EmbeddedRun
from tests.e2e.test_embedded_funding import _assert_problem, _demo_client, _party_headers, _token

#: A guard against hanging if an event never comes; not a statement about speed.
EVENT_TIMEOUT = 30.0
API = "/referrals/v1"
CONTACT = {"name": "Mette Kontaktsen", "email": "mette@robotfirma.example", "phone": "+4520304050"}

pytestmark = SHARES_THE_DEMO_RUN


async def _headers(http: httpx.AsyncClient, run: EmbeddedRun, kind: str) -> dict[str, str]:
    client = _demo_client(run, kind)
    return await _token(http, client["client_id"], client["client_secret"])


async def _cluster_id(http: httpx.AsyncClient, name: str) -> str:
    r = await http.get("/registry/v1/clusters", params={"q": name})
    assert r.status_code == 200, r.text
    (found,) = [c for c in r.json()["items"] if c["name"] == name]
    return str(found["id"])


def _body(recipient: str) -> dict[str, Any]:
    return {
        "recipient_id": recipient,
        "firm": {
            "cvr": "31200458",
            "name": "Aalborg Svejs ApS",
            "municipality_code": "0851",
            "employees": 23,
        },
        "need": "Vil automatisere svejsning med robotter og mangler en integrator",
        "fields": ["robotics"],
        "contact": CONTACT,
        "consent": {
            "given_at": datetime.now(UTC).isoformat(),
            "given_by": CONTACT["name"],
            "purpose": "At Syddansk Robotklynge kontakter mig om automatisering",
        },
    }


async def test_referral_from_nordjylland_to_syddanmark_closes_the_loop(run: EmbeddedRun) -> None:
    nc = await nats.connect(run.nats_url)
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    try:
        await nc.subscribe("referrals.referral.>", cb=inbox.put)
        await nc.flush()
        async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
            house_client = _demo_client(run, "growth_house")
            assert house_client["organisation_name"] == "Erhvervshus Nordjylland (demo)"
            house = await _headers(http, run, "growth_house")
            third = await _headers(http, run, "business_service")
            secretariat = await _headers(http, run, "forum_secretariat")
            cluster_id = await _cluster_id(http, "Syddansk Robotklynge (demo)")
            cluster = await _party_headers(http, secretariat, cluster_id)

            async def sent_count() -> int:
                page = await http.get(
                    f"{API}/referrals", params={"role": "sent", "limit": 1000}, headers=house
                )
                return len(page.json()["items"])

            before = await sent_count()  # the demo's referrals of the last months
            body = _body(cluster_id)
            key = {"Idempotency-Key": "e2e-referral-1"}
            sent = await http.post(f"{API}/referrals", json=body, headers=house | key)
            assert sent.status_code == 201, sent.text
            referral = sent.json()
            assert referral["cross_region"] is True
            again = await http.post(f"{API}/referrals", json=body, headers=house | key)
            assert again.status_code == 201 and again.json() == referral
            other = await http.post(
                f"{API}/referrals",
                json=body | {"need": "Noget helt andet end før"},
                headers=house | key,
            )
            _assert_problem(other, 422, "idempotency-key-reused")
            assert await sent_count() == before + 1  # one referral for the three requests

            # the cluster sees it and moves it along; the growth house sees every step
            ref_id = referral["id"]
            seen = await http.get(f"{API}/referrals/{ref_id}", headers=cluster)
            assert seen.status_code == 200 and seen.json()["state"] == "requested"
            etag = seen.headers["etag"]
            for action, extra in (
                ("accept", None),
                ("start", None),
                ("complete", {"outcome": "Integrator fundet", "outcome_category": "other"}),
            ):
                moved = await http.post(
                    f"{API}/referrals/{ref_id}/{action}",
                    json=extra,
                    headers=cluster | {"If-Match": etag},
                )
                assert moved.status_code == 200, moved.text
                etag = moved.headers["etag"]
                view = await http.get(f"{API}/referrals/{ref_id}", headers=house)
                assert view.json()["state"] == moved.json()["state"]
            history = await http.get(f"{API}/referrals/{ref_id}/history", headers=house)
            assert [h["to_state"] for h in history.json()["items"]] == [
                "requested",
                "accepted",
                "in_progress",
                "completed",
            ]
            # a third organisation learns nothing, not even that it exists
            _assert_problem(
                await http.get(f"{API}/referrals/{ref_id}", headers=third), 404, "not-found"
            )

        types: list[str] = []
        while len(types) < 4:
            msg = await asyncio.wait_for(inbox.get(), EVENT_TIMEOUT)
            envelope = json.loads(msg.data)
            if envelope["subject"] != ref_id:
                continue
            raw = msg.data.decode()
            for secret in CONTACT.values():
                assert secret not in raw, envelope
            assert "Aalborg Svejs" not in raw and "svejsning" not in raw
            types.append(envelope["type"])
        assert types == [
            "referrals.referral.sent",
            "referrals.referral.accepted",
            "referrals.referral.started",
            "referrals.referral.completed",
        ]
    finally:
        await nc.close()
