"""What the tests of the gateway's pages share."""

from __future__ import annotations

import re

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def section(html: str, card: str) -> str:
    """The HTML of one card (its <section> element)."""
    start = html.index(f'id="card-{card}"')
    return html[start : html.index("</section>", start)]


def assert_self_contained(html: str) -> None:
    """No URL to another host: no CDN, no font service (the SVG namespace is a name)."""
    urls = re.findall(r"(?:https?:)?//[^\s\"'<>)]+", html)
    assert [u for u in urls if u != SVG_NAMESPACE] == [], urls
    assert "<script>" not in html  # scripts only as files of our own (src="/gateway/static…")
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        assert src.startswith("/gateway/static/"), src
