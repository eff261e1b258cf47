"""The pieces every service app is built from: lifespan, health, metrics, request ids.

``build_service_app`` gives each service the same shape: routes under ``/<service>/…``,
``/<service>/healthz`` (process up), ``/<service>/readyz`` (database and NATS reachable),
``/<service>/metrics`` (Prometheus), ``/<service>/asyncapi.json`` (its events),
``/<service>/v1/parked-events`` (poison messages its consumers gave up on; admin scope),
problem+json errors, and a lifespan that owns the engine, the NATS connection, the relay and
consumers.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import structlog
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import JwksVerifier, Principal, require_scope
from shared.clock import as_utc
from shared.db import make_engine, make_session_factory, migrate, session_dependency
from shared.errors import install_problem_handlers, problem_response
from shared.events.bus import Messaging, Subscription
from shared.events.catalog import asyncapi_document
from shared.events.tables import MessagingTables
from shared.events.tasks import cancel_and_wait
from shared.guard import DEFAULT_BODY_LIMIT, RequestGuard, document_limits
from shared.logging import configure_logging
from shared.openapi import with_problems
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor
from shared.settings import ServiceSettings
from shared.validation import Text

log = structlog.get_logger("http")

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Pure ASGI middleware: request id, access log line, Prometheus counters."""

    def __init__(self, app: Any, service: str, metrics: ServiceMetrics) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if incoming and _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status_holder = [500]
        started = time.perf_counter()

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id, service=self.service)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            path_template = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(
                scope["method"], path_template, str(status_holder[0])
            ).inc()
            self.metrics.latency.labels(scope["method"], path_template).observe(elapsed)
            log.info(
                "request",
                method=scope["method"],
                path=path_template,
                status=status_holder[0],
                ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id", "service")


@dataclass
class ServiceMetrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram

    @classmethod
    def create(cls, service: str) -> ServiceMetrics:
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            requests=Counter(
                "http_requests_total",
                "HTTP requests",
                ["method", "route", "status"],
                registry=registry,
                namespace=service,
            ),
            latency=Histogram(
                "http_request_duration_seconds",
                "HTTP request latency",
                ["method", "route"],
                registry=registry,
                namespace=service,
            ),
        )


class _MessagingCollector:
    def __init__(self, service: str, app: FastAPI) -> None:
        self.service = service
        self.app = app

    def collect(self) -> Iterable[Any]:
        messaging: Messaging | None = getattr(self.app.state, "messaging", None)
        published = GaugeMetricFamily(
            f"{self.service}_outbox_published_total", "Events relayed to JetStream since start"
        )
        handled = GaugeMetricFamily(
            f"{self.service}_events_handled_total",
            "Events handled by consumers",
            labels=["consumer"],
        )
        parked = GaugeMetricFamily(
            f"{self.service}_events_parked_total", "Events parked as poison", labels=["consumer"]
        )
        if messaging and messaging.relay:
            published.add_metric([], messaging.relay.published_total)
        for runner in messaging.consumers if messaging else []:
            handled.add_metric([runner.subscription.durable], runner.stats.handled)
            parked.add_metric([runner.subscription.durable], runner.stats.parked)
        yield published
        yield handled
        yield parked


StartupHook = Callable[[FastAPI], Awaitable[None]]


@dataclass(frozen=True)
class PeriodicJob:
    """Work the service repeats while it runs (e.g. overdue and retention sweeps).

    It runs once when the service starts, then every ``interval(settings)`` seconds.
    ``run(app)`` must be safe to run on several replicas at once (each run is one
    transaction that re-checks what it changes); ``interval(settings)`` gives the seconds
    between runs, 0 or less to not run it in-process (then an operator runs it on a schedule).
    A failing run is logged and retried at the next interval.
    """

    name: str
    run: Callable[[FastAPI], Awaitable[Any]]
    interval: Callable[[Any], float]


async def _run_once(app: FastAPI, job: PeriodicJob) -> None:
    try:
        await job.run(app)
    except Exception:
        log.exception("periodic_job_failed", job=job.name)


async def _repeat(app: FastAPI, job: PeriodicJob, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        await _run_once(app, job)


@dataclass
class ServiceSpec:
    """Everything that makes one service different from the others."""

    name: str
    title: str
    description: str
    settings: ServiceSettings
    routers: Sequence[APIRouter]
    tables: MessagingTables
    migrations_dir: Path
    subscriptions: Sequence[Subscription] = ()
    on_startup: Sequence[StartupHook] = ()
    periodic: Sequence[PeriodicJob] = ()
    jwks_transport: httpx.AsyncBaseTransport | None = None
    auto_migrate: bool = False


def build_service_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    configure_logging(settings.log_level, settings.log_json, settings.log_file)
    metrics = ServiceMetrics.create(spec.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs: list[asyncio.Task[None]] = []
        engine = make_engine(settings.resolved_database_url())
        if spec.auto_migrate:
            await migrate(engine, spec.migrations_dir)
        factory = make_session_factory(engine)
        app.state.engine = engine
        app.state.session_factory = factory
        app.state.verifier = JwksVerifier(
            settings.jwks_url,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            transport=spec.jwks_transport,
        )
        messaging = Messaging(
            spec.name,
            settings.nats_url,
            factory,
            spec.tables,
            spec.subscriptions,
            poll_interval=settings.relay_poll_interval,
            max_deliveries=settings.max_deliveries,
        )
        app.state.messaging = messaging
        try:
            for hook in spec.on_startup:
                await hook(app)
            if settings.messaging_enabled:
                await messaging.start()
            for job in spec.periodic:
                seconds = job.interval(settings)
                if seconds > 0:
                    # once at start (what fell due while the service was down), then repeatedly
                    await _run_once(app, job)
                    jobs.append(asyncio.create_task(_repeat(app, job, seconds), name=job.name))
            log.info("service_started", service=spec.name)
            yield
        finally:
            for task in jobs:
                await cancel_and_wait(task)
            await messaging.stop()
            await engine.dispose()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=f"/{spec.name}/openapi.json",
        docs_url=f"/{spec.name}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service_name = spec.name
    app.state.tables = spec.tables
    app.state.metrics = metrics
    metrics.registry.register(_MessagingCollector(spec.name, app))
    install_problem_handlers(app)
    # The guard (token, body size, media type before the body is read) runs inside the
    # request context, so its refusals carry the request id and are logged and counted.
    app.add_middleware(RequestGuard)
    app.add_middleware(RequestContextMiddleware, service=spec.name, metrics=metrics)
    # Every route's body is limited (a route's own max_body_size wins: uploads).
    app.include_router(_ops_router(spec.name), max_body_size=DEFAULT_BODY_LIMIT)
    for router in spec.routers:
        app.include_router(router, max_body_size=DEFAULT_BODY_LIMIT)
    _document_guard(app)
    return app


def _document_guard(app: FastAPI) -> None:
    """The OpenAPI document also shows the guard's 401, 413 and 415 (``shared.guard``), and
    then every error response as the problem it is answered as (``shared.openapi``)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if getattr(app.state, "openapi_document", None) is None:
            app.state.openapi_document = with_problems(document_limits(app, generate()))
        return app.state.openapi_document  # type: ignore[no-any-return]

    app.openapi = openapi  # type: ignore[method-assign]


def _ops_router(service: str) -> APIRouter:
    router = APIRouter(prefix=f"/{service}", tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get(
        "/readyz",
        summary="Readiness: database and NATS reachable",
        responses={503: {"description": "Not ready (problem+json)"}},
    )
    async def readyz(request: Request) -> Response:
        checks: dict[str, str] = {}
        try:
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"failing: {type(exc).__name__}"
        settings: ServiceSettings = request.app.state.settings
        if settings.messaging_enabled:
            messaging: Messaging = request.app.state.messaging
            checks["nats"] = "ok" if messaging.connected else "failing: not connected"
        else:
            checks["nats"] = "disabled"
        if all(v in ("ok", "disabled") for v in checks.values()):
            return JSONResponse({"status": "ready", "service": service, "checks": checks})
        return problem_response(
            request, 503, "not-ready", "A dependency is not reachable.", checks=checks
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics_endpoint(request: Request) -> Response:
        body = generate_latest(request.app.state.metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json", summary="AsyncAPI 3 document of the events this service sends")
    async def asyncapi() -> dict[str, Any]:
        return asyncapi_document(service)

    @router.get(
        "/v1/parked-events",
        response_model=Page[ParkedEvent],
        summary="Events this service's consumers gave up on (poison messages; scope admin)",
        description=(
            "A consumed event whose handling failed `max_deliveries` times, or that could not "
            "be read at all, is parked here and acknowledged, so it neither loops nor blocks "
            "the events behind it. Oldest first; cursor pagination."
        ),
        responses={401: {"description": "No valid token"}, 403: {"description": "No admin scope"}},
    )
    async def parked_events(
        request: Request,
        session: Annotated[AsyncSession, Depends(session_dependency)],
        _principal: Annotated[Principal, Depends(require_scope("admin"))],
        consumer: Annotated[
            # Text: a NUL is refused (422) before PostgreSQL sees it.
            Text | None,
            Query(max_length=120, description="Only this durable consumer's"),
        ] = None,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ) -> Page[ParkedEvent]:
        parked = request.app.state.tables.parked
        stmt = select(parked).order_by(parked.c.id).limit(limit + 1)
        if consumer:
            stmt = stmt.where(parked.c.consumer == consumer)
        after = decode_cursor(cursor, int)
        if after is not None:
            stmt = stmt.where(parked.c.id > after[0])
        rows = list((await session.execute(stmt)).mappings())
        next_cursor = encode_cursor([rows[limit - 1]["id"]]) if len(rows) > limit else None
        return Page[ParkedEvent](
            items=[ParkedEvent.from_row(row) for row in rows[:limit]], next_cursor=next_cursor
        )

    return router


#: How much of a parked event's error (a traceback, mostly) the list shows: its end.
ERROR_PREVIEW = 500


class ParkedEvent(BaseModel):
    id: int
    consumer: str = Field(description="The durable consumer that gave up, `<service>-<purpose>`")
    event_id: str | None = Field(description="Absent when the message could not be read")
    type: str | None
    subject: str
    deliveries: int = Field(description="Delivery attempts before it was parked")
    error: str = Field(description=f"The last error; its final {ERROR_PREVIEW} characters")
    parked_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> ParkedEvent:
        error = str(row["error"])
        if len(error) > ERROR_PREVIEW:
            error = "…" + error[-(ERROR_PREVIEW - 1) :]
        parked_at = as_utc(row["parked_at"])
        return cls(
            id=row["id"],
            consumer=row["consumer"],
            event_id=row["event_id"],
            type=row["type"],
            subject=row["subject"],
            deliveries=row["deliveries"],
            error=error,
            parked_at=parked_at,
        )


def app_factory(
    *,
    name: str,
    title: str,
    description: str,
    settings_class: type[ServiceSettings],
    routers: Sequence[APIRouter],
    tables: MessagingTables,
    migrations_dir: Path,
    subscriptions: Sequence[Subscription] = (),
    on_startup: Sequence[StartupHook] = (),
    periodic: Sequence[PeriodicJob] = (),
) -> Callable[..., FastAPI]:
    """Make a service's ``create_app(settings=None, *, jwks_transport=None,
    auto_migrate=False)``."""

    def create_app(
        settings: ServiceSettings | None = None,
        *,
        jwks_transport: httpx.AsyncBaseTransport | None = None,
        auto_migrate: bool = False,
    ) -> FastAPI:
        return build_service_app(
            ServiceSpec(
                name=name,
                title=title,
                description=description,
                settings=settings or settings_class(),
                routers=routers,
                tables=tables,
                migrations_dir=migrations_dir,
                subscriptions=subscriptions,
                on_startup=on_startup,
                periodic=periodic,
                jwks_transport=jwks_transport,
                auto_migrate=auto_migrate,
            )
        )

    create_app.__doc__ = f"Build the {name} service app (settings default to the environment)."
    return create_app
