"""The dashboard at ``/`` (issue 7): public, Danish and English, drawn from the real services;
a card whose source fails says so and the page still renders; nothing from elsewhere."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text

from services.gateway.models import LoggedEvent
from services.gateway.service import feed
from shared.events.catalog import CATALOG
from tests.conftest import Suite, eventually, outbox_envelopes
from tests.evaluation.helpers import LONG_AGO, backdate
from tests.funding.helpers import cvr, plan_call, programme, register_cluster
from tests.gateway.page_helpers import assert_self_contained, section
from tests.referrals.referral_helpers import parties, send

EVIL = '<script>alert("x")</script> Klynge & Co'


async def log_is_quiet(suite: Suite) -> None:
    """Wait until the gateway has logged every event the services have written so far (so
    the feed's order no longer changes)."""
    ids = set()
    for service in ("registry", "funding", "referrals", "evaluation"):
        ids |= {e["id"] for e in await outbox_envelopes(suite, service)}
    factory = suite.apps["gateway"].state.session_factory

    async def all_logged() -> bool:
        async with factory() as session:
            logged = set((await session.execute(select(LoggedEvent.event_id))).scalars())
        return ids <= logged

    await eventually(all_logged, timeout=20)


async def _data(suite: Suite) -> dict[str, Any]:
    """Three clusters in three regions and leagues, a grant, a call in dialogue, a referral
    across regions, and a published account."""
    a = await register_cluster(suite, "Odense Robotklynge", home_municipality_code="0461")
    b = await register_cluster(
        suite, "Aalborg Vand", league="world_class", home_municipality_code="0851"
    )
    c = await register_cluster(
        suite, EVIL, league="emerging", cluster_kind="network", home_municipality_code="0101"
    )
    fivu = await suite.auth("fivu-rti")
    prog = await programme(suite, starts_on="2024-01-01", ends_on="2027-12-31")
    r = await suite.http.post(
        "/funding/v1/grants",
        json={
            "cluster_id": a,
            "programme_id": prog,
            "title": "Grundfinansiering 2024",
            "amount_dkk": 12_345_678,
            "starts_on": "2024-01-01",
            "ends_on": "2024-12-31",
            "exemption_reason": "Overgangsordning (test)",
        },
        headers=fivu,
    )
    assert r.status_code == 201, r.text
    call = await plan_call(
        suite,
        title="Strategisk udbud <2027> & dialog",
        dialogue_deadline=str(date.today() + timedelta(days=30)),
    )
    assert call["state"] == "in_dialogue"
    # a growth house in Aalborg (Nordjylland) refers a firm to a cluster in Odense (Syddanmark)
    p = await parties(suite)
    await send(suite, p)
    # the cluster organisations report last year; FIVU/RTI publishes the account (an account
    # holds the clusters that existed in its year: evaluation's read model is backdated)
    today = date.today()
    # the latest year FIVU/RTI may publish today (a year only from 1 March after it ended)
    year = today.year - 1 if (today.month, today.day) >= (3, 1) else today.year - 2
    for cluster in (a, b, c, p.cluster):
        await backdate(suite, cluster, LONG_AGO)
    for cluster, projects in ((a, 4), (b, 9), (c, 1)):
        r = await suite.http.put(
            f"/evaluation/v1/clusters/{cluster}/reports/{year}",
            json={"values": {"collaboration_projects": projects, "new_ideas": projects}},
            headers=await suite.auth(cluster),
        )
        assert r.status_code == 201, r.text
    r = await suite.http.post(f"/evaluation/v1/accounts/{year}/publish", headers=fivu)
    assert r.status_code == 200, r.text

    factory = suite.apps["gateway"].state.session_factory

    async def referral_logged() -> bool:
        async with factory() as session:
            rows = await session.execute(
                select(LoggedEvent.seq).where(LoggedEvent.type == "referrals.referral.sent")
            )
            return rows.first() is not None

    async def account_logged() -> bool:
        async with factory() as session:
            rows = await session.execute(
                select(LoggedEvent.seq).where(LoggedEvent.type == "evaluation.account.published")
            )
            return rows.first() is not None

    await eventually(referral_logged)
    await eventually(account_logged)
    return {"call": call, "year": year, "clusters": (a, b, c), "house": p.house}


async def test_the_dashboard_shows_the_suite_in_danish_and_english(suite: Suite) -> None:
    data = await _data(suite)
    await log_is_quiet(suite)
    r = await suite.http.get("/")  # no token: public data only
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-language"] == "da"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    html = r.text
    assert '<html lang="da">' in html and "Overblik" in html
    assert 'href="/?lang=en"' in html and 'hreflang="en"' in html  # the language switch
    assert "card-error" not in html
    assert_self_contained(html)

    # clusters by region and league: a map of the five regions and a bar per region
    clusters = section(html, "clusters")
    assert "Aktive klynger og netværk: 4" in clusters  # with the referral's cluster in Odense
    assert 'data-testid="map"' in clusters and 'data-testid="league-chart"' in clusters
    for code in ("1081", "1082", "1083", "1084", "1085"):
        assert f'data-region="{code}"' in clusters
    assert "<title>Syddanmark: 2 (Verdensklasse 0, National 2, Spirende 0)</title>" in clusters
    assert "<title>Nordjylland: 1 (Verdensklasse 1, National 0, Spirende 0)</title>" in clusters
    assert "<title>Midtjylland: 0 (Verdensklasse 0, National 0, Spirende 0)</title>" in clusters
    assert "<title>Hovedstaden – Spirende: 1</title>" in clusters
    assert "Skematisk kort – ikke målfast" in clusters

    # funding by funder and year: the grant's 12,345,678 kr. in 2024
    funding = section(html, "funding")
    assert 'data-testid="funding-chart"' in funding
    assert "<title>2024 – FIVU/RTI: 12,3</title>" in funding
    assert "Bevillinger: 1" in funding

    # the call in dialogue: nobody has answered the seven parties yet
    calls = section(html, "calls")
    assert "Strategisk udbud &lt;2027&gt; &amp; dialog" in calls
    assert "I dialog" in calls and "0 af 11 har svaret" in calls
    assert "1 åbne · 1 i dialog" not in calls and "0 åbne · 1 i dialog · 0 planlagte" in calls

    # referral flows: one from Nordjylland to Syddanmark, all across a regional border
    flows = section(html, "flows")
    assert "Henvisninger de seneste 12 måneder: 1 · på tværs af regionsgrænser: 100 %" in flows
    row = flows[flows.index('<th scope="row">Nordjylland</th>') :]
    row = row[: row.index("</tr>")]
    assert re.findall(r">(\d+)</td>", row) == ["0", "0", "1", "0", "0"]

    # the published account by league, with a link to the full report
    account = section(html, "account")
    assert f"{data['year']} · offentliggjort" in account and "kladde" not in account
    assert f'href="/evaluation/v1/accounts/{data["year"]}/report.html"' in account
    for league in ("Verdensklasse", "National", "Spirende"):
        assert f'<th scope="row">{league}</th>' in account

    # the live feed: the newest public events (never an addressed one), newest first, as
    # readable lines; the stream continues after the newest
    feed_html = section(html, "feed")
    assert 'data-testid="live-feed"' in feed_html
    assert 'data-stream="/gateway/v1/events"' in feed_html
    items = re.findall(r'data-testid="feed-item" data-seq="(\d+)" data-type="([^"]+)"', feed_html)
    async with suite.apps["gateway"].state.session_factory() as session:
        newest = (
            await session.execute(
                select(LoggedEvent.seq, LoggedEvent.type)
                .where(LoggedEvent.recipient.is_(None))
                .order_by(LoggedEvent.seq.desc())
                .limit(feed.FEED_SIZE)
            )
        ).all()
        published = (
            await session.execute(
                select(LoggedEvent).where(LoggedEvent.type == "evaluation.account.published")
            )
        ).scalar_one()
    assert [(int(s), t) for s, t in items] == [(s, t) for s, t in newest]
    assert all(not CATALOG[t].addressed for _s, t in items)
    assert f'data-after="{items[0][0]}"' in feed_html
    assert "referrals.referral.sent" not in feed_html  # addressed: never on the public page
    line = feed.summarise(published.envelope, "da", {})
    assert line == f"Performanceregnskabet {data['year']} er offentliggjort (4 klynger)"
    assert feed.summarise(published.envelope, "en", {}) == (
        f"The performance account {data['year']} was published (4 clusters)"
    )

    # names from data are escaped everywhere (the SVG tooltips too)
    assert EVIL not in html
    assert "&lt;script&gt;" in html or "&#34;" in html

    # English
    r = await suite.http.get("/", params={"lang": "en"})
    assert r.status_code == 200 and r.headers["content-language"] == "en"
    en = r.text
    assert '<html lang="en">' in en and "Clusters by region and league" in en
    assert "<title>2024 – FIVU/RTI: 12.3</title>" in en
    assert "0 of 11 have answered" in en and "In dialogue" in en
    assert "Referrals in the last 12 months: 1 · across regional borders: 100 %" in en
    assert f"{data['year']} · published" in en and "Schematic map – not to scale" in en
    assert 'href="/"' in en  # back to Danish
    assert_self_contained(en)

    r = await suite.http.get("/", params={"lang": "fr"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem")


async def test_a_card_refreshes_on_its_own_and_static_files_are_served(suite: Suite) -> None:
    await register_cluster(suite, "Klyngen i Vejle", home_municipality_code="0630")
    r = await suite.http.get("/gateway/dashboard/cards/clusters", params={"lang": "en"})
    assert r.status_code == 200 and r.text.lstrip().startswith('<section class="card')
    assert 'id="card-clusters"' in r.text and "Active clusters and networks: 1" in r.text
    assert 'data-refresh-on="registry.cluster."' in r.text
    r = await suite.http.get("/gateway/dashboard/cards/nothing")
    assert r.status_code == 422

    page = (await suite.http.get("/")).text
    for name in re.findall(r"/gateway/static/([\w.]+)\?v=[0-9a-f]{12}", page):
        r = await suite.http.get(f"/gateway/static/{name}")
        assert r.status_code == 200, name
        assert "immutable" in r.headers["cache-control"]
    js = await suite.http.get("/gateway/static/dashboard.js")
    assert js.headers["content-type"].startswith("text/javascript")
    assert "EventSource" in js.text and 'setAttribute("data-testid", "feed-item")' in js.text
    assert "innerHTML = html" in js.text and ".textContent" in js.text
    for bad in ("nothing.js", "..%2Fsettings.py", "dashboard.py"):
        assert (await suite.http.get(f"/gateway/static/{bad}")).status_code == 404


async def test_a_failing_source_is_named_on_its_card_and_the_page_still_renders(
    suite: Suite,
) -> None:
    await register_cluster(suite, "Klyngen der bliver vist", home_municipality_code="0461")
    # the funding service loses its calls table: its call list fails (a 500 over the network;
    # the tests' in-process transport passes the error itself on)
    async with suite.apps["funding"].state.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE calls RENAME TO calls_gone"))

    r = await suite.http.get("/")
    assert r.status_code == 200
    html = r.text
    calls = section(html, "calls")
    assert 'data-testid="card-error"' in calls
    assert "Data kunne ikke hentes lige nu" in calls and "Finansieringstjenesten" in calls
    assert "failed: OperationalError" in calls or "failed: ProgrammingError" in calls
    # the others are unaffected
    assert "card-error" not in section(html, "clusters")
    assert "Aktive klynger og netværk: 1" in section(html, "clusters")
    assert "card-error" not in section(html, "funding")
    assert "card-error" not in section(html, "feed")


async def test_unreachable_upstream_every_card_says_so(suite_factory: Any) -> None:
    suite = await suite_factory(gateway={"upstream_url": "http://suite/nowhere"})
    r = await suite.http.get("/", params={"lang": "en"})
    assert r.status_code == 200
    html = r.text
    for card in ("clusters", "funding", "calls", "account"):
        assert "The data could not be fetched right now" in section(html, card), card
    # what the gateway knows itself still shows
    assert "card-error" not in section(html, "flows")
    assert "card-error" not in section(html, "feed")
    assert_self_contained(html)


async def test_the_gathered_data_are_kept_for_a_few_seconds(suite_factory: Any) -> None:
    ttl = 3.0
    suite = await suite_factory(gateway={"dashboard_cache_seconds": ttl})
    fivu = await suite.auth("fivu-rti")

    async def add_cluster(name: str) -> None:
        body = {
            "name": name,
            "cvr": cvr(),
            "cluster_kind": "cluster",
            "league": "national",
            "home_municipality_code": "0461",
            "fields": ["energy"],
        }
        r = await suite.http.post("/registry/v1/clusters", json=body, headers=fivu)
        assert r.status_code == 201, r.text

    await add_cluster("Første klynge")
    first = await suite.http.get("/")
    gathered_at = time.monotonic()
    assert "Aktive klynger og netværk: 1" in section(first.text, "clusters")
    await add_cluster("Anden klynge")
    cached = await suite.http.get("/")  # within the TTL: the registry is not asked again
    assert time.monotonic() - gathered_at < ttl, "too slow to see the cache at work"
    assert "Aktive klynger og netværk: 1" in section(cached.text, "clusters")
    await asyncio.sleep(ttl + 0.1)
    fresh = await suite.http.get("/")
    assert "Aktive klynger og netværk: 2" in section(fresh.text, "clusters")


async def test_concurrent_pages_share_one_gathering(suite: Suite) -> None:
    """Ten pages at once ask the registry once (one gathering per card at a time)."""
    await register_cluster(suite, "Travl klynge", home_municipality_code="0461")
    seen: list[str] = []
    registry = suite.apps["registry"]

    class Counting:
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == "/registry/v1/clusters":
                seen.append(scope["path"])
            await registry(scope, receive, send)

    dispatcher = suite.dispatcher
    dispatcher.apps["registry"] = Counting()  # type: ignore[assignment]
    try:
        pages = await asyncio.gather(*(suite.http.get("/") for _ in range(10)))
    finally:
        dispatcher.apps["registry"] = registry
    assert all(p.status_code == 200 for p in pages)
    assert len(seen) == 1
