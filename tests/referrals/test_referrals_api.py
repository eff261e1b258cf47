"""Referrals through the API (issue 5, §5): the closed loop across regions, who sees and
does what, validation, Idempotency-Key, If-Match, lists."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from services.referrals.models import OfferedService
from services.referrals.rules.working_days import deadline
from tests.conftest import Suite
from tests.referrals.helpers import API, assert_problem, outbox_events
from tests.referrals.referral_helpers import (
    PHONE_STORED,
    act,
    count_referrals,
    parties,
    referral_body,
    send,
)


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_a_growth_house_refers_a_firm_to_a_cluster_in_another_region(suite: Suite) -> None:
    p = await parties(suite)
    get = suite.http.get

    r = await suite.http.post(f"{API}/referrals", json=referral_body(p.cluster), headers=p.as_house)
    assert r.status_code == 201, r.text
    ref = r.json()
    rid = ref["id"]
    assert r.headers["Location"] == f"{API}/referrals/{rid}"
    assert r.headers["ETag"] == '"1"'
    assert ref["state"] == "requested"
    assert ref["sender_id"] == p.house and ref["sender_kind"] == "growth_house"
    assert ref["recipient_id"] == p.cluster and ref["recipient_kind"] == "cluster_organisation"
    # places: the house in Aalborg (Nordjylland), the cluster at home in Odense (Syddanmark)
    assert (ref["sender_municipality_code"], ref["sender_region_code"]) == ("0851", "1081")
    assert (ref["recipient_municipality_code"], ref["recipient_region_code"]) == ("0461", "1083")
    assert ref["firm"]["region_code"] == "1081"
    assert ref["cross_region"] is True and ref["cross_municipality"] is True
    assert ref["contact"]["phone"] == PHONE_STORED
    assert ref["owner_id"] == p.cluster
    assert ref["allowed_actions"] == ["cancel"]  # for the sender
    assert ref["overdue"] is False
    # the recipient must answer within 5 working days
    assert _ts(ref["due_at"]) == deadline(_ts(ref["created_at"]), 5)

    # the cluster sees it among those it received, and may accept or reject it
    r = await get(f"{API}/referrals", params={"role": "received"}, headers=p.as_cluster)
    assert [x["id"] for x in r.json()["items"]] == [rid]
    assert r.json()["items"][0]["allowed_actions"] == ["accept", "reject"]
    r = await get(f"{API}/referrals", params={"role": "sent"}, headers=p.as_cluster)
    assert r.json()["items"] == []

    # a third organisation learns nothing: 404, not 403, and no list entry
    for path in (f"/referrals/{rid}", f"/referrals/{rid}/history"):
        assert_problem(await get(API + path, headers=p.as_third), 404, "not-found")
    assert_problem(await act(suite, ref, "accept", p.as_third), 404, "not-found")
    assert (await get(f"{API}/referrals", headers=p.as_third)).json()["items"] == []
    # without a token: 401
    assert (await get(f"{API}/referrals/{rid}")).status_code == 401

    # the cluster accepts (If-Match), starts and completes it
    r = await get(f"{API}/referrals/{rid}", headers=p.as_cluster)
    assert r.headers["ETag"] == '"1"'
    ref = r.json()
    r = await act(suite, ref, "accept", p.as_cluster, {"note": "Vi kontakter dem i morgen"})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    ref = r.json()
    assert ref["state"] == "accepted" and ref["answered_at"] is not None
    assert _ts(ref["due_at"]) == deadline(_ts(ref["state_changed_at"]), 10)

    # the growth house sees each step
    seen = (await get(f"{API}/referrals/{rid}", headers=p.as_house)).json()
    assert seen["state"] == "accepted" and seen["allowed_actions"] == []

    ref = (await act(suite, ref, "start", p.as_cluster)).json()
    assert ref["state"] == "in_progress"
    assert _ts(ref["due_at"]) == deadline(_ts(ref["state_changed_at"]), 60)
    assert (await get(f"{API}/referrals/{rid}", headers=p.as_house)).json()["state"] == (
        "in_progress"
    )
    # the sender cannot close the loop for the recipient
    r = await act(suite, ref, "complete", p.as_house, {"outcome": "Matchet med en eksportør"})
    assert_problem(r, 403, "wrong-party")

    r = await act(
        suite,
        ref,
        "complete",
        p.as_cluster,
        {"outcome": "Matchet med to tyske grossister", "outcome_category": "project_started"},
    )
    assert r.status_code == 200, r.text
    ref = r.json()
    assert ref["state"] == "completed"
    assert ref["closed_at"] is not None and ref["due_at"] is None and ref["owner_id"] is None
    assert ref["outcome_category"] == "project_started"

    seen = (await get(f"{API}/referrals/{rid}", headers=p.as_house)).json()
    assert seen["state"] == "completed"
    assert seen["outcome"] == "Matchet med to tyske grossister"

    # the sender sees every change, who made it and when
    r = await get(f"{API}/referrals/{rid}/history", headers=p.as_house)
    steps = [(t["from_state"], t["to_state"], t["actor_id"]) for t in r.json()["items"]]
    assert steps == [
        (None, "requested", p.house),
        ("requested", "accepted", p.cluster),
        ("accepted", "in_progress", p.cluster),
        ("in_progress", "completed", p.cluster),
    ]
    assert r.json()["items"][1]["note"] == "Vi kontakter dem i morgen"
    page = await get(f"{API}/referrals/{rid}/history", params={"limit": 3}, headers=p.as_house)
    assert len(page.json()["items"]) == 3
    rest = await get(
        f"{API}/referrals/{rid}/history",
        params={"cursor": page.json()["next_cursor"]},
        headers=p.as_house,
    )
    assert [t["to_state"] for t in rest.json()["items"]] == ["completed"]

    # the events: sent to the cluster, each step to the growth house
    events = [e for e in await outbox_events(suite) if e.get("subject") == rid]
    assert [(e["type"], e["recipient"]) for e in events] == [
        ("referrals.referral.sent", p.cluster),
        ("referrals.referral.accepted", p.house),
        ("referrals.referral.started", p.house),
        ("referrals.referral.completed", p.house),
    ]
    assert events[0]["data"]["cross_region"] is True
    assert events[-1]["data"]["outcome_category"] == "project_started"
    assert events[-1]["data"]["state"] == "completed"


async def test_transitions_the_state_does_not_allow_and_if_match(suite: Suite) -> None:
    p = await parties(suite)
    ref = await send(suite, p)
    url = f"{API}/referrals/{ref['id']}"

    # If-Match: missing → 428, stale → 412 (nothing changes)
    r = await suite.http.post(f"{url}/accept", headers=p.as_cluster)
    assert_problem(r, 428, "precondition-required")
    r = await suite.http.post(f"{url}/accept", headers=p.as_cluster | {"If-Match": '"7"'})
    assert_problem(r, 412, "stale-write")
    assert (await suite.http.get(url, headers=p.as_house)).json()["state"] == "requested"

    # not yet: completing a requested referral → 409 naming what is allowed now
    r = await act(suite, ref, "complete", p.as_cluster, {"outcome": "Færdig"})
    body = assert_problem(r, 409, "transition-not-allowed")
    assert body["allowed_actions"] == ["accept", "reject", "cancel"]
    assert "accept (by the recipient)" in body["detail"]
    assert_problem(await act(suite, ref, "start", p.as_cluster), 409, "transition-not-allowed")
    # the wrong party: the sender does not accept, the recipient does not cancel
    assert_problem(await act(suite, ref, "accept", p.as_house), 403, "wrong-party")
    assert_problem(await act(suite, ref, "cancel", p.as_cluster), 403, "wrong-party")
    # a rejection needs a reason, a completion an outcome, and categories are fixed
    assert_problem(await act(suite, ref, "reject", p.as_cluster), 422)
    assert_problem(await act(suite, ref, "reject", p.as_cluster, {"reason": ""}), 422)
    r = await act(suite, ref, "accept", p.as_cluster, {"note": "x", "extra": 1})
    assert_problem(r, 422)

    r = await act(suite, ref, "reject", p.as_cluster, {"reason": "Ikke vores felt"})
    assert r.status_code == 200, r.text
    ref = r.json()
    assert ref["state"] == "rejected" and ref["reason"] == "Ikke vores felt"
    assert ref["answered_at"] == ref["closed_at"] == ref["state_changed_at"]
    # closed: nothing more
    body = assert_problem(await act(suite, ref, "accept", p.as_cluster), 409)
    assert body["allowed_actions"] == []
    assert "closed" in body["detail"]
    assert_problem(await act(suite, ref, "cancel", p.as_house), 409)
    rejected = [
        e
        for e in await outbox_events(suite, "referrals.referral.rejected")
        if e["subject"] == ref["id"]
    ]
    # the reason is free text: the sender reads it through the API, never from the event
    assert [e["recipient"] for e in rejected] == [p.house]
    assert "reason" not in rejected[0]["data"]

    # the sender withdraws an unanswered referral; the recipient is told
    other = await send(suite, p)
    r = await act(suite, other, "cancel", p.as_house, {"note": "Firmaet har fundet hjælp"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "cancelled" and r.json()["answered_at"] is None
    cancelled = await outbox_events(suite, "referrals.referral.cancelled")
    assert [(e["subject"], e["recipient"]) for e in cancelled] == [(other["id"], p.cluster)]

    # an accepted referral can fail once started, with a reason
    third = await send(suite, p)
    third = (await act(suite, third, "accept", p.as_cluster)).json()
    assert_problem(await act(suite, third, "fail", p.as_cluster, {"reason": "x"}), 409)
    assert_problem(await act(suite, third, "cancel", p.as_house), 409)
    third = (await act(suite, third, "start", p.as_cluster)).json()
    r = await act(suite, third, "fail", p.as_cluster, {"reason": "Firmaet svarer ikke"})
    assert r.json()["state"] == "failed" and r.json()["closed_at"] is not None
    failed = await outbox_events(suite, "referrals.referral.failed")
    assert [(e["subject"], e["recipient"]) for e in failed] == [(third["id"], p.house)]
    r = await act(suite, r.json(), "complete", p.as_cluster, {"outcome": "x"})
    assert_problem(r, 409)
    # an unknown outcome category
    fourth = await send(suite, p)
    fourth = (await act(suite, fourth, "accept", p.as_cluster)).json()
    fourth = (await act(suite, fourth, "start", p.as_cluster)).json()
    r = await act(
        suite, fourth, "complete", p.as_cluster, {"outcome": "x", "outcome_category": "y"}
    )
    assert_problem(r, 422)


async def test_idempotency_key(suite: Suite) -> None:
    p = await parties(suite)
    body = referral_body(p.cluster)
    key = p.as_house | {"Idempotency-Key": "henvisning-42"}
    before = await count_referrals(suite)
    first = await suite.http.post(f"{API}/referrals", json=body, headers=key)
    again = await suite.http.post(f"{API}/referrals", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.headers["Location"] == again.headers["Location"]
    assert await count_referrals(suite) == before + 1
    sent = [e for e in await outbox_events(suite, "referrals.referral.sent")]
    assert [e["subject"] for e in sent] == [first.json()["id"]]
    # the same key with another body → 422, and still one referral
    changed = body | {"need": "Noget helt andet end det første behov"}
    r = await suite.http.post(f"{API}/referrals", json=changed, headers=key)
    assert_problem(r, 422, "idempotency-key-reused")
    assert await count_referrals(suite) == before + 1
    # another key makes another referral
    r = await suite.http.post(
        f"{API}/referrals", json=body, headers=p.as_house | {"Idempotency-Key": "henvisning-43"}
    )
    assert r.status_code == 201 and r.json()["id"] != first.json()["id"]


async def test_who_may_send_and_what_is_valid(suite: Suite) -> None:
    p = await parties(suite)
    post = suite.http.post

    def with_(path: str, value: Any) -> dict[str, Any]:
        body = referral_body(p.cluster)
        *parents, last = path.split(".")
        target = body
        for part in parents:
            target = target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
        return body

    # no token, or a token without referrals:write (the forum secretariat)
    assert (await post(f"{API}/referrals", json=referral_body(p.cluster))).status_code == 401
    r = await post(
        f"{API}/referrals",
        json=referral_body(p.cluster),
        headers=await suite.auth("klyngeforum"),
    )
    assert_problem(r, 403, "insufficient-scope")

    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    cases: list[tuple[str, Any, str | None]] = [
        ("need", "for kort", None),
        ("need", "x" * 5001, None),
        ("need", "ti tegn og\x00", None),
        ("fields", ["energy", "nonsense"], None),
        ("fields", ["energy", "energy"], None),
        ("firm.cvr", "12345678", None),
        ("firm.municipality_code", "9999", None),
        ("firm.municipality_code", _DELETE, None),
        ("firm.employees", -1, None),
        ("firm.name", "", None),
        ("contact.email", "hanne@", None),
        ("contact.email", "hanne ostergaard@eksempel.dk", None),
        ("contact.phone", "12345", None),
        ("contact.phone", "+45 0123 4567", None),
        ("contact.name", _DELETE, None),
        ("consent", _DELETE, None),
        ("consent.given_by", _DELETE, None),
        ("consent.purpose", "", None),
        ("consent.given_at", "i går", None),
        ("consent.given_at", future, "consent-in-the-future"),
        ("recipient_id", p.house, "self-referral"),
        ("recipient_id", "no-such-organisation", "unknown-organisation"),
        ("recipient_id", "fivu-rti", "not-a-party"),
        ("service_id", "svc-none", "unknown-service"),
        ("surprise", 1, None),
    ]
    for path, value, kind in cases:
        r = await post(f"{API}/referrals", json=with_(path, value), headers=p.as_house)
        body = assert_problem(r, 422, kind)
        # an invalid value is never repeated back (it may be personal data)
        if isinstance(value, str) and len(value) > 4 and path.startswith("contact"):
            assert value not in r.text
    # neither e-mail nor phone: the contact cannot be reached
    body = referral_body(p.cluster)
    del body["contact"]["email"], body["contact"]["phone"]
    assert_problem(await post(f"{API}/referrals", json=body, headers=p.as_house), 422)

    # accepted forms: phone only, an international phone, an entrepreneur without CVR
    for path, value, expected in (
        ("contact.phone", "0045 21 43 65 87", "+4521436587"),
        ("contact.phone", "+46 70 123 45 67", "+46701234567"),
        ("contact.phone", "21436587", "+4521436587"),
    ):
        r = await post(f"{API}/referrals", json=with_(path, value), headers=p.as_house)
        assert r.status_code == 201, r.text
        assert r.json()["contact"]["phone"] == expected
    body = with_("firm.cvr", _DELETE)
    del body["contact"]["email"]
    r = await post(f"{API}/referrals", json=body, headers=p.as_house)
    assert r.status_code == 201, r.text
    assert r.json()["firm"]["cvr"] is None and r.json()["contact"]["email"] is None
    r = await post(
        f"{API}/referrals", json=with_("contact.email", "Hanne@Eksempel.DK"), headers=p.as_house
    )
    assert r.json()["contact"]["email"] == "Hanne@eksempel.dk"
    assert (await count_referrals(suite)) == 5  # nothing refused was stored


_DELETE = object()


async def test_referral_to_a_service_of_the_recipient(suite: Suite) -> None:
    p = await parties(suite)
    now = datetime.now(UTC)
    factory = suite.apps["referrals"].state.session_factory
    async with factory() as session, session.begin():
        for sid, org, status in (
            ("svc-active", p.cluster, "active"),
            ("svc-closed", p.cluster, "inactive"),
            ("svc-other", p.third, "active"),
        ):
            session.add(
                OfferedService(
                    id=sid,
                    organisation_id=org,
                    name="Eksportrådgivning",
                    status=status,
                    change_seq=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    post = suite.http.post
    r = await post(
        f"{API}/referrals",
        json=referral_body(p.cluster, service_id="svc-closed"),
        headers=p.as_house,
    )
    assert_problem(r, 422, "service-not-active")
    r = await post(
        f"{API}/referrals",
        json=referral_body(p.cluster, service_id="svc-other"),
        headers=p.as_house,
    )
    assert_problem(r, 422, "unknown-service")
    r = await post(
        f"{API}/referrals",
        json=referral_body(p.cluster, service_id="svc-active"),
        headers=p.as_house,
    )
    assert r.status_code == 201, r.text
    assert r.json()["service_id"] == "svc-active"
    sent = await outbox_events(suite, "referrals.referral.sent")
    assert sent[-1]["data"]["service_id"] == "svc-active"


async def test_lists_filter_and_page(suite: Suite) -> None:
    p = await parties(suite)
    a = await send(suite, p)
    b = await send(suite, p)
    c = await send(suite, p)
    await act(suite, b, "accept", p.as_cluster)
    # the cluster refers one back to the growth house
    r = await suite.http.post(f"{API}/referrals", json=referral_body(p.house), headers=p.as_cluster)
    back = r.json()
    get = suite.http.get

    async def ids(headers: dict[str, str], **params: Any) -> list[str]:
        r = await get(f"{API}/referrals", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return [x["id"] for x in r.json()["items"]]

    assert await ids(p.as_house) == [a["id"], b["id"], c["id"], back["id"]]
    assert await ids(p.as_house, role="sent") == [a["id"], b["id"], c["id"]]
    assert await ids(p.as_house, role="received") == [back["id"]]
    assert await ids(p.as_cluster, state="accepted") == [b["id"]]
    assert await ids(p.as_cluster, role="received", state="requested") == [a["id"], c["id"]]
    assert await ids(p.as_cluster, overdue="true") == []
    assert len(await ids(p.as_cluster, overdue="false")) == 4
    assert await ids(p.as_third) == []

    first = await get(f"{API}/referrals", params={"limit": 2}, headers=p.as_house)
    assert [x["id"] for x in first.json()["items"]] == [a["id"], b["id"]]
    rest = await ids(p.as_house, cursor=first.json()["next_cursor"])
    assert rest == [c["id"], back["id"]]

    assert_problem(await get(f"{API}/referrals", params={"state": "lost"}, headers=p.as_house), 422)
    assert_problem(await get(f"{API}/referrals", params={"role": "x"}, headers=p.as_house), 422)
    r = await get(f"{API}/referrals", params={"cursor": "not-a-cursor"}, headers=p.as_house)
    assert_problem(r, 422, "invalid-cursor")
    r = await get(
        f"{API}/referrals/{a['id']}/history",
        params={"cursor": first.json()["next_cursor"]},
        headers=p.as_house,
    )
    assert_problem(r, 422, "invalid-cursor")
    assert (await get(f"{API}/referrals")).status_code == 401
    assert_problem(await get(f"{API}/referrals/ref-none", headers=p.as_house), 404)
    assert_problem(await get(f"{API}/referrals/a%00b", headers=p.as_house), 404)


async def test_two_answers_from_the_same_etag_at_once(suite: Suite) -> None:
    """Two people at the cluster answer the same referral at the same moment: one wins, the
    other gets 412 and nothing is recorded twice."""
    p = await parties(suite)
    for _ in range(3):
        ref = await send(suite, p)
        answers = await asyncio.gather(
            act(suite, ref, "accept", p.as_cluster),
            act(suite, ref, "reject", p.as_cluster, {"reason": "Ikke vores felt"}),
        )
        assert sorted(r.status_code for r in answers) == [200, 412], [r.text for r in answers]
        history = await suite.http.get(f"{API}/referrals/{ref['id']}/history", headers=p.as_house)
        assert len(history.json()["items"]) == 2
        answered = [
            e
            for e in await outbox_events(suite)
            if e["subject"] == ref["id"] and e["type"] != "referrals.referral.sent"
        ]
        assert len(answered) == 1
