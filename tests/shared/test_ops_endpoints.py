"""healthz, readyz (database and NATS), metrics, request ids — the same on every service."""

import pytest

from services.suite import SERVICES
from tests.conftest import Suite, eventually


@pytest.mark.parametrize("service", list(SERVICES))
async def test_health_ready_metrics_asyncapi(suite: Suite, service: str) -> None:
    assert (await suite.http.get(f"/{service}/healthz")).json()["status"] == "ok"
    ready = await suite.http.get(f"/{service}/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "nats": "ok"}
    metrics = await suite.http.get(f"/{service}/metrics")
    assert metrics.status_code == 200
    assert f"{service}_http_requests_total" in metrics.text
    assert (await suite.http.get(f"/{service}/asyncapi.json")).json()["asyncapi"] == "3.0.0"
    openapi = (await suite.http.get(f"/{service}/openapi.json")).json()
    #: the gateway also serves the suite's front door (ARCHITECTURE: external contract)
    front = {"/", "/docs", "/asyncapi.json", "/openapi-merged.json", "/events-catalog"}
    assert all(
        path.startswith(f"/{service}/") or (service == "gateway" and path in front)
        for path in openapi["paths"]
    ), sorted(openapi["paths"])


async def test_request_id_is_echoed_or_created(suite: Suite) -> None:
    given = await suite.http.get("/registry/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await suite.http.get("/registry/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


async def test_readyz_reports_nats_down_then_recovers(suite: Suite) -> None:
    suite.nats.stop()

    async def not_ready() -> bool:
        r = await suite.http.get("/funding/readyz")
        return r.status_code == 503 and r.headers["content-type"] == "application/problem+json"

    await eventually(not_ready)
    body = (await suite.http.get("/funding/readyz")).json()
    assert body["checks"]["nats"].startswith("failing")
    assert body["checks"]["database"] == "ok"
    suite.nats.start()

    async def ready() -> bool:
        return (await suite.http.get("/funding/readyz")).status_code == 200

    await eventually(ready, timeout=15)
