"""The flow statistics' arithmetic (§5 "parterne monitorerer"), checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.referrals.rules import flows
from services.referrals.rules.flows import Cell, PeriodError, Timings

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
REGIONS = {"1081": "Region Nordjylland", "1083": "Region Syddanmark"}
MUNICIPALITIES = {
    "0851": ("Aalborg", "1081"),
    "0860": ("Hjørring", "1081"),
    "0461": ("Odense", "1083"),
}


# --- median, rate, durations ----------------------------------------------------------------


def test_median_odd_even_and_empty() -> None:
    assert flows.median([]) is None
    assert flows.median([5.0]) == 5.0
    assert flows.median([3.0, 1.0, 2.0]) == 2.0  # 1 2 3
    assert flows.median([4.0, 1.0, 3.0, 2.0]) == 2.5  # 1 2 | 3 4
    assert flows.median([48.0, 1.0, 24.0, 2.0, 10.0, 6.0]) == 8.0  # 1 2 6 | 10 24 48


def test_rate_rounds_to_four_decimals_and_is_none_without_a_whole() -> None:
    assert flows.rate(0, 0) is None
    assert flows.rate(0, 4) == 0.0
    assert flows.rate(5, 6) == 0.8333
    assert flows.rate(2, 3) == 0.6667
    assert flows.rate(3, 3) == 1.0


def test_hours_between_takes_naive_datetimes_as_utc() -> None:
    naive = datetime(2026, 1, 5, 9, 0)
    assert flows.hours_between(naive, T0 + timedelta(hours=2)) == 2.0
    # 12:00 in Copenhagen winter time (UTC+1) is 11:00 UTC: two hours after 09:00 UTC
    cet = datetime(2026, 1, 5, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    assert flows.hours_between(T0, cet) == 2.0
    assert flows.hours_between(T0, T0 + timedelta(minutes=90)) == 1.5


def test_median_summary_in_hours_and_calendar_days() -> None:
    assert flows.median_summary([]) == {"n": 0, "median_hours": None, "median_days": None}
    assert flows.median_summary([240.0, 120.0, 47.0]) == {
        "n": 3,
        "median_hours": 120.0,
        "median_days": 5.0,
    }
    # 8 hours = 0.333… days, rounded to two decimals
    assert flows.median_summary([1, 2, 6, 10, 24, 48]) == {
        "n": 6,
        "median_hours": 8.0,
        "median_days": 0.33,
    }


# --- the period -----------------------------------------------------------------------------


def test_add_months_clamps_to_the_end_of_the_month_and_of_the_calendar() -> None:
    assert flows.add_months(date(2026, 1, 15), -12) == date(2025, 1, 15)
    assert flows.add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)  # leap year
    assert flows.add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert flows.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert flows.add_months(date(2025, 12, 31), 1) == date(2026, 1, 31)
    assert flows.add_months(date(1, 3, 1), -12) == date.min
    assert flows.add_months(date(9999, 6, 1), 12) == date.max


def test_default_period_is_the_last_twelve_months_with_today() -> None:
    today = date(2026, 3, 15)
    assert flows.period(today, None, None) == (date(2025, 3, 16), date(2026, 3, 16))
    # only `to`: twelve months before it; only `from`: until tomorrow
    assert flows.period(today, None, date(2026, 1, 1)) == (date(2025, 1, 1), date(2026, 1, 1))
    assert flows.period(today, date(2026, 1, 1), None) == (date(2026, 1, 1), date(2026, 3, 16))


def test_period_must_run_forward_and_last_at_most_ten_years() -> None:
    today = date(2026, 3, 15)
    for start, end in ((date(2026, 2, 1), date(2026, 1, 1)), (date(2026, 1, 1), date(2026, 1, 1))):
        with pytest.raises(PeriodError) as err:
            flows.period(today, start, end)
        assert err.value.kind == "invalid-period"
    # `from` in the future with the default `to` (tomorrow)
    with pytest.raises(PeriodError):
        flows.period(today, date(2026, 4, 1), None)
    assert flows.period(today, date(2016, 1, 1), date(2026, 1, 1)) == (
        date(2016, 1, 1),
        date(2026, 1, 1),
    )
    with pytest.raises(PeriodError) as err:
        flows.period(today, date(2015, 12, 31), date(2026, 1, 1))
    assert err.value.kind == "period-too-long"
    # the ends of the calendar do not overflow
    with pytest.raises(PeriodError):
        flows.period(today, date.min, None)
    assert flows.period(date.max, None, None) == (date(9998, 12, 31), date.max)


def test_day_start_is_utc_midnight() -> None:
    assert flows.day_start(date(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)


# --- summaries ------------------------------------------------------------------------------


def cell(
    sender: str,
    recipient: str,
    state: str,
    cross_m: bool = False,
    cross_r: bool = False,
    count: int = 1,
    outcome: str | None = None,
) -> Cell:
    return Cell(sender, recipient, state, cross_m, cross_r, outcome, count)


#: Ten referrals: 2 requested, 1 cancelled, 2 rejected, 1 accepted, 1 in progress,
#: 2 completed, 1 failed; 4 across municipal borders, 3 of them also across regional ones.
CELLS = [
    cell("growth_house", "cluster_organisation", "requested", True, True, count=2),
    cell("growth_house", "business_service", "cancelled"),
    cell("business_service", "cluster_organisation", "rejected", True, True, count=1),
    cell("growth_house", "growth_house", "rejected", count=1),
    cell("growth_house", "business_service", "accepted"),
    cell("business_service", "growth_house", "in_progress", True, False),
    cell("growth_house", "cluster_organisation", "completed", outcome="project_started"),
    cell("growth_house", "cluster_organisation", "completed", outcome="advice_given"),
    cell("growth_house", "cluster_organisation", "failed", outcome=None),
]


def test_summary_counts_rates_and_shares() -> None:
    s = flows.summary(CELLS)
    assert s["referrals"] == 10
    assert s["by_state"] == {
        "requested": 2,
        "accepted": 1,
        "rejected": 2,
        "cancelled": 1,
        "in_progress": 1,
        "completed": 2,
        "failed": 1,
    }
    # answered: 1 accepted + 2 rejected + 1 in progress + 2 completed + 1 failed = 7;
    # accepted or later: 1 + 1 + 2 + 1 = 5 → 5/7
    assert (s["answered"], s["accepted"], s["acceptance_rate"]) == (7, 5, 0.7143)
    # closed: 2 completed + 1 failed → 2/3
    assert (s["closed"], s["completion_rate"]) == (3, 0.6667)
    assert s["outcome_categories"] == {"advice_given": 1, "project_started": 1}
    # across municipal borders: 2 requested + 1 rejected + 1 in progress = 4 of 10
    assert s["cross_municipality"] == {"count": 4, "share": 0.4}
    assert s["cross_region"] == {"count": 3, "share": 0.3}
    assert s["time_to_answer"] == {"n": 0, "median_hours": None, "median_days": None}


def test_summary_of_nothing_has_no_rates() -> None:
    s = flows.summary([])
    assert s["referrals"] == 0
    assert set(s["by_state"].values()) == {0}
    assert s["acceptance_rate"] is None
    assert s["completion_rate"] is None
    assert s["cross_region"] == {"count": 0, "share": None}


def test_only_answered_states_count_for_answer_time_and_closed_ones_for_close_time() -> None:
    t = Timings()
    h = timedelta(hours=1)
    # answered: 2 h (accepted), 4 h (rejected), 6 h (completed, closed after 30 h)
    t.add("growth_house", "cluster_organisation", "accepted", T0, T0 + 2 * h, None)
    t.add("growth_house", "business_service", "rejected", T0, T0 + 4 * h, T0 + 4 * h)
    t.add("business_service", "cluster_organisation", "completed", T0, T0 + 6 * h, T0 + 30 * h)
    # cancelled with an answered_at (should not happen) is no answer; requested neither
    t.add("growth_house", "cluster_organisation", "cancelled", T0, T0 + 100 * h, T0 + 100 * h)
    t.add("growth_house", "cluster_organisation", "requested", T0, T0 + 100 * h, None)
    # failed, closed after 10 h; its answered_at missing (not in the answer median)
    t.add("growth_house", "cluster_organisation", "failed", T0, None, T0 + 10 * h)
    assert list(t.overall.answer) == [2.0, 4.0, 6.0]
    assert list(t.overall.close) == [30.0, 10.0]  # the rejection's closed_at is not a close
    assert list(t.by_sender_kind["growth_house"].answer) == [2.0, 4.0]
    assert list(t.by_sender_kind["growth_house"].close) == [10.0]
    assert list(t.by_recipient_kind["cluster_organisation"].answer) == [2.0, 6.0]
    assert list(t.by_recipient_kind["business_service"].close) == []

    out = flows.summaries(CELLS, t, kinds=["municipality", "growth_house"])
    assert out["summary"]["time_to_answer"] == {"n": 3, "median_hours": 4.0, "median_days": 0.17}
    assert out["summary"]["time_to_close"] == {"n": 2, "median_hours": 20.0, "median_days": 0.83}
    senders = {k["kind"]: k for k in out["by_sender_kind"]}
    # every given kind listed (municipality with zeros), then the others that occur, sorted
    assert [k["kind"] for k in out["by_sender_kind"]] == [
        "business_service",
        "growth_house",
        "municipality",
    ]
    assert senders["municipality"]["referrals"] == 0
    assert senders["municipality"]["time_to_answer"]["n"] == 0
    # growth house sent 8: answered = 1 rejected + 1 accepted + 2 completed + 1 failed = 5,
    # accepted or later 4 → 0.8; across municipal borders 2 requested of 8 → 0.25
    gh = senders["growth_house"]
    assert (gh["referrals"], gh["answered"], gh["accepted"], gh["acceptance_rate"]) == (
        8,
        5,
        4,
        0.8,
    )
    assert gh["cross_municipality"] == {"count": 2, "share": 0.25}
    assert gh["time_to_answer"]["median_hours"] == 3.0  # 2 and 4
    # business service sent 2: rejected + in progress → acceptance 1/2, no closes
    bs = senders["business_service"]
    assert (bs["referrals"], bs["acceptance_rate"], bs["completion_rate"]) == (2, 0.5, None)
    recipients = {k["kind"]: k for k in out["by_recipient_kind"]}
    # cluster organisations received 2 requested + 1 rejected + 2 completed + 1 failed = 6:
    # answered 4, accepted-or-later 3 → 0.75; closed 3, completed 2 → 0.6667
    co = recipients["cluster_organisation"]
    assert (co["referrals"], co["acceptance_rate"], co["completion_rate"]) == (6, 0.75, 0.6667)
    assert co["cross_region"] == {"count": 3, "share": 0.5}


# --- between places -------------------------------------------------------------------------


def test_region_matrix_rows_by_firm_region_columns_by_recipient_region() -> None:
    m = flows.region_matrix(
        [("1081", "1083", 3), ("1081", "1081", 2), ("1083", "1083", 1), ("1081", None, 1)],
        REGIONS,
    )
    assert m["regions"] == [
        {"code": "1081", "name": "Region Nordjylland"},
        {"code": "1083", "name": "Region Syddanmark"},
    ]
    assert [r["firm_region"]["code"] for r in m["rows"]] == ["1081", "1083"]
    assert m["rows"][0] == {
        "firm_region": {"code": "1081", "name": "Region Nordjylland"},
        "counts": [2, 3],
        "recipient_region_unknown": 1,
        "total": 6,
    }
    assert m["rows"][1]["counts"] == [0, 1]
    assert m["rows"][1]["total"] == 1


def test_region_matrix_keeps_a_code_it_does_not_know() -> None:
    m = flows.region_matrix([("1081", "9999", 2)], REGIONS)
    assert [r["code"] for r in m["regions"]] == ["1081", "1083", "9999"]
    assert m["regions"][2]["name"] is None
    assert m["rows"][0]["counts"] == [0, 0, 2]
    assert m["rows"][2]["counts"] == [0, 0, 0]


def test_municipality_pairs_most_first_with_names_and_regions() -> None:
    pairs = flows.municipality_pairs(
        [
            ("0860", "0851", 1),
            ("0851", "0461", 3),
            ("0851", "0851", 1),
            ("0461", None, 1),
            ("0123", "0461", 1),
            ("0851", "0860", 0),
        ],
        MUNICIPALITIES,
        REGIONS,
    )
    assert [
        (p["firm"]["code"], (p["recipient"] or {}).get("code"), p["referrals"]) for p in pairs
    ] == [
        ("0851", "0461", 3),
        ("0123", "0461", 1),
        ("0461", None, 1),
        ("0851", "0851", 1),
        ("0860", "0851", 1),
    ]
    first = pairs[0]
    assert first["firm"] == {
        "code": "0851",
        "name": "Aalborg",
        "region_code": "1081",
        "region_name": "Region Nordjylland",
    }
    assert first["recipient"]["name"] == "Odense"
    assert first["cross_region"] is True
    assert pairs[1]["firm"] == {
        "code": "0123",
        "name": None,
        "region_code": None,
        "region_name": None,
    }
    assert pairs[1]["cross_region"] is None  # the firm's region is unknown
    assert pairs[2]["recipient"] is None
    assert pairs[2]["cross_region"] is None
    assert pairs[3]["cross_region"] is False
    assert pairs[4]["cross_region"] is False  # Hjørring → Aalborg: both Nordjylland


def test_csv_rows_are_one_long_table() -> None:
    matrix = flows.region_matrix([("1081", "1083", 3), ("1081", None, 1)], REGIONS)
    pairs = flows.municipality_pairs(
        [("0851", "0461", 3), ("0851", None, 1)], MUNICIPALITIES, REGIONS
    )
    rows = flows.csv_rows(matrix, pairs)
    assert rows[0] == list(flows.CSV_HEADER)
    # 2 × 2 region cells, the unknown recipient region of 1081, then two municipality pairs
    assert len(rows) == 1 + 4 + 1 + 2
    R = ["Region Nordjylland", "Region Syddanmark"]
    assert rows[1] == ["region", "1081", R[0], "", "", "1081", R[0], "", "", "0"]
    assert rows[2] == ["region", "1081", R[0], "", "", "1083", R[1], "", "", "3"]
    assert rows[3] == ["region", "1081", R[0], "", "", "", "", "", "", "1"]
    assert rows[4] == ["region", "1083", R[1], "", "", "1081", R[0], "", "", "0"]
    assert rows[6] == [
        "municipality",
        "1081",
        R[0],
        "0851",
        "Aalborg",
        "1083",
        R[1],
        "0461",
        "Odense",
        "3",
    ]
    assert rows[7] == ["municipality", "1081", R[0], "0851", "Aalborg", "", "", "", "", "1"]
