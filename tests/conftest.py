"""Fixtures for the suite: every service app on real databases and a real nats-server."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.registry.schemas.organisations import ClientCreate
from services.registry.service.organisations import create_client
from services.registry.tokens import generate_pem
from services.suite import SERVICES, SuiteDispatcher, build_apps, migrations_dir
from shared.natsserver import NatsServer

BASE_URL = "http://suite"


@dataclass
class Suite:
    apps: dict[str, FastAPI]
    dispatcher: SuiteDispatcher
    nats: NatsServer
    http: httpx.AsyncClient
    _tokens: dict[tuple[str, str | None], str] = field(default_factory=dict)

    async def credentials_for(
        self, organisation_id: str, scopes: list[str] | None = None
    ) -> tuple[str, str]:
        registry = self.apps["registry"]
        async with registry.state.session_factory() as session, session.begin():
            client, secret = await create_client(
                session, ClientCreate(organisation_id=organisation_id, name="test", scopes=scopes)
            )
        return client.client_id, secret

    async def token_for(self, organisation_id: str, scopes: list[str] | None = None) -> str:
        key = (organisation_id, " ".join(scopes) if scopes is not None else None)
        if key not in self._tokens:
            client_id, secret = await self.credentials_for(organisation_id, scopes)
            resp = await self.http.post(
                "/registry/v1/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": secret,
                },
            )
            assert resp.status_code == 200, resp.text
            self._tokens[key] = resp.json()["access_token"]
        return self._tokens[key]

    async def auth(self, organisation_id: str, scopes: list[str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token_for(organisation_id, scopes)}"}


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 30.0, interval: float = 0.05
) -> Any:
    """Await ``check`` until it returns a truthy value; fail after ``timeout`` seconds. A
    passing wait returns at once; the default is generous so a loaded machine (CI beside a
    benchmark) does not fail a test whose state is only late."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def outbox_envelopes(
    suite: Suite, service: str, type_: str | None = None
) -> list[dict[str, Any]]:
    """Envelopes in a service's outbox, oldest first (optionally of one type)."""
    outbox = suite.apps[service].state.tables.outbox
    stmt = select(outbox.c.envelope).order_by(outbox.c.seq)
    if type_:
        stmt = stmt.where(outbox.c.type == type_)
    async with suite.apps[service].state.session_factory() as session:
        return [row[0] for row in (await session.execute(stmt)).all()]


@functools.cache
def test_signing_pem() -> str:
    return generate_pem()


def suite_settings(urls: dict[str, str], nats_url: str, **overrides: Any) -> dict[str, Any]:
    settings = {}
    for name, (_factory, cls) in SERVICES.items():
        values: dict[str, Any] = {
            "database_url": urls[name],
            "nats_url": nats_url,
            "jwks_url": f"{BASE_URL}/registry/.well-known/jwks.json",
            "relay_poll_interval": 0.2,
            "log_json": True,
            "log_level": "WARNING",
        }
        if name == "registry":
            # One signing key per test process (generating an RSA key costs ~50 ms a start);
            # tests of the key kept in the database pass signing_key_pem="".
            values["signing_key_pem"] = test_signing_pem()
            # The reference parties are loaded but not announced: every service knows them
            # from shared.reference anyway, and 116 events per test would only queue ahead of
            # the test's own (tests of the announcements pass announce_reference_data=True).
            values["announce_reference_data"] = False
        # An override replaces a default (e.g. registry={"relay_poll_interval": 30}).
        settings[name] = cls(**{**values, **overrides.get(name, {})})
    return settings


@pytest.fixture
async def suite_factory(
    make_database: Any, nats_server: NatsServer
) -> AsyncIterator[Callable[..., Awaitable[Suite]]]:
    """Start the whole suite; call with per-service setting overrides."""
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> Suite:
            urls = {name: await make_database(migrations_dir(name)) for name in SERVICES}
            settings = suite_settings(urls, nats_server.url, **overrides)
            holder: dict[str, Any] = {}
            transport = httpx.ASGITransport(app=_Lazy(holder))
            apps = build_apps(settings, jwks_transport=transport)
            dispatcher = SuiteDispatcher(apps)
            holder["app"] = dispatcher
            await stack.enter_async_context(dispatcher.lifespans())
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=dispatcher), base_url=BASE_URL)
            )
            return Suite(apps=apps, dispatcher=dispatcher, nats=nats_server, http=client)

        yield start


@pytest.fixture
async def suite(suite_factory: Callable[..., Awaitable[Suite]]) -> Suite:
    return await suite_factory()


class _Lazy:
    """ASGI app that forwards to the dispatcher once it exists (JWKS fetches go through it)."""

    def __init__(self, holder: dict[str, Any]) -> None:
        self.holder = holder

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.holder["app"](scope, receive, send)
