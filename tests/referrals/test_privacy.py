"""Privacy of referrals (§5): contact data, the firm's name and the need never reach an
event (outbox or NATS); a firm's data can be exported and erased by CVR."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import nats

from tests.conftest import Suite, eventually
from tests.referrals.helpers import API, assert_problem, cvr, outbox_events
from tests.referrals.referral_helpers import (
    CONTACT,
    FIRM_NAME,
    NEED,
    PHONE_STORED,
    PHONE_TYPED,
    act,
    anonymous_facts,
    count_idempotency_rows,
    parties,
    referral_body,
    referral_row,
    run_job,
    set_clock,
)

SECRETS = [CONTACT["name"], CONTACT["email"], PHONE_TYPED, PHONE_STORED, FIRM_NAME, NEED]


def _leaks(envelope: dict[str, Any], secrets: list[str]) -> list[str]:
    """The secrets (or telling parts of them) found in an envelope, as UTF-8 or as JSON
    \\u escapes."""
    text = json.dumps(envelope, ensure_ascii=False)
    escaped = json.dumps(envelope)
    parts = ["Østergaard", "ostergaard", "21436587", "Marmelade", "rabarbermarmelade"]
    return [
        s for s in secrets + parts if s in text or s in escaped or json.dumps(s)[1:-1] in escaped
    ]


async def test_no_event_carries_contact_data_firm_name_or_need(suite: Suite) -> None:
    # the detector itself finds them, also escaped or in part
    assert _leaks({"data": {"x": CONTACT["name"]}}, SECRETS)
    assert _leaks(json.loads(json.dumps({"n": f"tlf {PHONE_STORED[3:]}"})), [])
    p = await parties(suite)
    ids: list[str] = []
    firm_cvrs: list[str] = []

    async def referral() -> dict[str, Any]:
        body = referral_body(p.cluster)
        firm_cvrs.append(body["firm"]["cvr"])
        r = await suite.http.post(f"{API}/referrals", json=body, headers=p.as_house)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        return r.json()

    nc = await nats.connect(suite.nats.url)
    seen: list[dict[str, Any]] = []
    try:
        js = nc.jetstream()

        async def on_message(msg: Any) -> None:
            seen.append(json.loads(msg.data))

        # every step of the loop, every way out, and the overdue clock
        done = await referral()
        for action, body in (
            ("accept", {"note": f"Ring til {CONTACT['name']} på {PHONE_TYPED}"}),
            ("start", None),
            ("complete", {"outcome": f"{FIRM_NAME} fik hjælp", "outcome_category": "other"}),
        ):
            done = (await act(suite, done, action, p.as_cluster, body)).json()
        await act(
            suite, await referral(), "reject", p.as_cluster, {"reason": f"{FIRM_NAME} passer ikke"}
        )
        await act(suite, await referral(), "cancel", p.as_house, {"note": CONTACT["email"]})
        failed = (await act(suite, await referral(), "accept", p.as_cluster)).json()
        failed = (await act(suite, failed, "start", p.as_cluster)).json()
        await act(suite, failed, "fail", p.as_cluster, {"reason": "Svarer ikke"})
        await referral()
        set_clock(suite, datetime.now(UTC) + timedelta(days=30))
        assert (await run_job(suite, "overdue"))["marked"] == 1

        envelopes = [e for e in await outbox_events(suite) if e.get("subject") in ids]
        types = {e["type"].rsplit(".", 1)[1] for e in envelopes}
        assert types == {
            "sent",
            "accepted",
            "started",
            "completed",
            "rejected",
            "cancelled",
            "failed",
            "overdue",
        }
        for envelope in envelopes:
            assert _leaks(envelope, SECRETS + firm_cvrs) == [], envelope

        # and what actually reaches NATS: a plain nats-py subscriber on the stream
        async def stream_exists() -> bool:
            try:
                await js.stream_info("REFERRALS")
                return True
            except Exception:
                return False

        await eventually(stream_exists)
        sub = await js.subscribe("referrals.referral.>", cb=on_message, ordered_consumer=True)

        async def all_seen() -> bool:
            await asyncio.sleep(0)
            return len([e for e in seen if e.get("subject") in ids]) >= len(envelopes)

        await eventually(all_seen)
        await sub.unsubscribe()
    finally:
        await nc.close()
    mine = [e for e in seen if e.get("subject") in ids]
    assert sorted(e["id"] for e in mine) == sorted(e["id"] for e in envelopes)
    for envelope in mine:
        assert _leaks(envelope, SECRETS + firm_cvrs) == [], envelope


async def test_export_and_erase_a_firm_by_cvr(suite: Suite) -> None:
    p = await parties(suite)
    firm = cvr()
    other_firm = cvr()

    def about(number: str) -> dict[str, Any]:
        body = referral_body(p.cluster)
        body["firm"]["cvr"] = number
        return body

    post, get = suite.http.post, suite.http.get
    r = await post(
        f"{API}/referrals",
        json=about(firm),
        headers=p.as_house | {"Idempotency-Key": "hus-1"},
    )
    from_house = r.json()
    from_house = (
        await act(suite, from_house, "accept", p.as_cluster, {"note": "Ring i dag"})
    ).json()
    r = await post(f"{API}/referrals", json=about(firm), headers=p.as_third)
    from_third = r.json()
    r = await post(f"{API}/referrals", json=about(other_firm), headers=p.as_house)
    unrelated = r.json()
    admin = await suite.auth("klyngeforum")

    async def exported(headers: dict[str, str], number: str = firm) -> dict[str, Any]:
        r = await get(f"{API}/firms/{number}/referrals", headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    # each party sees the referrals it is party to; the secretariat (admin) all of them
    out = await exported(p.as_house)
    assert out["cvr"] == firm and out["count"] == 1
    [item] = out["referrals"]
    assert item["id"] == from_house["id"]
    assert item["contact"]["email"] == CONTACT["email"] and item["need"] == NEED
    assert [t["to_state"] for t in item["history"]] == ["requested", "accepted"]
    assert item["history"][1]["note"] == "Ring i dag"
    assert {x["id"] for x in (await exported(p.as_cluster))["referrals"]} == {
        from_house["id"],
        from_third["id"],
    }
    assert [x["id"] for x in (await exported(p.as_third))["referrals"]] == [from_third["id"]]
    assert (await exported(admin))["count"] == 2
    assert (await exported(p.as_house, cvr()))["count"] == 0
    # who may not: no token, a token of neither kind (a ministry), an invalid CVR
    assert (await get(f"{API}/firms/{firm}/referrals")).status_code == 401
    r = await get(f"{API}/firms/{firm}/referrals", headers=await suite.auth("fivu-rti"))
    assert_problem(r, 403, "insufficient-scope")
    r = await post(f"{API}/firms/{firm}/erase", headers=await suite.auth("fivu-rti"))
    assert_problem(r, 403, "insufficient-scope")
    assert (await post(f"{API}/firms/{firm}/erase")).status_code == 401
    assert_problem(await get(f"{API}/firms/12345678/referrals", headers=p.as_house), 422)
    assert_problem(await post(f"{API}/firms/1234/erase", headers=p.as_house), 422)

    # the growth house erases what it holds about the firm
    before = anonymous_facts(await referral_row(suite, from_house["id"]))
    assert await count_idempotency_rows(suite) == 1
    r = await post(f"{API}/firms/{firm}/erase", headers=p.as_house)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "cvr": firm,
        "referrals_erased": 1,
        "referral_ids": [from_house["id"]],
        "idempotency_keys_deleted": 1,
    }
    assert await count_idempotency_rows(suite) == 0
    row = await referral_row(suite, from_house["id"])
    assert (row.firm_cvr, row.firm_name, row.need) == (None, None, None)
    assert (row.contact_name, row.contact_email, row.contact_phone) == (None, None, None)
    assert row.consent_given_by is None and row.erased_reason == "request"
    assert anonymous_facts(row) == before
    seen = (await get(f"{API}/referrals/{from_house['id']}", headers=p.as_cluster)).json()
    assert seen["contact"] is None and seen["firm"]["name"] is None
    assert seen["erased_reason"] == "request" and seen["state"] == "accepted"
    history = await get(f"{API}/referrals/{from_house['id']}/history", headers=p.as_cluster)
    assert all(t["note"] is None for t in history.json()["items"])
    # the other organisations' referral about the firm is theirs to erase; others untouched
    assert (await referral_row(suite, from_third["id"])).firm_cvr == firm
    assert (await referral_row(suite, unrelated["id"])).contact_name == CONTACT["name"]

    # the secretariat erases across all parties; a repeat finds nothing more
    r = await post(f"{API}/firms/{firm}/erase", headers=admin)
    assert r.json()["referral_ids"] == [from_third["id"]]
    r = await post(f"{API}/firms/{firm}/erase", headers=admin)
    assert r.json()["referrals_erased"] == 0
    assert (await exported(admin))["count"] == 0
    assert (await referral_row(suite, unrelated["id"])).firm_cvr == other_firm
