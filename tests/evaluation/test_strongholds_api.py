"""§4.2 strongholds through the API: uploading employment statistics (CSV, all or nothing),
and the hand-worked example of tests/evaluation/test_strongholds_rules.py read back with LQs,
stars, the clusters behind each Danish cell and the cooperation suggestions."""

from __future__ import annotations

from typing import Any

import pytest

from services.evaluation.service.strongholds import load_example_employment
from tests.conftest import Suite
from tests.evaluation.followup_helpers import API, add_cluster
from tests.funding.helpers import assert_problem

A = pytest.approx
CSV = {"Content-Type": "text/csv"}

#: The rules' hand-worked example (test_strongholds_rules.py), with "energy" a field code.
WORKED = """region_code,region_name,category,year,employees
1081,,energy,2023,300
1081,,food,2023,200
1081,,ict,2023,500
1082,,energy,2023,400
1082,,food,2023,100
1082,,ict,2023,1500
DEF0,Schleswig-Holstein,energy,2023,100
DEF0,Schleswig-Holstein,food,2023,900
DEF0,Schleswig-Holstein,ict,2023,2000
SE22,Sydsverige,energy,2023,200
SE22,Sydsverige,food,2023,800
SE22,Sydsverige,ict,2023,3000
"""


async def _upload(suite: Suite, body: str | bytes, org: str = "fivu-rti", **params: str) -> Any:
    return await suite.http.post(
        f"{API}/employment", content=body, headers=await suite.auth(org) | CSV, params=params
    )


async def _employment(suite: Suite, **params: Any) -> list[dict[str, Any]]:
    r = await suite.http.get(f"{API}/employment", params={"limit": 1000} | params)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_the_worked_example_through_the_api(suite_factory: Any) -> None:
    # four regions: ranked only when the setting allows so few (the default asks for 20)
    suite = await suite_factory(evaluation={"strongholds_min_regions": 4})
    await add_cluster(suite, "cl-energi-nord", name="Energiklynge Nord", fields=["energy"])
    await add_cluster(suite, "cl-digital-nord", fields=["digital"])  # another field
    await add_cluster(suite, "cl-ophoert", fields=["energy"], status="dissolved")
    await add_cluster(
        suite, "cl-energi-midt", home_region_code="1082", fields=["water_environment", "energy"]
    )

    r = await _upload(suite, WORKED, source="Håndregnet eksempel")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "rows": 12,
        "inserted": 12,
        "replaced": 0,
        "years": [2023],
        "regions": ["1081", "1082", "DEF0", "SE22"],
        "categories": ["energy", "food", "ict"],
    }

    r = await suite.http.get(f"{API}/strongholds", params={"year": 2023})  # public
    assert r.status_code == 200, r.text
    body = r.json()
    cells = {(c["region_code"], c["category"]): c for c in body["cells"]}
    assert len(cells) == 12
    lq = {k: c["lq"] for k, c in cells.items()}
    assert lq["1081", "energy"] == A(3.0)  # (300 · 10,000) / (1,000 · 1,000)
    assert lq["1082", "energy"] == A(2.0)
    assert lq["DEF0", "energy"] == A(1 / 3)
    assert lq["1082", "food"] == A(0.25)
    assert lq["DEF0", "food"] == A(1.5)
    assert lq["1081", "ict"] == A(5 / 7)
    assert lq["SE22", "ict"] == A(15 / 14)
    stars = {
        k: (c["size"], c["specialisation"], c["focus"]) for k, c in cells.items() if c["stars"]
    }
    assert stars == {
        ("1081", "energy"): (False, True, True),
        ("1082", "energy"): (True, True, False),
        ("1082", "ict"): (False, False, True),
        ("DEF0", "food"): (True, False, True),
        ("SE22", "ict"): (True, False, True),
    }
    assert [cells[k]["stars"] for k in sorted(stars)] == [2, 2, 1, 2, 2]
    c = cells["DEF0", "food"]
    assert (c["employees"], c["region_employees"], c["share"]) == (900, 3000, A(0.3))
    assert c["region_name"] == "Schleswig-Holstein" and c["danish"] is False
    energy = cells["1081", "energy"]
    assert energy["region_name"] == "Region Nordjylland" and energy["danish"] is True
    assert energy["fields"] == ["energy"] and "Energi" in energy["category_name"]
    # the active clusters at home in the region with that field (not the dissolved one)
    assert [x["id"] for x in energy["clusters"]] == ["cl-energi-nord"]
    assert [x["id"] for x in cells["1082", "energy"]["clusters"]] == ["cl-energi-midt"]
    assert cells["1081", "food"]["fields"] == [] and cells["1081", "food"]["clusters"] == []
    assert cells["DEF0", "energy"]["clusters"] == []  # clusters are Danish

    [coop] = body["cooperation"]
    assert coop["category"] == "energy" and coop["text"] == "energy: 1081 (★★), 1082 (★★)"
    assert [(x["region_code"], x["stars"]) for x in coop["danish"]] == [("1081", 2), ("1082", 2)]
    assert [x["id"] for x in coop["danish"][0]["clusters"]] == ["cl-energi-nord"]
    assert coop["foreign"] == []
    assert {x["code"]: x["employees"] for x in body["regions"]} == {
        "1081": 1000,
        "1082": 2000,
        "DEF0": 3000,
        "SE22": 4000,
    }
    assert body["year"] == 2023 and body["years"] == [2023] and "LQ" in body["method"]
    assert body["reference"] == body["reference"] | {
        "kind": "uploaded_regions",
        "year": 2023,
        "regions": 4,
        "danish": 2,
        "foreign": 2,
        "min_regions": 4,
        "ranked": True,
        "top_regions": 1,
        "sources": ["Håndregnet eksempel"],
    }
    assert (
        "The 4 regions in the uploaded employment statistics for 2023"
        in (body["reference"]["text"])
    )

    # min_stars leaves out the weaker cells and raises the bar for suggestions
    r = await suite.http.get(f"{API}/strongholds", params={"year": 2023, "min_stars": 2})
    strong = r.json()
    assert sorted((c["region_code"], c["category"]) for c in strong["cells"]) == [
        ("1081", "energy"),
        ("1082", "energy"),
        ("DEF0", "food"),
        ("SE22", "ict"),
    ]
    assert [s["category"] for s in strong["cooperation"]] == ["energy"]
    r = await suite.http.get(f"{API}/strongholds", params={"min_stars": 3})  # latest year
    assert r.json()["year"] == 2023 and r.json()["cells"] == [] and r.json()["cooperation"] == []

    rows = await _employment(suite, year=2023)
    assert len(rows) == 12 and rows[0] == rows[0] | {
        "region_code": "1081",
        "region_name": "Region Nordjylland",
        "category": "energy",
        "year": 2023,
        "employees": 300,
        "source": "Håndregnet eksempel",
    }


async def test_who_may_upload(suite: Suite) -> None:
    url = f"{API}/employment"
    assert_problem(await suite.http.post(url, content=WORKED, headers=CSV), 401)
    for org in ("region-1081", "kl"):  # funders without evaluation:write, KL
        assert_problem(await _upload(suite, WORKED, org), 403, "insufficient-scope")
    assert await _employment(suite) == []
    # a growth forum (evaluation:write) and the forum secretariat (admin) may
    assert (await _upload(suite, WORKED, "vaekstforum-midtjylland")).status_code == 200
    r = await _upload(suite, WORKED, "klyngeforum")
    assert r.status_code == 200 and r.json()["replaced"] == 12


async def test_multipart_upload_replaces_the_same_cells(suite: Suite) -> None:
    assert (await _upload(suite, WORKED)).status_code == 200
    changed = (
        "Region_Code;Category;Year;Employees\n"  # semicolons, header in another case
        "1081;ENERGY;2023;350\n"  # replaces
        "dk04;energy;2022;10\n"  # NUTS code of Midtjylland, another year: new
        "1081;C;2023;1 200\n"  # a NACE section, thousands with a space
    )
    r = await suite.http.post(
        f"{API}/employment",
        files={"file": ("stats.csv", changed.encode(), "text/csv")},
        headers=await suite.auth("vaekstforum-nordjylland"),
    )
    assert r.status_code == 200, r.text
    assert r.json() | {"regions": None} == {
        "rows": 3,
        "inserted": 2,
        "replaced": 1,
        "years": [2022, 2023],
        "regions": None,
        "categories": ["C", "energy"],
    }
    assert r.json()["regions"] == ["1081", "1082"]
    rows = {(x["region_code"], x["category"], x["year"]): x for x in await _employment(suite)}
    assert len(rows) == 14
    assert rows["1081", "energy", 2023]["employees"] == 350
    assert rows["1082", "energy", 2022]["region_name"] == "Region Midtjylland"
    # a NACE letter links to the fields that draw on that section
    r = await suite.http.get(f"{API}/strongholds", params={"year": 2023})
    nace = next(c for c in r.json()["cells"] if c["category"] == "C")
    assert {"production", "robotics", "energy"} <= set(nace["fields"])
    assert "transport" not in nace["fields"]
    assert (await suite.http.get(f"{API}/strongholds", params={"year": 2022})).json()["years"] == [
        2022,
        2023,
    ]

    # pagination over (year, region, category)
    page1 = (await suite.http.get(f"{API}/employment", params={"limit": 5})).json()
    assert [(x["year"], x["region_code"], x["category"]) for x in page1["items"][:2]] == [
        (2022, "1082", "energy"),
        (2023, "1081", "C"),
    ]
    seen = [x["category"] for x in page1["items"]]
    cursor = page1["next_cursor"]
    while cursor:
        page = (
            await suite.http.get(f"{API}/employment", params={"limit": 5, "cursor": cursor})
        ).json()
        seen += [x["category"] for x in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == 14
    assert_problem(
        await suite.http.get(f"{API}/employment", params={"cursor": "bad!"}), 422, "invalid-cursor"
    )


async def test_invalid_files_are_refused_whole(suite: Suite) -> None:
    assert (await _upload(suite, WORKED)).status_code == 200
    before = await _employment(suite)

    bad = (
        "# a comment line is fine\n"
        "region_code,region_name,category,year,employees\n"  # line 2
        "1081,,energy,2023,999\n"  # line 3: fine on its own
        "1086,,energy,2023,5\n"  # line 4: no such Danish region
        "XX-1,,energy,2023,5\n"  # line 5: not a NUTS code
        "DEF0,,energy,2023,-4\n"  # line 6
        "SE22,,energy,2023,many\n"  # line 7
        "SE22,,food,23,5\n"  # line 8
        "SE22,,,2023,5\n"  # line 9
        "SE22,,ict,2023,1.5\n"  # line 10
        "SE22,,ict\n"  # line 11: too few columns
    )
    r = await _upload(suite, bad)
    problem = assert_problem(r, 422, "invalid-rows")
    assert [e["line"] for e in problem["errors"]] == [4, 5, 6, 7, 8, 9, 10, 11]
    assert problem["error_count"] == 8
    details = {e["line"]: e["detail"] for e in problem["errors"]}
    assert "1081–1085" in details[4] and "NUTS" in details[5]
    assert "≥ 0" in details[6] and "not a number" in details[7] and "year" in details[8]
    assert "category is required" in details[9] and "whole number" in details[10]
    assert "no year, employees" in details[11]
    # the rules' checks: a repeated cell, a total below the sum of its categories
    dup = "region_code,category,year,employees\n1081,energy,2023,1\n1081,ENERGY,2023,2\n"
    problem = assert_problem(await _upload(suite, dup), 422, "invalid-rows")
    assert [e["line"] for e in problem["errors"]] == [3]
    assert "repeats row 0" in problem["errors"][0]["detail"]
    total = "region_code,category,year,employees\n1081,TOTAL,2023,900\n"  # stored: 1,000
    problem = assert_problem(await _upload(suite, total), 422, "invalid-rows")
    assert "already stored" in problem["errors"][0]["detail"]
    assert "below the sum" in problem["errors"][0]["detail"]
    # the file itself
    for body, kind in (
        ("", "invalid-file"),
        ("# only a comment\n", "invalid-file"),
        ("region,category,year,employees\n1081,energy,2023,1\n", "invalid-file"),
        ("region_code,category,year,employees\n", "invalid-file"),
        ('region_code,category,year,employees\n1081,"energy\n', "invalid-file"),
        ("region_code,category,year,employees\n1081,en\x00ergy,2023,1\n", "invalid-file"),
    ):
        assert_problem(await _upload(suite, body), 422, kind)
    r = await suite.http.post(
        f"{API}/employment", json={"rows": []}, headers=await suite.auth("fivu-rti")
    )
    assert_problem(r, 415, "unsupported-media-type")
    r = await suite.http.post(
        f"{API}/employment",
        files={"other": ("x.csv", b"a", "text/csv")},
        headers=await suite.auth("fivu-rti"),
    )
    assert_problem(r, 422, "invalid-file")
    assert await _employment(suite) == before  # nothing of it was stored


async def test_a_total_row_and_windows_1252(suite: Suite) -> None:
    body = (
        "region_code;region_name;category;year;employees\r\n"
        "SE22;Sydsverige;energy;2023;200\r\n"
        "NO0A;Vestlandet;energy;2023;100\r\n"
        "1084;Hovedstaden;total;2023;2000\r\n"
        "1084;Hovedstaden;energy;2023;300\r\n"
        "1085;Sjælland;energy;2023;50\r\n"
    ).encode("cp1252")
    r = await _upload(suite, body)
    assert r.status_code == 200, r.text
    r = await suite.http.get(f"{API}/strongholds", params={"year": 2023})
    cells = {c["region_code"]: c for c in r.json()["cells"]}
    # 1084's share uses its TOTAL (2,000), not its one category (300)
    assert cells["1084"]["region_employees"] == 2000 and cells["1084"]["share"] == A(0.15)
    assert cells["1085"]["region_name"] == "Region Sjælland"  # from the reference data
    assert cells["NO0A"]["region_name"] == "Vestlandet"


async def test_too_few_regions_give_no_size_or_focus_stars_and_say_so(suite: Suite) -> None:
    """Issue 13: by default the stars rank among at least 20 regions; the four of the worked
    example keep their LQs and specialisation stars, and the answer names its reference."""
    assert (await _upload(suite, WORKED)).status_code == 200
    body = (await suite.http.get(f"{API}/strongholds")).json()
    assert not any(c["size"] or c["focus"] for c in body["cells"])
    stars = {(c["region_code"], c["category"]) for c in body["cells"] if c["stars"]}
    assert stars == {("1081", "energy"), ("1082", "energy")}  # LQ ≥ 2
    ref = body["reference"]
    assert (ref["regions"], ref["min_regions"], ref["ranked"]) == (4, 20, False)
    assert "fewer than the 20 regions" in ref["text"] and "20" in body["method"]


async def test_no_statistics_is_a_404(suite: Suite) -> None:
    r = await suite.http.get(f"{API}/strongholds")
    assert_problem(r, 404, "no-employment-statistics")
    assert (await _upload(suite, WORKED)).status_code == 200
    problem = assert_problem(await suite.http.get(f"{API}/strongholds", params={"year": 2019}), 404)
    assert problem["years"] == [2023]
    assert_problem(await suite.http.get(f"{API}/strongholds", params={"year": 1800}), 422)


async def test_the_synthetic_example_loads_and_shows_strongholds(suite: Suite) -> None:
    app = suite.apps["evaluation"]
    async with app.state.session_factory() as session, session.begin():
        first = await load_example_employment(session)
    assert first.inserted == 900 and first.replaced == 0 and first.years == [2022, 2023]
    assert len(first.regions) == 30 and len(first.categories) == 15  # 14 fields + TOTAL
    async with app.state.session_factory() as session, session.begin():
        again = await load_example_employment(session)
    assert (again.inserted, again.replaced) == (0, 900)

    await add_cluster(suite, "cl-robot", home_region_code="1083", fields=["robotics"])
    r = await suite.http.get(f"{API}/strongholds", params={"min_stars": 1})
    body = r.json()
    assert body["year"] == 2023
    # issue 13: the reference set is named, and wide enough to rank: top 10 % = 3 regions
    ref = body["reference"]
    assert (ref["regions"], ref["danish"], ref["foreign"]) == (30, 5, 25)
    assert ref["ranked"] and ref["top_regions"] == 3
    assert ref["sources"] == ["synthetic example"]
    cells = {(c["region_code"], c["category"]): c for c in body["cells"]}
    assert cells["1083", "robotics"]["stars"] == 3
    assert [x["id"] for x in cells["1083", "robotics"]["clusters"]] == ["cl-robot"]
    assert cells["1081", "maritime"]["specialisation"]
    assert cells["1084", "life_science"]["stars"] >= 2
    assert {s["category"] for s in body["cooperation"]} >= {"maritime", "life_science"}
    # no region takes every star: each category's size stars go to three regions or more,
    # and no region has the size star in every category
    size = [(c["region_code"], c["category"]) for c in body["cells"] if c["size"]]
    by_category: dict[str, int] = {}
    by_region: dict[str, int] = {}
    for region, category in size:
        by_category[category] = by_category.get(category, 0) + 1
        by_region[region] = by_region.get(region, 0) + 1
    assert len(by_category) == 14 and min(by_category.values()) >= 3
    assert max(by_region.values()) < 14 and len(by_region) >= 8
    rows = await _employment(suite, year=2022)
    assert {x["source"] for x in rows} == {"synthetic example"}
