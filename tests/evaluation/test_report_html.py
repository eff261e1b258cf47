"""The HTML report of the annual account (§4.1): a small hand-made account rendered as a page.

National league, 2024, four bridge-builder indicators (of seven: coverage 4/7 ≥ ½):
    A has the largest value of each, B the middle, C the smallest → mean-rank percentiles
    83.3, 50.0, 16.7 in every indicator, so the bridge-builder composite and the overall
    composite (the only function present) are 83.3, 50.0 and 16.7. D has no values: every
    composite missing ("–"), never 0. C's name carries a <script> tag: it must be escaped.
World class: one cluster E (percentile 50). No emerging clusters. 2023 has values too, so the
trend charts have two years.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from services.evaluation.models import IndicatorValue
from tests.conftest import Suite
from tests.evaluation.followup_helpers import API, add_cluster
from tests.funding.helpers import assert_problem

CODES = ("participating_firms", "knowledge_institutions", "collaboration_projects", "new_ideas")
EVIL = '<script>alert("x")</script> Klynge & Co'


async def _values(suite: Suite, cluster: str, year: int, base: float) -> None:
    app = suite.apps["evaluation"]
    now = datetime.now(UTC)
    async with app.state.session_factory() as session, session.begin():
        for k, code in enumerate(CODES):
            session.add(
                IndicatorValue(
                    cluster_id=cluster,
                    year=year,
                    indicator=code,
                    value=base + k,
                    source="reported",
                    updated_at=now,
                )
            )


async def _account(suite: Suite) -> None:
    await add_cluster(suite, "cl-a", name="Alfa Klynge")
    await add_cluster(suite, "cl-b", name="Beta Klynge", home_region_code="1083")
    await add_cluster(suite, "cl-c", name=EVIL, home_region_code="1084")
    await add_cluster(suite, "cl-d", name="Delta Klynge")
    await add_cluster(suite, "cl-e", name="Epsilon Verdensklynge", league="world_class")
    for year in (2023, 2024):
        await _values(suite, "cl-a", year, 300)
        await _values(suite, "cl-b", year, 200)
        await _values(suite, "cl-c", year, 100)
        await _values(suite, "cl-e", year, 900)


def _row(html: str, name_html: str) -> str:
    """The table row of a cluster (from its row header to the end of the row)."""
    start = html.index(f'<th scope="row">{name_html}</th>')
    return html[start : html.index("</tr>", start)]


async def test_the_report_renders_the_account(suite: Suite) -> None:
    await _account(suite)
    r = await suite.http.get(f"{API}/accounts/2024/report.html")  # public, Danish by default
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    html = r.text
    assert '<html lang="da">' in html
    assert "Fælles årligt performanceregnskab 2024" in html
    assert "Kladde" in html  # a draft until FIVU/RTI publishes

    # a comparison chart and a trend chart per league with clusters (no emerging league here)
    for league in ("national", "world_class"):
        assert f'aria-labelledby="cmp-{league}-t cmp-{league}-d"' in html
        assert f'<title id="trend-{league}-t">' in html
    assert "cmp-emerging" not in html
    assert html.count('<svg class="chart"') == 4
    assert "Nationale klynger" in html and "Klynger i verdensklasse" in html

    # hand-checked composites, Danish decimal comma, coverage 4/7
    a = _row(html, "Alfa Klynge")
    assert a.count("83,3") == 2 and "4/7" in a  # bridge builder and overall
    assert "50,0" in _row(html, "Beta Klynge") and "Region Syddanmark" in _row(html, "Beta Klynge")
    assert "50,0" in _row(html, "Epsilon Verdensklynge")
    # missing shown as "–", never 0
    d = _row(html, "Delta Klynge")
    assert d.count('<span class="missing"') == 5  # three functions, overall, percentile
    assert not re.search(r">0(,0)?<", d)

    # names are escaped everywhere (table and SVG titles); the page carries no script at all
    assert "<script" not in html
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Klynge &amp; Co"
    assert escaped in html
    assert f"<title>{escaped}: 16,7</title>" in html  # the dot's tooltip in the chart
    assert "16,7" in _row(html, escaped)

    # the documented formula and the links to the data
    assert "mean-rank" in html and "QUARTILE.INC" in html
    assert f'href="{API}/accounts/2024.csv"' in html

    # English
    r = await suite.http.get(f"{API}/accounts/2024/report.html", params={"lang": "en"})
    assert r.status_code == 200 and r.headers["content-language"] == "en"
    en = r.text
    assert '<html lang="en">' in en and "Joint annual performance account 2024" in en
    assert _row(en, "Alfa Klynge").count("83.3") == 2 and "Draft" in en
    assert "World-class clusters" in en and "Bridge builder" in en
    assert_problem(
        await suite.http.get(f"{API}/accounts/2024/report.html", params={"lang": "fr"}), 422
    )


async def test_a_published_account_says_so(suite: Suite) -> None:
    await _account(suite)
    r = await suite.http.post(f"{API}/accounts/2024/publish", headers=await suite.auth("fivu-rti"))
    assert r.status_code == 200, r.text
    html = (await suite.http.get(f"{API}/accounts/2024/report.html")).text
    today = datetime.now(UTC).date()
    assert "Offentliggjort" in html and "fivu-rti" in html
    assert f"Offentliggjort {today:%d.%m.%Y}" in html
    assert "Kladde" not in html
    # the trend still reads the draft of 2023 next to the published 2024
    assert re.search(r"<h3>Udvikling 2023–2024</h3>", html)


async def test_a_year_without_data_is_a_404_problem(suite: Suite) -> None:
    problem = assert_problem(await suite.http.get(f"{API}/accounts/2019/report.html"), 404)
    assert problem["type"].endswith("/no-account") and problem["years"] == []
    await _account(suite)
    problem = assert_problem(await suite.http.get(f"{API}/accounts/2022/report.html"), 404)
    assert problem["years"] == [2023, 2024]
    assert_problem(await suite.http.get(f"{API}/accounts/1800/report.html"), 422)
