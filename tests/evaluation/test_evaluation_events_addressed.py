"""Issue 13 (§4.1): every ``evaluation.evaluation.*`` event is addressed to the grant's funder
(``recipient`` = ``funder_id``). The funder sees its grant's evaluation events on its event
stream (``GET /gateway/v1/events`` with its token); another organisation and an anonymous
reader do not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest

from tests.conftest import Suite, eventually
from tests.evaluation.followup_helpers import run_job
from tests.evaluation.helpers import programme, register_cluster, set_today
from tests.gateway.sse import SseMessage, open_stream, serve

SYD = "vaekstforum-syddanmark"
TYPES = "evaluation.evaluation.*"
DONE = {"conclusions": "Klyngen har nået sine mål for matchmaking.", "recommendation": "continue"}


@pytest.fixture
async def http(suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serve(suite.dispatcher) as base,
        httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10.0, read=30.0)) as client,
    ):
        yield client


async def test_a_funder_sees_its_grants_evaluation_events_on_its_stream(
    suite: Suite, http: httpx.AsyncClient
) -> None:
    funder = await suite.auth(SYD)
    cluster = await register_cluster(suite)  # national, at home in Esbjerg (Syddanmark)
    prog = await programme(suite, funder=SYD, kind="project")

    async def award(starts_on: str, ends_on: str) -> dict[str, str]:
        body = {"cluster_id": cluster, "programme_id": prog, "title": "Projekt"}
        body |= {"amount_dkk": 2_000_000, "starts_on": starts_on, "ends_on": ends_on}
        r = await suite.http.post("/funding/v1/grants", json=body, headers=funder)
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def evaluation(grant: dict[str, str], kind: str, state: str) -> dict[str, str] | None:
        r = await suite.http.get(
            "/evaluation/v1/evaluations", params={"grant": grant["id"], "kind": kind}
        )
        items = r.json()["items"]
        return items[0] if items and items[0]["state"] == state else None

    async with open_stream(http, params={"types": TYPES}, headers=funder) as own:
        grant = await award("2015-01-01", "2018-12-31")  # mid-term due 2016-12-31
        later = await award("2016-01-01", "2019-12-31")  # mid-term due 2017-12-31
        await eventually(lambda: evaluation(later, "mid_term", "scheduled"))
        set_today(suite, date(2016, 12, 15))  # the first grant's mid-term is due …
        await run_job(suite, "evaluations")
        set_today(suite, date(2017, 1, 15))  # … then overdue
        await run_job(suite, "evaluations")
        mid = await eventually(lambda: evaluation(grant, "mid_term", "overdue"))
        url = f"/evaluation/v1/evaluations/{mid['id']}"
        etag = (await suite.http.get(url)).headers["etag"]
        r = await suite.http.post(f"{url}/complete", json=DONE, headers=funder | {"If-Match": etag})
        assert r.status_code == 200, r.text
        # the later grant ends before its mid-term: that evaluation is cancelled
        r = await suite.http.post(
            f"/funding/v1/grants/{later['id']}/terminate",
            json={"terminated_on": "2017-06-30", "reason": "Projektet er afsluttet"},
            headers=funder | {"If-Match": f'"{later["version"]}"'},
        )
        assert r.status_code == 200, r.text

        def cancelled(m: SseMessage) -> bool:
            return m.event == "evaluation.evaluation.cancelled"

        seen = await own.events_until(cancelled, timeout=20)

    kinds = [(m.event, m.json()["data"]["grant_id"], m.json()["data"]["kind"]) for m in seen]
    first, second = grant["id"], later["id"]
    assert {
        ("evaluation.evaluation.scheduled", first, "mid_term"),
        ("evaluation.evaluation.scheduled", first, "final"),
        ("evaluation.evaluation.due", first, "mid_term"),
        ("evaluation.evaluation.overdue", first, "mid_term"),
        ("evaluation.evaluation.completed", first, "mid_term"),
        ("evaluation.evaluation.scheduled", second, "mid_term"),
        ("evaluation.evaluation.cancelled", second, "mid_term"),
    } <= set(kinds)
    assert {m.json()["recipient"] for m in seen} == {SYD}
    assert {m.json()["data"]["funder_id"] for m in seen} == {SYD}

    # no one else sees them: not the cluster, not another funder, not an anonymous reader
    for viewer in (cluster, "fivu-rti", None):
        headers = await suite.auth(viewer) if viewer else {}
        r = await suite.http.get(
            "/gateway/v1/events/recent", params={"types": TYPES}, headers=headers
        )
        assert r.status_code == 200, r.text
        assert r.json() == [], viewer
