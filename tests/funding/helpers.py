"""Helpers the funding tests share: clusters registered through the registry, programmes,
calls, and reading the funding outbox."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

import httpx

from tests.conftest import Suite, eventually, outbox_envelopes

API = "/funding/v1"
PROBLEM = "application/problem+json"
FORUMS = [
    "vaekstforum-nordjylland",
    "vaekstforum-midtjylland",
    "vaekstforum-syddanmark",
    "vaekstforum-hovedstaden",
    "vaekstforum-sjaelland",
    "vaekstforum-bornholm",
]
_seeds = count(101)


def cvr() -> str:
    """A valid CVR number (weights 2765432 1, sum divisible by 11), different per call."""
    n = 3_000_000 + 7919 * next(_seeds)
    while True:
        digits = [int(d) for d in str(n)[:7]]
        check = -sum(w * d for w, d in zip((2, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)
        n += 1


def assert_problem(resp: httpx.Response, status: int, kind: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM), resp.headers
    body = resp.json()
    if kind:
        assert body["type"].endswith("/" + kind), body
    return body


async def register_cluster(
    suite: Suite, name: str = "Energiklyngen", registrant: str | None = None, **extra: Any
) -> str:
    """Register a cluster in the registry and wait until funding's read model has it.

    FIVU/RTI registers national and world-class clusters; others are registered by the
    Klyngeforum secretariat (the registry's authority policy, issue 12)."""
    league = extra.get("league", "national")
    registrant = registrant or (
        "fivu-rti" if league in ("national", "world_class") else "klyngeforum"
    )
    body = {
        "name": name,
        "cvr": cvr(),
        "cluster_kind": "cluster",
        "league": "national",
        "home_municipality_code": "0657",
        "fields": ["energy"],
    } | extra
    r = await suite.http.post(
        "/registry/v1/clusters", json=body, headers=await suite.auth(registrant)
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]

    async def known() -> bool:
        return (await suite.http.get(f"{API}/clusters/{cid}")).status_code == 200

    await eventually(known)
    return cid


async def programme(suite: Suite, funder: str = "fivu-rti", **extra: Any) -> str:
    body = {
        "name": "Innovationsnetværk Danmark 2015–2018",
        "kind": "base",
        "source": "national",
        "starts_on": "2015-01-01",
        "ends_on": "2018-12-31",
        "priority_fields": ["energy", "digital"],
    } | extra
    r = await suite.http.post(f"{API}/programmes", json=body, headers=await suite.auth(funder))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def call_body(programme_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "programme_id": programme_id,
        "title": "Udbud af innovationsnetværk 2015–2018",
        "budget_dkk": 200_000_000,
        "opens_on": "2014-04-01",
        "closes_on": "2014-06-01",
        "decision_on": "2014-10-01",
        "strategic": True,
        "criteria": [
            {"name": "Kvalitet", "weight": 60, "description": "Faglig kvalitet"},
            {"name": "Relevans", "weight": 40},
        ],
    } | extra


async def plan_call(suite: Suite, funder: str = "fivu-rti", **extra: Any) -> dict[str, Any]:
    prog = extra.pop("programme_id", None) or await programme(suite, funder)
    r = await suite.http.post(
        f"{API}/calls", json=call_body(prog, **extra), headers=await suite.auth(funder)
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def outbox(suite: Suite, type_: str | None = None) -> list[dict[str, Any]]:
    """Envelopes in the funding outbox, oldest first (optionally of one type)."""
    return await outbox_envelopes(suite, "funding", type_)


def set_today(suite: Suite, today: date) -> None:
    suite.apps["funding"].state.clock = lambda: today
