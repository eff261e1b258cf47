"""The joint annual account on a hand-checked data set: percentiles within leagues, changes,
composites, missing data kept missing (JSON null, CSV empty cell); publishing by FIVU/RTI only,
once, and a published account that no longer changes."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from tests.conftest import Suite, eventually
from tests.evaluation.helpers import (
    API,
    assert_problem,
    award_grant,
    outbox,
    programme,
    register_cluster,
    report,
    set_today,
    values_of,
)

approx = pytest.approx

# 2025, hand-checked. National league: A, B, C; emerging: D alone.
#                 collab  intl  competences  ideas  products  private
#   A             10      5     1            0      2         1,000,000
#   B             20      3     2            0      1           500,000
#   C             20      —     3            4      —         —
#   D (emerging)   5      1     1            1      1         —
# Mean-rank percentile P = 100 × (below + ½·equal) / n, within the league:
#   collab  A: (0 + ½)/3 = 16.67   B, C: (1 + 2·½)/3 = 66.67
#   intl    A: 75  B: 25           (C missing: n = 2)
#   comp.   A: 16.67  B: 50  C: 83.33
#   ideas   A, B: (0 + 2·½)/3 = 33.33   C: 83.33
#   prod.   A: 75  B: 25
# Bridge-builder composite (7 indicators, 2 derived and missing; at least half = 4 needed):
#   A: (16.67 + 75 + 16.67 + 33.33 + 75) / 5 = 43.33     B: (66.67+25+50+33.33+25)/5 = 40
#   C: 3 of 7 present → missing.   D: every percentile 50 → 50.
# Regional ecosystem (1 of 4 reportable, none reported) and resources (1 of 3) stay missing,
# so overall = bridge builder; its percentile within the league: B 25, A 75, D 50.
REPORTS_2025 = {
    "A": {
        "collaboration_projects": 10,
        "international_partners": 5,
        "firms_new_competences": 1,
        "new_ideas": 0,
        "new_products": 2,
        "private_funding": 1_000_000,
    },
    "B": {
        "collaboration_projects": 20,
        "international_partners": 3,
        "firms_new_competences": 2,
        "new_ideas": 0,
        "new_products": 1,
        "private_funding": 500_000,
    },
    "C": {"collaboration_projects": 20, "firms_new_competences": 3, "new_ideas": 4},
    "D": {
        "collaboration_projects": 5,
        "international_partners": 1,
        "firms_new_competences": 1,
        "new_ideas": 1,
        "new_products": 1,
    },
}
REPORTS_2024 = {"A": {"collaboration_projects": 8}, "B": {"collaboration_projects": 0}}
MISSING = {"value": None, "percentile": None, "change": None, "change_relative": None}


async def data_set(suite: Suite) -> dict[str, str]:
    set_today(suite, date(2026, 3, 1))
    ids = {}
    for key, league in (("A", "national"), ("B", "national"), ("C", "national"), ("D", "emerging")):
        ids[key] = await register_cluster(suite, f"{key}-klyngen", league=league)
    for key, values in REPORTS_2025.items():
        await report(suite, ids[key], 2025, values)
    for key, values in REPORTS_2024.items():
        await report(suite, ids[key], 2024, values)
    return ids


def by_id(account: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["cluster_id"]: c for c in account["clusters"]}


async def test_hand_checked_account(suite: Suite) -> None:
    ids = await data_set(suite)
    r = await suite.http.get(f"{API}/accounts/2025")
    assert r.status_code == 200, r.text
    account = r.json()
    assert account["year"] == 2025 and account["state"] == "draft"
    assert account["published_at"] is None
    assert "P = 100 × (B + ½·E) / n" in account["formula"]
    assert len(account["indicators"]) == 14
    assert account["functions"] == ["bridge_builder", "regional_ecosystem", "resources", "overall"]
    # league order, then name
    assert [c["name"] for c in account["clusters"]] == [
        "A-klyngen",
        "B-klyngen",
        "C-klyngen",
        "D-klyngen",
    ]
    rows = by_id(account)
    a, b, c, d = (rows[ids[k]] for k in "ABCD")
    assert (a["league"], d["league"]) == ("national", "emerging")
    assert a["region_code"] == "1083" and a["region_name"] == "Region Syddanmark"

    def pct(row: dict[str, Any], code: str) -> float | None:
        return row["values"][code]["percentile"]

    assert [pct(x, "collaboration_projects") for x in (a, b, c)] == approx(
        [100 / 6, 200 / 3, 200 / 3]
    )
    assert [pct(x, "international_partners") for x in (a, b)] == [75, 25]
    assert [pct(x, "firms_new_competences") for x in (a, b, c)] == approx([100 / 6, 50, 250 / 3])
    assert [pct(x, "new_ideas") for x in (a, b, c)] == approx([100 / 3, 100 / 3, 250 / 3])
    assert [pct(x, "new_products") for x in (a, b)] == [75, 25]
    assert pct(d, "collaboration_projects") == 50  # alone in its league

    # missing stays missing: null, never 0
    assert c["values"]["international_partners"] == MISSING
    assert c["values"]["private_funding"] == MISSING
    assert a["values"]["participating_firms"] == MISSING  # no members registered

    # change from last year
    assert a["values"]["collaboration_projects"] == {
        "value": 10,
        "percentile": approx(100 / 6),
        "change": 2,
        "change_relative": 0.25,
    }
    assert b["values"]["collaboration_projects"]["change"] == 20
    assert b["values"]["collaboration_projects"]["change_relative"] is None  # last year 0
    assert c["values"]["collaboration_projects"]["change"] is None  # no 2024 value

    # composites
    assert a["composites"]["bridge_builder"] == {
        "value": approx(130 / 3),
        "coverage": approx(5 / 7),
        "present": 5,
        "total": 7,
        "percentile": 75,
    }
    assert b["composites"]["bridge_builder"]["value"] == approx(40)
    assert b["composites"]["bridge_builder"]["percentile"] == 25
    assert c["composites"]["bridge_builder"] == {
        "value": None,
        "coverage": approx(3 / 7),
        "present": 3,
        "total": 7,
        "percentile": None,
    }
    for row in (a, b, c, d):
        assert row["composites"]["regional_ecosystem"]["value"] is None
        assert row["composites"]["resources"]["value"] is None
    assert [x["composites"]["overall"]["value"] for x in (a, b, c, d)] == [
        approx(130 / 3),
        approx(40),
        None,
        approx(50),
    ]
    assert [x["composites"]["overall"]["percentile"] for x in (a, b, c, d)] == [75, 25, None, 50]

    # league summaries
    national = {lg["league"]: lg for lg in account["leagues"]}["national"]
    assert (national["clusters"], national["clusters_with_data"]) == (3, 3)
    assert national["indicators"]["collaboration_projects"] == {
        "with_data": 3,
        "q1": 15,
        "median": 20,
        "q3": 20,
    }
    assert national["composites"]["overall"] == {
        "with_data": 2,
        "median": approx(125 / 3),
        "bottom_cut": approx(40),
    }

    # filter and pages
    r = await suite.http.get(f"{API}/accounts/2025", params={"league": "national", "limit": 2})
    first = r.json()
    assert [x["name"] for x in first["clusters"]] == ["A-klyngen", "B-klyngen"]
    assert first["clusters_total"] == 4
    r = await suite.http.get(
        f"{API}/accounts/2025",
        params={"league": "national", "limit": 2, "cursor": first["next_cursor"]},
    )
    assert [x["name"] for x in r.json()["clusters"]] == ["C-klyngen"]
    assert r.json()["next_cursor"] is None
    assert_problem(await suite.http.get(f"{API}/accounts/2025", params={"league": "x"}), 422)
    assert_problem(
        await suite.http.get(f"{API}/accounts/2025", params={"cursor": "%%"}), 422, "invalid-cursor"
    )
    assert_problem(await suite.http.get(f"{API}/accounts/1999"), 422, "invalid-year")
    assert_problem(await suite.http.get(f"{API}/accounts/2025", params={"limit": 5001}), 422)


async def test_csv_has_empty_cells_for_missing(suite: Suite) -> None:
    ids = await data_set(suite)
    r = await suite.http.get(f"{API}/accounts/2025.csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 4 * 14
    cell = {(row["cluster_id"], row["indicator"]): row for row in rows}
    assert cell[(ids["A"], "collaboration_projects")] == {
        "cluster_id": ids["A"],
        "cluster": "A-klyngen",
        "league": "national",
        "indicator": "collaboration_projects",
        "value": "10",
        "percentile": "16.666667",
        "change": "2",
        "change_relative": "0.25",
    }
    missing = cell[(ids["C"], "international_partners")]
    assert (missing["value"], missing["percentile"], missing["change"]) == ("", "", "")
    zero = cell[(ids["A"], "new_ideas")]
    assert zero["value"] == "0"  # a reported 0 is 0; missing is empty
    r = await suite.http.get(f"{API}/accounts/2025.csv", params={"league": "emerging"})
    assert {row["cluster_id"] for row in csv.DictReader(io.StringIO(r.text))} == {ids["D"]}


async def test_csv_neutralises_a_name_that_looks_like_a_formula(suite: Suite) -> None:
    """A cluster names itself: a name a spreadsheet would run as a formula is written with a
    leading apostrophe (OWASP CSV injection); negative numbers stay numbers."""
    set_today(suite, date(2026, 3, 1))
    name = '=HYPERLINK("https://evil.example","Klik")'
    cid = await register_cluster(suite, name)
    await report(suite, cid, 2025, {"collaboration_projects": 4})
    await report(suite, cid, 2024, {"collaboration_projects": 9})
    r = await suite.http.get(f"{API}/accounts/2025.csv")
    rows = [row for row in csv.DictReader(io.StringIO(r.text)) if row["cluster_id"] == cid]
    assert rows and {row["cluster"] for row in rows} == {"'" + name}
    projects = next(row for row in rows if row["indicator"] == "collaboration_projects")
    assert projects["change"] == "-5"


async def test_publish_once_by_fivu_and_frozen_after(suite: Suite) -> None:
    ids = await data_set(suite)
    url = f"{API}/accounts/2025/publish"
    assert_problem(await suite.http.post(url), 401)
    assert_problem(await suite.http.post(url, headers=await suite.auth(ids["A"])), 403)
    r = await suite.http.post(url, headers=await suite.auth("vaekstforum-midtjylland"))
    assert_problem(r, 403, "not-the-publisher")
    fivu = await suite.auth("fivu-rti")
    assert_problem(
        await suite.http.post(f"{API}/accounts/2027/publish", headers=fivu), 422, "year-not-begun"
    )
    draft = (await suite.http.get(f"{API}/accounts/2025")).json()

    r = await suite.http.post(url, headers=fivu)
    assert r.status_code == 200, r.text
    published = r.json()
    assert published["state"] == "published" and published["published_by"] == "fivu-rti"
    assert published["clusters"] == draft["clusters"]
    [event] = await outbox(suite, "evaluation.account.published")
    assert event["subject"] == "2025"
    assert event["data"] == {
        "year": 2025,
        "published_by": "fivu-rti",
        "clusters": 4,
        "clusters_by_league": {"world_class": 0, "national": 3, "emerging": 1},
        "indicators": 14,
    }
    assert_problem(await suite.http.post(url, headers=fivu), 409, "already-published")
    assert len(await outbox(suite, "evaluation.account.published")) == 1

    # New data for 2025 after publication: a report is refused; a grant's money arrives as a
    # derived value, but the published account does not move.
    r = await suite.http.put(
        f"{API}/clusters/{ids['C']}/reports/2025",
        json={"values": {"international_partners": 9}},
        headers=await suite.auth(ids["C"]) | {"If-Match": '"1"'},
    )
    assert_problem(r, 409, "account-published")
    prog = await programme(suite)
    await award_grant(suite, ids["A"], prog, starts_on="2025-01-01", ends_on="2025-12-31")

    async def money() -> bool:
        return (2025, "public_base_funding") in await values_of(suite, ids["A"], "derived")

    await eventually(money)
    await register_cluster(suite, "E-klyngen")  # a new cluster is not added either
    after = (await suite.http.get(f"{API}/accounts/2025")).json()
    assert after == published | {"next_cursor": None}
    csv_rows = list(
        csv.DictReader(io.StringIO((await suite.http.get(f"{API}/accounts/2025.csv")).text))
    )
    assert len(csv_rows) == 4 * 14

    years = (await suite.http.get(f"{API}/accounts")).json()["items"]
    assert [(y["year"], y["state"]) for y in years] == [(2025, "published"), (2024, "draft")]
    assert years[0]["published_by"] == "fivu-rti" and years[0]["clusters_with_values"] == 4
