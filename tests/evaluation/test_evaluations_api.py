"""Evaluations of grants (§4.1): the public list and record, and completion by the funder."""

from __future__ import annotations

from datetime import date

from tests.conftest import Suite, eventually
from tests.evaluation.followup_helpers import API, add_evaluation, evaluation_row, outbox
from tests.funding.helpers import assert_problem, programme, register_cluster

DONE = {
    "conclusions": "Klyngen har nået sine mål for matchmaking og projekter.",
    "recommendation": "adjust",
}


async def test_list_and_read_evaluations_publicly(suite: Suite) -> None:
    mid = await add_evaluation(suite, cluster_id="cl-a", due_on=date(2025, 6, 30))
    final = await add_evaluation(
        suite, cluster_id="cl-a", kind="final", due_on=date(2026, 12, 31), state="due"
    )
    other = await add_evaluation(
        suite, cluster_id="cl-b", funder_id="vaekstforum-nordjylland", state="overdue"
    )

    r = await suite.http.get(f"{API}/evaluations")  # no token: evaluations are public
    assert r.status_code == 200, r.text
    assert [e["id"] for e in r.json()["items"]] == [mid, final, other]
    first = r.json()["items"][0]
    assert first == first | {
        "cluster_id": "cl-a",
        "funder_id": "fivu-rti",
        "kind": "mid_term",
        "due_on": "2025-06-30",
        "state": "scheduled",
        "recommendation": None,
        "conclusions": None,
    }

    async def ids(**params: str) -> list[str]:
        r = await suite.http.get(f"{API}/evaluations", params=params)
        assert r.status_code == 200, r.text
        return [e["id"] for e in r.json()["items"]]

    assert await ids(cluster="cl-a") == [mid, final]
    assert await ids(funder="vaekstforum-nordjylland") == [other]
    assert await ids(state="overdue") == [other]
    assert await ids(kind="final") == [final]
    assert await ids(cluster="cl-a", state="due") == [final]
    assert await ids(cluster="nobody") == []
    assert_problem(await suite.http.get(f"{API}/evaluations", params={"state": "lost"}), 422)
    assert_problem(
        await suite.http.get(f"{API}/evaluations", params={"cursor": "x!"}), 422, "invalid-cursor"
    )

    # cursor pagination
    page1 = (await suite.http.get(f"{API}/evaluations", params={"limit": 2})).json()
    assert [e["id"] for e in page1["items"]] == [mid, final]
    page2 = (
        await suite.http.get(
            f"{API}/evaluations", params={"limit": 2, "cursor": page1["next_cursor"]}
        )
    ).json()
    assert [e["id"] for e in page2["items"]] == [other] and page2["next_cursor"] is None

    r = await suite.http.get(f"{API}/evaluations/{mid}")
    assert r.status_code == 200 and r.headers["etag"] == '"1"'
    assert r.json()["id"] == mid
    assert_problem(await suite.http.get(f"{API}/evaluations/evl-nope"), 404, "not-found")


async def test_only_the_funder_completes_with_if_match(suite: Suite) -> None:
    evl = await add_evaluation(suite, state="due")
    url = f"{API}/evaluations/{evl}/complete"
    fivu = await suite.auth("fivu-rti")
    current = {"If-Match": '"1"'}

    assert_problem(await suite.http.post(url, json=DONE, headers=current), 401)
    # a region funds but holds no evaluation:write
    r = await suite.http.post(url, json=DONE, headers=await suite.auth("region-1081") | current)
    assert_problem(r, 403, "insufficient-scope")
    # a growth forum holds evaluation:write but did not award this grant
    forum = await suite.auth("vaekstforum-syddanmark")
    r = await suite.http.post(url, json=DONE, headers=forum | current)
    assert_problem(r, 403, "not-your-evaluation")
    # nor does the forum secretariat (admin, but no evaluation:write): it is the funder's call
    r = await suite.http.post(url, json=DONE, headers=await suite.auth("klyngeforum") | current)
    assert_problem(r, 403, "insufficient-scope")

    assert_problem(await suite.http.post(url, json=DONE, headers=fivu), 428)
    assert_problem(await suite.http.post(url, json=DONE, headers=fivu | {"If-Match": '"9"'}), 412)
    for bad in (
        {"conclusions": "For kort", "recommendation": "continue"},  # under 10 characters
        {"conclusions": "x" * 10_001, "recommendation": "continue"},
        {"conclusions": DONE["conclusions"], "recommendation": "maybe"},
        {"conclusions": DONE["conclusions"]},
        DONE | {"state": "completed"},
        DONE | {"conclusions": "Konklusion\x00 med NUL"},
    ):
        assert_problem(await suite.http.post(url, json=bad, headers=fivu | current), 422)
    assert_problem(
        await suite.http.post(f"{API}/evaluations/evl-nope/complete", json=DONE, headers=fivu),
        404,
    )
    assert await outbox(suite, "evaluation.evaluation.completed") == []

    r = await suite.http.post(url, json=DONE, headers=fivu | current)
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["etag"] == '"2"'
    assert body["state"] == "completed" and body["recommendation"] == "adjust"
    assert body["conclusions"] == DONE["conclusions"]
    assert body["completed_by"] == "fivu-rti" and body["completed_at"]
    [event] = await outbox(suite, "evaluation.evaluation.completed")
    assert event["subject"] == evl
    assert event["data"] == {
        "evaluation_id": evl,
        "grant_id": body["grant_id"],
        "cluster_id": "cl-test",
        "funder_id": "fivu-rti",
        "kind": "mid_term",
        "due_on": "2025-06-30",
        "recommendation": "adjust",
    }
    assert (await suite.http.get(f"{API}/evaluations/{evl}")).json() == body

    # a completed evaluation is not completed again (even with its current ETag)
    r = await suite.http.post(url, json=DONE, headers=fivu | {"If-Match": '"2"'})
    assert_problem(r, 409, "evaluation-closed")
    assert len(await outbox(suite, "evaluation.evaluation.completed")) == 1
    assert (await evaluation_row(suite, evl)).recommendation == "adjust"


async def test_cancelled_is_refused_and_scheduled_may_be_completed_early(suite: Suite) -> None:
    fivu = await suite.auth("fivu-rti") | {"If-Match": '"1"'}
    cancelled = await add_evaluation(suite, state="cancelled")
    r = await suite.http.post(f"{API}/evaluations/{cancelled}/complete", json=DONE, headers=fivu)
    assert_problem(r, 409, "evaluation-closed")
    early = await add_evaluation(suite, state="scheduled", due_on=date(2099, 1, 1))
    body = DONE | {"recommendation": "stop"}
    r = await suite.http.post(f"{API}/evaluations/{early}/complete", json=body, headers=fivu)
    assert r.status_code == 200 and r.json()["recommendation"] == "stop"
    # every recommendation of the vocabulary is accepted
    for rec in ("continue", "phase_down"):
        evl = await add_evaluation(suite, state="overdue")
        r = await suite.http.post(
            f"{API}/evaluations/{evl}/complete",
            json=DONE | {"recommendation": rec},
            headers=fivu,
        )
        assert r.status_code == 200 and r.json()["recommendation"] == rec


async def test_a_grant_awarded_in_funding_is_evaluated_by_its_funder(suite: Suite) -> None:
    cluster = await register_cluster(suite)
    prog = await programme(suite)
    fivu = await suite.auth("fivu-rti")
    r = await suite.http.post(
        "/funding/v1/grants",
        json={
            "cluster_id": cluster,
            "programme_id": prog,
            "title": "Grundfinansiering 2015–2018",
            "amount_dkk": 8_000_000,
            "starts_on": "2015-01-01",
            "ends_on": "2018-12-31",
            "exemption_reason": "Overgangsordning (test)",
        },
        headers=fivu,
    )
    assert r.status_code == 201, r.text
    grant = r.json()["id"]

    async def scheduled() -> list[dict[str, object]]:
        r = await suite.http.get(f"{API}/evaluations", params={"grant": grant})
        items: list[dict[str, object]] = r.json()["items"]
        return items if len(items) == 2 else []

    evaluations = {e["kind"]: e for e in await eventually(scheduled)}
    assert evaluations["mid_term"]["due_on"] == "2016-12-31"  # half-way, rounded down
    assert evaluations["final"]["due_on"] == "2018-12-31"
    assert {e["funder_id"] for e in evaluations.values()} == {"fivu-rti"}
    assert {e["cluster_id"] for e in evaluations.values()} == {cluster}

    mid = evaluations["mid_term"]
    url = f"{API}/evaluations/{mid['id']}/complete"
    etag = (await suite.http.get(f"{API}/evaluations/{mid['id']}")).headers["etag"]
    forum = await suite.auth("vaekstforum-hovedstaden")
    r = await suite.http.post(url, json=DONE, headers=forum | {"If-Match": etag})
    assert_problem(r, 403, "not-your-evaluation")
    r = await suite.http.post(url, json=DONE, headers=fivu | {"If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "completed"
    [event] = await outbox(suite, "evaluation.evaluation.completed")
    assert event["data"]["grant_id"] == grant and event["data"]["cluster_id"] == cluster
