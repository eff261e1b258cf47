"""GET /referrals/v1/flows and /flows.csv (§5 "parterne monitorerer") over a small, hand-built
set of referrals written straight into the referrals database; every expected number below is
worked out by hand from the table in ``DATA``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import update

from services.referrals.models import Referral
from tests.conftest import Suite
from tests.referrals.helpers import API, assert_problem, register_organisation

REGION = {"0851": "1081", "0860": "1081", "0751": "1082", "0461": "1083", "0101": "1084"}
NAMES = {
    "1081": "Region Nordjylland",
    "1082": "Region Midtjylland",
    "1083": "Region Syddanmark",
    "1084": "Region Hovedstaden",
    "1085": "Region Sjælland",
}
JAN = {"from": "2026-01-01", "to": "2026-02-01"}
_ids = count(1)

GH, BS, CO, MU = "growth_house", "business_service", "cluster_organisation", "municipality"

#: (firm municipality, recipient municipality, sender kind, recipient kind, state,
#:  hours to answer, hours to close, outcome category) — created on 5, 6, … January 2026.
DATA: list[tuple[Any, ...]] = [
    ("0851", "0461", GH, CO, "completed", 24, 240, "project_started"),  # A
    ("0851", "0461", GH, CO, "rejected", 48, None, None),  # B
    ("0851", "0851", GH, BS, "accepted", 2, None, None),  # C
    ("0860", "0851", BS, GH, "in_progress", 10, None, None),  # D
    ("0751", "0461", GH, CO, "failed", 6, 120, None),  # E
    ("0851", "0461", MU, CO, "requested", None, None, None),  # F
    ("0101", None, CO, GH, "cancelled", None, None, None),  # G: recipient's place unknown
    ("0461", "0461", CO, GH, "completed", 1, 47, "advice_given"),  # H
]


def referral(
    created: datetime,
    firm: str,
    to: str | None,
    sender_kind: str,
    recipient_kind: str,
    state: str,
    answer_h: int | None = None,
    close_h: int | None = None,
    outcome_category: str | None = None,
) -> Referral:
    n = next(_ids)
    to_region = REGION[to] if to else None
    return Referral(
        id=f"ref-flows-{n}",
        sender_id=f"org-s-{n}",
        sender_kind=sender_kind,
        sender_municipality_code=firm,
        sender_region_code=REGION[firm],
        recipient_id=f"org-r-{n}",
        recipient_kind=recipient_kind,
        recipient_municipality_code=to,
        recipient_region_code=to_region,
        firm_cvr="12345674",
        firm_name=f"Firma {n} ApS",
        firm_municipality_code=firm,
        firm_region_code=REGION[firm],
        firm_employees=12,
        need="Hjælp til eksport",
        fields=["energy"],
        contact_name="Jens Hansen",
        contact_email="jens@example.dk",
        contact_phone="+4512345678",
        consent_given_at=created,
        consent_given_by="Jens Hansen",
        consent_purpose="Henvisning",
        state=state,
        reason="Uden for vores felt" if state == "rejected" else None,
        outcome="Godt forløb" if state == "completed" else None,
        outcome_category=outcome_category,
        cross_municipality=to is not None and firm != to,
        cross_region=to_region is not None and REGION[firm] != to_region,
        created_at=created,
        answered_at=created + timedelta(hours=answer_h) if answer_h is not None else None,
        closed_at=created + timedelta(hours=close_h) if close_h is not None else None,
        state_changed_at=created,
    )


async def load(suite: Suite) -> None:
    """DATA in January 2026, plus one referral just before and one just after the month."""
    rows = [
        referral(datetime(2026, 1, 5 + i, 9, 0, tzinfo=UTC), *row) for i, row in enumerate(DATA)
    ]
    rows.append(
        referral(
            datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
            "0851",
            "0101",
            "growth_house",
            "cluster_organisation",
            "accepted",
            1000,
        )
    )
    rows.append(
        referral(
            datetime(2026, 2, 1, tzinfo=UTC),
            "0851",
            "0101",
            "growth_house",
            "cluster_organisation",
            "requested",
        )
    )
    factory = suite.apps["referrals"].state.session_factory
    async with factory() as s, s.begin():
        s.add_all(rows)


async def reader(suite: Suite) -> dict[str, str]:
    return await suite.auth("kommune-0851")  # a municipality: a party of the exchange


async def test_flows_for_january_by_hand(suite: Suite) -> None:
    await load(suite)
    r = await suite.http.get(f"{API}/flows", params=JAN, headers=await reader(suite))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == {"from": "2026-01-01", "to": "2026-02-01"}
    assert body["kind"] is None and body["region"] is None

    s = body["summary"]
    assert s["referrals"] == 8  # the ones of 31 December and 1 February are outside
    assert s["by_state"] == {
        "requested": 1,  # F
        "accepted": 1,  # C
        "rejected": 1,  # B
        "cancelled": 1,  # G
        "in_progress": 1,  # D
        "completed": 2,  # A, H
        "failed": 1,  # E
    }
    # answered = C, B, D, A, H, E = 6; accepted or later = C, D, A, H, E = 5
    assert (s["answered"], s["accepted"], s["acceptance_rate"]) == (6, 5, 0.8333)
    assert (s["closed"], s["completion_rate"]) == (3, 0.6667)  # A, H completed; E failed
    assert s["outcome_categories"] == {"advice_given": 1, "project_started": 1}
    # across municipal borders: A, B, D, E, F; across regional borders: A, B, E, F
    assert s["cross_municipality"] == {"count": 5, "share": 0.625}
    assert s["cross_region"] == {"count": 4, "share": 0.5}
    # answers after 1, 2, 6 | 10, 24, 48 hours → (6 + 10) / 2 = 8 h
    assert s["time_to_answer"] == {"n": 6, "median_hours": 8.0, "median_days": 0.33}
    # closes after 47, 120, 240 hours → 120 h = 5 days
    assert s["time_to_close"] == {"n": 3, "median_hours": 120.0, "median_days": 5.0}

    senders = {k["kind"]: k for k in body["by_sender_kind"]}
    assert list(senders) == [
        "business_service",
        "cluster_organisation",
        "growth_house",
        "municipality",
    ]
    gh = senders["growth_house"]  # A, B, C, E
    assert (gh["referrals"], gh["answered"], gh["accepted"], gh["acceptance_rate"]) == (
        4,
        4,
        3,
        0.75,
    )
    assert (gh["closed"], gh["completion_rate"]) == (2, 0.5)
    assert gh["cross_municipality"] == {"count": 3, "share": 0.75}
    # answers 2, 6 | 24, 48 → 15 h; closes 120, 240 → 180 h = 7.5 days
    assert gh["time_to_answer"] == {"n": 4, "median_hours": 15.0, "median_days": 0.62}
    assert gh["time_to_close"] == {"n": 2, "median_hours": 180.0, "median_days": 7.5}
    co = senders["cluster_organisation"]  # G cancelled, H completed
    assert (co["referrals"], co["answered"], co["acceptance_rate"]) == (2, 1, 1.0)
    assert co["time_to_close"]["median_hours"] == 47.0
    mu = senders["municipality"]  # F, still waiting
    assert (mu["referrals"], mu["answered"], mu["acceptance_rate"]) == (1, 0, None)
    assert mu["time_to_answer"] == {"n": 0, "median_hours": None, "median_days": None}
    assert senders["business_service"]["time_to_answer"]["median_hours"] == 10.0  # D

    recipients = {k["kind"]: k for k in body["by_recipient_kind"]}
    cl = recipients["cluster_organisation"]  # A, B, E, F
    assert (cl["referrals"], cl["answered"], cl["accepted"], cl["acceptance_rate"]) == (
        4,
        3,
        2,
        0.6667,
    )
    assert cl["cross_region"] == {"count": 4, "share": 1.0}
    assert cl["time_to_answer"]["median_hours"] == 24.0  # 6, 24, 48
    g = recipients["growth_house"]  # D, G, H
    assert (g["referrals"], g["acceptance_rate"]) == (3, 1.0)
    assert g["cross_municipality"] == {"count": 1, "share": 0.3333}
    assert g["time_to_answer"]["median_hours"] == 5.5  # 1 and 10
    assert recipients["municipality"]["referrals"] == 0

    m = body["region_matrix"]
    assert m["regions"] == [{"code": c, "name": n} for c, n in NAMES.items()]
    rows = {row["firm_region"]["code"]: row for row in m["rows"]}
    assert rows["1081"]["counts"] == [2, 0, 3, 0, 0]  # C, D within; A, B, F to Syddanmark
    assert rows["1082"]["counts"] == [0, 0, 1, 0, 0]  # E
    assert rows["1083"]["counts"] == [0, 0, 1, 0, 0]  # H
    assert rows["1084"]["counts"] == [0] * 5
    assert rows["1084"]["recipient_region_unknown"] == 1  # G
    assert [row["total"] for row in m["rows"]] == [5, 1, 1, 1, 0]

    pairs = [
        (p["firm"]["code"], (p["recipient"] or {}).get("code"), p["referrals"], p["cross_region"])
        for p in body["municipality_pairs"]
    ]
    assert pairs == [
        ("0851", "0461", 3, True),
        ("0101", None, 1, None),
        ("0461", "0461", 1, False),
        ("0751", "0461", 1, True),
        ("0851", "0851", 1, False),
        ("0860", "0851", 1, False),
    ]
    first = body["municipality_pairs"][0]
    assert first["firm"] == {
        "code": "0851",
        "name": "Aalborg",
        "region_code": "1081",
        "region_name": "Region Nordjylland",
    }
    assert first["recipient"]["name"] == "Odense"
    assert first["recipient"]["region_name"] == "Region Syddanmark"

    # no personal data, no free text anywhere in the answer
    for secret in ("Jens", "jens@", "4512345678", "12345674", "Firma", "eksport", "Godt", "Uden"):
        assert secret not in r.text


async def test_filters_by_period_kind_and_region(suite: Suite) -> None:
    await load(suite)
    headers = await reader(suite)

    async def total(**params: str) -> int:
        r = await suite.http.get(f"{API}/flows", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return int(r.json()["summary"]["referrals"])

    # the bounds: 31 Dec 23:59:59 is in December, 1 Feb 00:00 in February
    assert await total(**{"from": "2025-12-01", "to": "2026-03-01"}) == 10
    assert await total(**{"from": "2025-12-31", "to": "2026-01-01"}) == 1
    assert await total(**{"from": "2026-02-01", "to": "2026-02-02"}) == 1
    assert await total(**{"from": "2026-01-05", "to": "2026-01-07"}) == 2  # A, B
    # sent or received by an organisation of the kind
    assert await total(**JAN, kind="municipality") == 1  # F
    assert await total(**JAN, kind="business_service") == 2  # C (received), D (sent)
    assert await total(**JAN, kind="cluster_organisation") == 6  # A, B, E, F, G, H
    # the firm or the recipient in the region
    assert await total(**JAN, region="1083") == 5  # A, B, E, F to Odense; H within
    assert await total(**JAN, region="1084") == 1  # G
    assert await total(**JAN, region="1085") == 0
    assert await total(**JAN, region="1081", kind="municipality") == 1  # F

    r = await suite.http.get(f"{API}/flows", params=JAN | {"region": "1082"}, headers=headers)
    body = r.json()
    assert body["region"] == "1082"
    assert body["summary"]["referrals"] == 1  # E
    assert body["municipality_pairs"][0]["firm"]["name"] == "Aarhus"
    assert [row["total"] for row in body["region_matrix"]["rows"]] == [0, 1, 0, 0, 0]

    # default: the last 12 months up to and including today (here 20 January 2026)
    suite.apps["referrals"].state.clock = lambda: datetime(2026, 1, 20, 15, 0, tzinfo=UTC)
    r = await suite.http.get(f"{API}/flows", headers=headers)
    assert r.json()["period"] == {"from": "2025-01-21", "to": "2026-01-21"}
    assert r.json()["summary"]["referrals"] == 9  # January's 8 and 31 December's


async def test_erasing_personal_data_leaves_the_statistics_unchanged(suite: Suite) -> None:
    """The retention job's promise (issue 5): contact data goes, the statistics stay."""
    await load(suite)
    headers = await reader(suite)
    before = (await suite.http.get(f"{API}/flows", params=JAN, headers=headers)).json()
    factory = suite.apps["referrals"].state.session_factory
    async with factory() as s, s.begin():
        await s.execute(
            update(Referral).values(
                contact_name=None,
                contact_email=None,
                contact_phone=None,
                consent_given_by=None,
                firm_cvr=None,
                firm_name=None,
                need=None,
                contact_erased_at=datetime(2026, 3, 1, tzinfo=UTC),
                erased_reason="retention",
            )
        )
    after = (await suite.http.get(f"{API}/flows", params=JAN, headers=headers)).json()
    assert after == before
    assert after["summary"]["referrals"] == 8


async def test_bad_queries_are_problems(suite: Suite) -> None:
    headers = await reader(suite)

    async def get(**params: str) -> Any:
        return await suite.http.get(f"{API}/flows", params=params, headers=headers)

    assert_problem(await get(**{"from": "2026-02-01", "to": "2026-01-01"}), 422, "invalid-period")
    assert_problem(await get(**{"from": "2026-01-01", "to": "2026-01-01"}), 422, "invalid-period")
    assert_problem(await get(**{"from": "2099-01-01"}), 422, "invalid-period")
    assert_problem(await get(**{"from": "2015-12-31", "to": "2026-01-01"}), 422, "period-too-long")
    assert_problem(await get(**{"from": "0001-01-01"}), 422, "period-too-long")
    assert_problem(await get(to="0001-01-01"), 422, "invalid-period")
    for bad in ("2026-13-01", "yesterday", "2026-02-30", ""):
        assert_problem(await get(**{"from": bad}), 422, "validation-error" if bad else None)
    assert_problem(await get(to="01/02/2026"), 422, "validation-error")
    body = assert_problem(await get(region="9999"), 422, "unknown-region")
    assert "1081" in body["detail"]
    assert_problem(await get(region="x" * 11), 422, "validation-error")
    assert_problem(await get(kind="ministry"), 422, "validation-error")
    assert_problem(await get(kind="nope"), 422, "validation-error")
    # the same checks on the CSV
    r = await suite.http.get(
        f"{API}/flows.csv", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=headers
    )
    assert_problem(r, 422, "invalid-period")


async def test_open_to_the_parties_and_those_who_monitor_them(suite: Suite) -> None:
    # no token → 401, for the JSON and the CSV (and before the query is looked at)
    for path in ("flows", "flows.csv"):
        r = await suite.http.get(f"{API}/{path}", params=JAN)
        assert_problem(r, 401, "unauthorized")
        assert r.headers["www-authenticate"] == "Bearer"
    assert_problem(await suite.http.get(f"{API}/flows", params={"from": "bad"}), 401)
    r = await suite.http.get(
        f"{API}/flows", params=JAN, headers={"Authorization": "Bearer not-a-token"}
    )
    assert_problem(r, 401, "invalid-token")

    # a knowledge institution is neither a party nor a monitor → 403
    knowledge = await register_organisation(
        suite, "Videncenter for Energi", kind="knowledge_institution"
    )
    r = await suite.http.get(f"{API}/flows", params=JAN, headers=await suite.auth(knowledge))
    body = assert_problem(r, 403, "not-a-party")
    assert "knowledge_institution" in body["detail"]
    r = await suite.http.get(f"{API}/flows.csv", params=JAN, headers=await suite.auth(knowledge))
    assert_problem(r, 403, "not-a-party")

    # the parties (a growth house, even with a client that may not write referrals; a
    # municipality) and the monitors (ministry, growth forum, region, KL, the secretariat)
    growth_house = await register_organisation(suite, "Væksthus Nordjylland")
    callers = [
        await suite.auth(growth_house),
        await suite.auth(growth_house, scopes=["webhooks:write"]),
        await suite.auth("kommune-0461"),
        await suite.auth("fivu-rti"),
        await suite.auth("vaekstforum-syddanmark"),
        await suite.auth("region-1083"),
        await suite.auth("kl"),
        await suite.auth("klyngeforum"),
    ]
    for headers in callers:
        r = await suite.http.get(f"{API}/flows", params=JAN, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["summary"]["referrals"] == 0


async def test_csv_of_the_region_matrix_and_the_municipality_pairs(suite: Suite) -> None:
    await load(suite)
    r = await suite.http.get(f"{API}/flows.csv", params=JAN, headers=await reader(suite))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == (
        'attachment; filename="referral-flows-2026-01-01-2026-02-01.csv"'
    )
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][0] == "level" and rows[0][-1] == "referrals"
    regions = [row for row in rows[1:] if row[0] == "region"]
    municipalities = [row for row in rows[1:] if row[0] == "municipality"]
    # 5 × 5 cells and Hovedstaden's one referral to an organisation without a known region
    assert len(regions) == 26
    cells = {(row[1], row[5]): int(row[9]) for row in regions}
    assert cells[("1081", "1083")] == 3
    assert cells[("1081", "1081")] == 2
    assert cells[("1082", "1083")] == 1
    assert cells[("1084", "")] == 1
    assert cells[("1085", "1085")] == 0
    assert sum(cells.values()) == 8
    assert ["region", "1081", "Region Nordjylland", "", "", "1083", "Region Syddanmark"] == (
        regions[2][:7]
    )
    assert len(municipalities) == 6
    assert municipalities[0] == [
        "municipality",
        "1081",
        "Region Nordjylland",
        "0851",
        "Aalborg",
        "1083",
        "Region Syddanmark",
        "0461",
        "Odense",
        "3",
    ]
    assert "Jens" not in r.text and "Firma" not in r.text
