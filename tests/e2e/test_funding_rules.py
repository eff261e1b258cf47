"""Issue 13 in `make run`: funding's findings on the demo data are each right, and the rules on
calls and grants hold through the embedded run's HTTP port.

Every open finding on the demo is listed here with the reason it is right (none is a false
alarm); where a rule finds nothing on the demo, the test checks why. Then, as FIVU/RTI with its
demo client: a call does not open before its ``opens_on`` (409 naming the date), a grant does
not exceed what remains of the demo's decided call's budget (409 with the remainder), and base
funding names a decided call or an exemption (422).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import SHARES_THE_DEMO_RUN, EmbeddedRun

API = "/funding/v1"
pytestmark = SHARES_THE_DEMO_RUN

#: Every open finding on the demo: (rule, cluster name) → why it is right.
EXPECTED = {
    (
        "primary_party_not_funding",
        "Limfjordens Maritime Klynge (demo)",
    ): "§1: a national cluster with its centre of gravity in Nordjylland is primarily Vækstforum "
    "Nordjylland's; FIVU/RTI carries all its base funding and the forum funds nothing for it "
    "(the demo's forums co-fund every other such cluster)",
    (
        "base_funding_without_competition",
        "Bornholmsk Mad og Oplevelser (demo)",
    ): "§3, §4.1: Vækstforum Bornholm's base funding names no call; it records why (one "
    "possible applicant), and the parties are shown it",
    (
        "unsupportable_societal_task",
        "Bornholms Energiø-netværk (demo)",
    ): "§2: the grant supports the network's energy task, whose resources would crowd out its "
    "core functions (the registry's demo records it so): not supportable",
}


async def _all(http: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | {"limit": 200} | ({"cursor": cursor} if cursor else {})
        r = await http.get(path, params=query)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


async def _fivu(http: httpx.AsyncClient, run: EmbeddedRun) -> dict[str, str]:
    clients = json.loads((run.var_dir / "demo-clients.json").read_text(encoding="utf-8"))
    fivu = next(c for c in clients if c["organisation_id"] == "fivu-rti")
    r = await http.post(
        "/registry/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": fivu["client_id"],
            "client_secret": fivu["client_secret"],
        },
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _problem(r: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = dict(r.json())
    assert body["type"].endswith("/" + kind), body
    return body


async def test_every_finding_on_the_demo_is_right(run: EmbeddedRun) -> None:
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        clusters = {c["id"]: c for c in await _all(http, f"{API}/clusters")}
        grants = await _all(http, f"{API}/grants")
        demo_grants = [g for g in grants if clusters[g["cluster_id"]]["name"].endswith("(demo)")]
        findings = [
            f
            for f in await _all(http, f"{API}/findings", state="open")
            if clusters[f["cluster_id"]]["name"].endswith("(demo)")
        ]
        found = {(f["rule"], clusters[f["cluster_id"]]["name"]): f for f in findings}
        assert set(found) == set(EXPECTED), sorted(found)
        for (rule, name), finding in found.items():
            # each explains itself: the paper's section first, then the facts
            assert finding["summary"].startswith(finding["section"] + ":"), finding
            assert name in finding["summary"] and finding["evidence"], finding
            assert finding["grant_ids"], (rule, EXPECTED[(rule, name)])

        limfjord = found[("primary_party_not_funding", "Limfjordens Maritime Klynge (demo)")]
        assert limfjord["funder_ids"] == ["vaekstforum-nordjylland", "fivu-rti"]  # to both
        assert limfjord["evidence"]["primary_grants"] == []
        exempt = found[("base_funding_without_competition", "Bornholmsk Mad og Oplevelser (demo)")]
        assert "én mulig ansøger" in exempt["evidence"]["exemption_reason"]
        energy = found[("unsupportable_societal_task", "Bornholms Energiø-netværk (demo)")]
        assert {"task": "energy", "supportable": False} in energy["evidence"]["cluster_tasks"]

        # no parallel organisation on the demo, rightly: every cluster given project money
        # was founded more than three years before the money starts (the registry's dates)
        for g in demo_grants:
            if g["kind"] == "project" and g["status"] == "active":
                founded = clusters[g["cluster_id"]]["founded_on"]
                assert founded is not None, g
                starts = date.fromisoformat(g["starts_on"])
                assert date.fromisoformat(founded) < starts - timedelta(days=3 * 365), g
        # FIVU/RTI's base funding rests on its decided 2022 call; the only other base grant
        # is the exemption above
        base = [g for g in demo_grants if g["kind"] == "base"]
        assert {g["call_id"] is None for g in base} == {False, True}
        assert [g["cluster_id"] for g in base if g["call_id"] is None] == [exempt["cluster_id"]]


async def test_calls_and_grants_keep_their_rules_over_http(run: EmbeddedRun) -> None:
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        fivu = await _fivu(http, run)
        calls = await _all(http, f"{API}/calls", funder="fivu-rti", state="decided")
        [decided] = [c for c in calls if "2023–2026" in c["title"]]
        under = [g for g in await _all(http, f"{API}/grants") if g["call_id"] == decided["id"]]
        remaining = decided["budget_dkk"] - sum(g["amount_dkk"] for g in under)
        cluster_id = under[0]["cluster_id"]
        body = {
            "cluster_id": cluster_id,
            "programme_id": decided["programme_id"],
            "title": "Ekstra basisfinansiering (e2e)",
            "amount_dkk": remaining + 1,
            "starts_on": "2025-01-01",
            "ends_on": "2026-12-31",
        }
        over = await http.post(
            f"{API}/grants", json=body | {"call_id": decided["id"]}, headers=fivu
        )
        assert _problem(over, 409, "over-budget")["remaining_dkk"] == remaining
        bare = await http.post(f"{API}/grants", json=body, headers=fivu)
        _problem(bare, 422, "base-grant-without-call")

        today = date.today()
        prog = await http.post(
            f"{API}/programmes",
            json={
                "name": "Klyngeprojekter (e2e, issue 13)",
                "kind": "project",
                "source": "national",
                "starts_on": str(today),
                "ends_on": str(today + timedelta(days=800)),
            },
            headers=fivu,
        )
        assert prog.status_code == 201, prog.text
        opens = today + timedelta(days=10)
        call = await http.post(
            f"{API}/calls",
            json={
                "programme_id": prog.json()["id"],
                "title": "Projektudbud (e2e, issue 13)",
                "budget_dkk": 5_000_000,
                "opens_on": str(opens),
                "closes_on": str(opens + timedelta(days=30)),
                "decision_on": str(opens + timedelta(days=60)),
                "criteria": [{"name": "Kvalitet", "weight": 100}],
            },
            headers=fivu,
        )
        assert call.status_code == 201, call.text
        published = await http.post(
            f"{API}/calls/{call.json()['id']}/criteria/publish",
            json={},
            headers=fivu | {"If-Match": f'"{call.json()["version"]}"'},
        )
        assert published.status_code == 200, published.text
        early = await http.post(f"{API}/calls/{call.json()['id']}/open", headers=fivu)
        problem = _problem(early, 409, "call-not-open-yet")
        assert problem["opens_on"] == str(opens) and str(opens) in problem["detail"]
