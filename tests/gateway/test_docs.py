"""One set of docs (issue 7): every service's API on one page, one merged OpenAPI document,
the merged AsyncAPI document and a readable catalogue of every event type."""

from __future__ import annotations

import re
from typing import Any

from shared.events.catalog import CATALOG
from shared.events.spec import SERVICES
from tests.conftest import Suite
from tests.gateway.page_helpers import assert_self_contained

#: A path of each service's own that the reference must show.
KNOWN_PATHS = {
    "registry": "/registry/v1/clusters",
    "funding": "/funding/v1/calls",
    "referrals": "/referrals/v1/referrals",
    "evaluation": "/evaluation/v1/accounts",
    "gateway": "/gateway/healthz",
}


async def test_docs_page_lists_every_service(suite: Suite) -> None:
    r = await suite.http.get("/docs")  # public
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    html = r.text
    assert '<html lang="da">' in html and "API-dokumentation" in html
    assert "card-error" not in html
    for service in SERVICES:
        start = html.index(f'id="service-{service}"')
        end = html.find("<section", start + 1)
        part = html[start : end if end > 0 else len(html)]
        assert f'href="/{service}/docs"' in part and f'href="/{service}/openapi.json"' in part
        assert f'<code class="path">{KNOWN_PATHS[service]}</code>' in part, service
    # an operation with its parameters, and links from types to the schemas
    registry = html[html.index('id="service-registry"') : html.index('id="service-funding"')]
    assert '<span class="method method-post">POST</span>' in registry
    assert "<code>league</code>" in registry
    assert re.search(r'href="#schema-registry-ClusterOut"', registry)
    assert 'id="schema-registry-ClusterOut"' in registry
    # markdown in descriptions is rendered, and nothing is unescaped
    assert "<strong>" in html and "**" not in html.replace("\\*\\*", "")
    assert_self_contained(html)

    en = await suite.http.get("/docs", params={"lang": "en"})
    assert en.status_code == 200 and "API documentation" in en.text


async def test_a_service_that_does_not_answer_is_named(suite_factory: Any) -> None:
    suite = await suite_factory(gateway={"upstream_url": "http://suite/nowhere"})
    r = await suite.http.get("/docs", params={"lang": "en"})
    assert r.status_code == 200
    for service in SERVICES:
        assert f"The documentation of {service} could not be fetched (answered 404)" in r.text
    merged = (await suite.http.get("/openapi-merged.json")).json()
    assert merged["paths"] == {} and merged["info"]["x-missing-services"] == list(SERVICES)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


async def test_merged_openapi_has_every_path_tagged_by_service(suite: Suite) -> None:
    r = await suite.http.get("/openapi-merged.json")
    assert r.status_code == 200
    merged = r.json()
    assert merged["openapi"].startswith("3.")
    assert [t["name"] for t in merged["tags"]] == list(SERVICES)
    for service in SERVICES:
        own = (await suite.http.get(f"/{service}/openapi.json")).json()
        for path, item in own["paths"].items():
            assert path in merged["paths"], path
            for method in item:
                assert merged["paths"][path][method]["tags"] == [service]
    # schemas are named <service>.<Name> and every reference resolves
    schemas = merged["components"]["schemas"]
    assert "registry.ClusterOut" in schemas and "funding.CallOut" in schemas
    for ref in _refs(merged):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[-1] in schemas, ref


async def test_asyncapi_has_every_catalog_type(suite: Suite) -> None:
    r = await suite.http.get("/asyncapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == set(CATALOG)
    messages = {m["name"]: m for m in doc["components"]["messages"].values()}
    for type_, spec in CATALOG.items():
        assert messages[type_]["x-addressed"] is spec.addressed
        payload = messages[type_]["payload"]["$ref"].rsplit("/", 1)[-1]
        assert set(doc["components"]["schemas"][payload]["properties"]) == set(
            spec.payload.model_fields
        )


async def test_events_catalog_lists_every_type_with_its_fields(suite: Suite) -> None:
    r = await suite.http.get("/events-catalog")
    assert r.status_code == 200 and "Hændelseskatalog" in r.text
    html = r.text
    assert f"{len(CATALOG)} hændelsestyper" in html
    articles = dict(
        re.findall(r'<article class="event-type" id="([^"]+)"(.*?)</article>', html, re.S)
    )
    assert set(articles) == set(CATALOG)
    for type_, spec in CATALOG.items():
        article = articles[type_]
        badge = "Adresseret" if spec.addressed else "Offentlig"
        assert f'<span class="badge {"addressed" if spec.addressed else "public"}">{badge}' in (
            article
        )
        fields = re.findall(r'<tr data-field="([^"]+)">', article)
        assert set(spec.payload.model_fields) <= set(fields), type_
        assert f"<strong>{spec.producer}</strong>" in article
    # a nested model gets its own table (the responsibility facts of a cluster)
    cluster = articles["registry.cluster.registered"]
    assert "<code>ResponsibilityFacts</code>" in cluster
    assert '<tr data-field="centre_of_gravity_forum">' in cluster
    assert_self_contained(html)

    en = await suite.http.get("/events-catalog", params={"lang": "en"})
    assert "Event catalogue" in en.text and f"{len(CATALOG)} event types" in en.text


def test_the_public_event_reads_are_declared_public() -> None:
    """The event stream and its first fill are public (a token only shows more): OpenAPI says
    "the bearer token, or none"."""
    from services.gateway.app import create_app
    from services.gateway.settings import GatewaySettings

    spec = create_app(GatewaySettings(database_url="sqlite+aiosqlite:///:memory:")).openapi()
    for path in ("/gateway/v1/events", "/gateway/v1/events/recent"):
        security = spec["paths"][path]["get"]["security"]
        assert {} in security and len(security) == 2, (path, security)
