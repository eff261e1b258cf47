"""Issue 5's fourth "done when": the retention job erases the contact data of old referrals,
and the flow statistics are unchanged (through the API, as the parties and monitors see them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import Suite
from tests.referrals.helpers import API
from tests.referrals.referral_helpers import (
    CONTACT,
    act,
    parties,
    referral_row,
    run_job,
    send,
    set_clock,
)


async def test_retention_erases_contacts_and_leaves_the_flows_unchanged(suite: Suite) -> None:
    p = await parties(suite)
    done = await send(suite, p)
    for action, body in (
        ("accept", None),
        ("start", None),
        ("complete", {"outcome": "Fik en eksportpartner", "outcome_category": "project_started"}),
    ):
        r = await act(suite, done, action, p.as_cluster, body)
        assert r.status_code == 200, r.text
        done = r.json()
    rejected = await send(suite, p)
    r = await act(suite, rejected, "reject", p.as_cluster, {"reason": "Ikke vores felt"})
    assert r.status_code == 200, r.text
    waiting = await send(suite, p)

    period = {"from": "2020-01-01", "to": "2030-01-01"}
    monitor = await suite.auth("vaekstforum-nordjylland")
    before = await suite.http.get(f"{API}/flows", params=period, headers=monitor)
    assert before.status_code == 200, before.text
    assert before.json()["summary"]["referrals"] == 3
    csv_before = (await suite.http.get(f"{API}/flows.csv", params=period, headers=monitor)).text

    # 366 days later (the default retention is 365 days after the last change)
    set_clock(suite, datetime.now(UTC) + timedelta(days=366))
    out = await run_job(suite, "retention")
    assert out["contacts_erased"] == 3, out

    for ref in (done, rejected, waiting):
        row = await referral_row(suite, ref["id"])
        assert row.contact_name is None and row.contact_email is None
        assert row.contact_phone is None and row.consent_given_by is None
        assert row.erased_reason == "retention"
    seen = await suite.http.get(f"{API}/referrals/{done['id']}", headers=p.as_house)
    assert seen.json()["contact"] is None
    assert CONTACT["name"] not in seen.text

    after = await suite.http.get(f"{API}/flows", params=period, headers=monitor)
    assert after.json() == before.json()
    assert (await suite.http.get(f"{API}/flows.csv", params=period, headers=monitor)).text == (
        csv_before
    )
