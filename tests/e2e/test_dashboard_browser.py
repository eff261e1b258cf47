"""The dashboard in a real browser (issue 7): headless Chromium, driven by Playwright.

``make run``'s program runs as a real process with its demo data; Debian's ``chromium`` (at
``KF_CHROMIUM`` or on the PATH; ``.ci/run`` installs it) loads ``/``, the charts are there as
rendered SVG, an organisation registered through the API appears in the live feed over SSE,
and the English page renders too. A screenshot is kept next to the run's output. Where no
browser or no Playwright exists the test is skipped and says why.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import SHARES_THE_DEMO_RUN, EmbeddedRun
from tests.e2e.test_embedded_funding import _demo_client, _token

#: A guard against hanging; not a statement about speed.
TIMEOUT_MS = 30_000


def _chromium() -> str | None:
    for candidate in (os.environ.get("KF_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


CHROMIUM = _chromium()
try:
    from playwright.async_api import async_playwright
except ImportError:  # pragma: no cover - the dev install has it
    async_playwright = None  # type: ignore[assignment]

pytestmark = [
    SHARES_THE_DEMO_RUN,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium browser here (install Debian's chromium, or set KF_CHROMIUM); "
        "the browser test of the dashboard was skipped",
    ),
    pytest.mark.skipif(
        async_playwright is None, reason="Playwright's Python package is not installed"
    ),
]


async def test_dashboard_renders_and_the_live_feed_shows_a_new_event(run: EmbeddedRun) -> None:
    assert async_playwright is not None and CHROMIUM is not None
    shot = Path(run.var_dir) / "dashboard.png"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "requestfailed",
                lambda req: (
                    errors.append(f"request failed: {req.url}")
                    if not req.url.startswith(f"{run.base}/gateway/v1/events")
                    else None
                ),
            )
            response = await page.goto(f"{run.base}/", wait_until="domcontentloaded")
            assert response is not None and response.status == 200
            assert await page.get_attribute("html", "lang") == "da"

            # the charts are rendered: SVG with marks in the map, league and funding charts
            for testid in ("map", "league-chart", "funding-chart"):
                chart = page.locator(f'[data-testid="{testid}"] svg')
                await chart.first.wait_for(timeout=TIMEOUT_MS)
                box = await chart.first.bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 50, testid
                marks = chart.first.locator("rect, path, circle")
                assert await marks.count() > 3, testid
            for testid in ("calls", "flows", "account"):
                await page.locator(f'[data-testid="{testid}"]').wait_for(timeout=TIMEOUT_MS)
            assert await page.locator('[data-testid="card-error"]').count() == 0
            # the demo data is there: the strategic call in dialogue and last year's account
            assert (
                "Innovationsnetværk Danmark 2027–2030"
                in await page.locator('[data-testid="calls"]').inner_text()
            )

            # the feed goes live, then an event made through the API appears in it
            status = page.locator('[data-testid="feed-status"]')
            await page.wait_for_function(
                "() => document.querySelector('[data-testid=\"feed-status\"]')"
                ".classList.contains('live')",
                timeout=TIMEOUT_MS,
            )
            assert await status.is_visible()
            name = "Erhvervshus Browsertest (e2e)"
            async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
                kf = _demo_client(run, "forum_secretariat")
                secretariat = await _token(http, kf["client_id"], kf["client_secret"])
                made = await http.post(
                    "/registry/v1/organisations",
                    json={"name": name, "kind": "growth_house", "municipality_code": "0851"},
                    headers=secretariat,
                )
                assert made.status_code == 201, made.text
            item = page.locator('[data-testid="feed-item"]', has_text=name)
            await item.first.wait_for(timeout=TIMEOUT_MS)
            await page.screenshot(path=str(shot), full_page=True)
            assert errors == [], errors

            english = await page.goto(f"{run.base}/?lang=en", wait_until="domcontentloaded")
            assert english is not None and english.status == 200
            assert await page.get_attribute("html", "lang") == "en"
            await page.locator('[data-testid="map"] svg').first.wait_for(timeout=TIMEOUT_MS)
        finally:
            await browser.close()
    assert shot.stat().st_size > 20_000  # a real picture, not an empty page
