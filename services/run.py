"""The embedded run (``make run``): one command, the whole suite on one port.

Starts a nats-server child process (JetStream on ``var/nats``, fsync always, a free port
that never collides with a NATS already on 4222), migrates each service's SQLite database
under ``var/``, serves all five apps on ``PORT`` (default 8000), loads reference and demo data,
prints where to look and the demo credentials, and stops everything on Ctrl-C or SIGTERM —
within seconds, at any moment. It looks after what it starts (``services/supervise.py``): one
run per ``var/``, a nats-server that dies with the run and is restarted when it exits.

Environment: ``PORT``, ``HOST`` (default 127.0.0.1), ``KF_NATS_PORT`` (default: a free port),
``KF_VAR_DIR`` (default ``var/``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.evaluation.config import AccountConfig
from services.evaluation.demo import clusters_known as evaluation_clusters_known
from services.evaluation.demo import grants_known as evaluation_grants_known
from services.evaluation.demo import load_demo as load_evaluation_demo
from services.funding.config import CallConfig
from services.funding.demo import clusters_known as funding_clusters_known
from services.funding.demo import load_demo as load_funding_demo
from services.gateway.service.stream import close_streams
from services.referrals.demo import load_demo as load_referrals_demo
from services.referrals.demo import ready as referrals_demo_ready
from services.referrals.demo_data import GROWTH_HOUSE_OFFERS
from services.registry.demo import (
    ensure_demo_clients,
    load_demo_data,
    read_demo_clients,
    write_demo_clients,
)
from services.registry.demo_data import DEMO_CLUSTERS
from services.suite import SERVICES, SuiteDispatcher, build_apps, migrations_dir
from services.supervise import RunLock, StopDeadline, keep_nats_running
from shared.clock import now_of, today_of
from shared.db import migrate_url
from shared.natsserver import NatsServer, free_port, port_open
from shared.settings import VAR_DIR


def _banner(base: str, nats_url: str, var_dir: Path, clients: list) -> str:
    lines = [
        "",
        "Klyngeforum is running (embedded mode: SQLite + embedded NATS JetStream).",
        "",
        f"  Dashboard          {base}/            (English: {base}/?lang=en)",
        f"  API docs           {base}/docs        (every service; each also at /<service>/docs)",
        f"  Event types        {base}/events-catalog   AsyncAPI: {base}/asyncapi.json",
        f"  Live events (SSE)  {base}/gateway/v1/events?types=funding.*",
        f"  Webhooks           {base}/gateway/v1/webhooks  (signed, Standard Webhooks)",
        f"  Clusters           {base}/registry/v1/clusters"
        "   (merger hints: /registry/v1/merger-suggestions)",
        f"  Funding            {base}/funding/v1/calls   {base}/funding/v1/grants",
        f"  Referral exchange  {base}/referrals/v1/services   "
        f"{base}/referrals/v1/match?need=eksport+af+fødevarer&municipality=0851",
        f"  Annual account     {base}/evaluation/v1/accounts/<year>/report.html",
        f"  Readiness          {base}/<service>/readyz"
        "  (registry, funding, referrals, evaluation, gateway)",
        f"  NATS               {nats_url}   (store {var_dir / 'nats'})",
        f"  Logs (JSON)        {var_dir / 'klyngeforum.log'}",
        "",
        f"Demo clients (one per organisation kind; also in {var_dir / 'demo-clients.json'}):",
    ]
    for c in clients:
        lines.append(
            f"  {c.organisation_kind:<22} {c.organisation_name[:38]:<38} "
            f"client_id={c.client_id} client_secret={c.client_secret}"
        )
    example = next(c for c in clients if c.organisation_kind == "ministry")
    lines += [
        "",
        "Get a token:",
        f"  curl -s -X POST {base}/registry/v1/oauth/token -d grant_type=client_credentials \\",
        f"       -d client_id={example.client_id} -d client_secret={example.client_secret}",
        "",
        "Press Ctrl-C to stop everything.",
        "",
    ]
    return "\n".join(lines)


async def _heard_in_time(
    app: FastAPI, ready: Callable[[AsyncSession], Awaitable[bool]], timeout: float = 60.0
) -> bool:
    """Wait until ``ready`` says the service's read models have the demo's registry (and
    funding) events; False after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        async with app.state.session_factory() as session:
            if await ready(session):
                return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)


def _not_in_time(service: str) -> str:
    return (
        f"Note: {service} did not hear of the demo organisations in time; its demo data was "
        "not loaded (it loads on the next start)."
    )


async def _load_funding_demo(app: FastAPI, clusters: int) -> tuple[list[str], int]:
    """Funding's demo programmes, grants and calls, once its read model has the demo clusters."""

    async def ready(session: AsyncSession) -> bool:
        return await funding_clusters_known(session) >= clusters

    if not await _heard_in_time(app, ready):
        return [_not_in_time("funding")], 0
    config = CallConfig.from_settings(app.state.settings)
    async with app.state.session_factory() as session, session.begin():
        loaded = await load_funding_demo(session, today_of(app), config)
    return [], loaded.grants


async def _load_evaluation_demo(app: FastAPI, clusters: int, grants: int) -> list[str]:
    """Evaluation's demo reports and last year's published account, once it knows the demo
    clusters and the demo grants (a published account is frozen: it must include them)."""

    async def ready(session: AsyncSession) -> bool:
        return (
            await evaluation_clusters_known(session) >= clusters
            and await evaluation_grants_known(session) >= grants
        )

    if not await _heard_in_time(app, ready):
        return [_not_in_time("evaluation")]
    config = AccountConfig.from_settings(app.state.settings)
    async with app.state.session_factory() as session, session.begin():
        await load_evaluation_demo(session, today_of(app), config)
    return []


async def _load_referrals_demo(app: FastAPI, clusters: int) -> list[str]:
    """The referral exchange's demo services, activities and referrals, once its directory has
    heard of the demo organisations (registry events)."""
    cvrs = {offer.cvr for offer in GROWTH_HOUSE_OFFERS}

    async def ready(session: AsyncSession) -> bool:
        return await referrals_demo_ready(session, clusters, cvrs)

    if not await _heard_in_time(app, ready):
        return [_not_in_time("the referral exchange")]
    async with app.state.session_factory() as session, session.begin():
        await load_referrals_demo(session, now_of(app), app.state.settings)
    return []


async def _serve(
    host: str, port: int, var_dir: Path, nats: NatsServer, deadline: StopDeadline
) -> int:
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    settings = {}
    for name, (_factory, cls) in SERVICES.items():
        env_url = os.environ.get(f"{name.upper()}_DATABASE_URL")
        extra: dict[str, Any] = {}
        if name == "gateway" and "GATEWAY_UPSTREAM_URL" not in os.environ:
            extra["upstream_url"] = base  # the dashboard and docs read this same server
        settings[name] = cls(
            database_url=env_url or f"sqlite+aiosqlite:///{var_dir / (name + '.db')}",
            nats_url=nats.url,
            jwks_url=f"{base}/registry/.well-known/jwks.json",
            log_file=os.environ.get("KF_LOG_FILE", str(var_dir / "klyngeforum.log")),
            **extra,
        )
    print("Migrating databases …", flush=True)
    for name in SERVICES:
        await asyncio.to_thread(
            migrate_url, settings[name].resolved_database_url(), migrations_dir(name)
        )
    apps = build_apps(settings)
    dispatcher = SuiteDispatcher(apps)
    config = uvicorn.Config(
        dispatcher,
        host=host,
        port=port,
        lifespan="on",
        log_level="warning",
        access_log=False,
        # Open requests get a few seconds at Ctrl-C, then are cancelled (a backstop: event
        # streams are ended first, see _Server).
        timeout_graceful_shutdown=3,
    )
    stopping = asyncio.Event()
    server = _Server(config, apps["gateway"], deadline, stopping)
    watching = asyncio.create_task(keep_nats_running(nats, stopping))

    async def after_start() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.05)
        registry = apps["registry"]
        clients_file = var_dir / "demo-clients.json"
        try:
            async with registry.state.session_factory() as session, session.begin():
                loaded = await load_demo_data(
                    session, registry.state.rule_config, today=today_of(registry)
                )
                clients = await ensure_demo_clients(session, read_demo_clients(clients_file))
            write_demo_clients(clients_file, clients)
            expected = len(DEMO_CLUSTERS) - len(loaded.blocked)
            notes = await _load_referrals_demo(apps["referrals"], expected)
            funding_notes, grants = await _load_funding_demo(apps["funding"], expected)
            notes += funding_notes
            notes += await _load_evaluation_demo(apps["evaluation"], expected, grants)
        except Exception:
            # Say so and stop, rather than serve on silently without a banner.
            traceback.print_exc()
            print("Loading the demo data failed (above); stopping.", file=sys.stderr, flush=True)
            failed.append(True)
            server.should_exit = True
            return
        print(_banner(base, nats.url, var_dir, clients), flush=True)
        for note in notes:
            print(note, flush=True)
        if loaded.blocked:
            print(
                f"Note: {len(loaded.blocked)} demo cluster(s) were left out because an older "
                f"demo run registered their CVR without a cluster profile; remove {var_dir} "
                "(make clean) to load the full demo data.",
                flush=True,
            )

    failed: list[bool] = []
    seeding = asyncio.create_task(after_start())
    server.background = [seeding, watching]
    try:
        await server.serve()
    finally:
        stopping.set()
        for task in (seeding, watching):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    return 1 if failed else 0


class _Server(uvicorn.Server):
    """uvicorn, stopping in order: at the first stop signal the stop deadline is armed
    (``services.supervise``); as shutdown begins the demo loading and the nats watch are
    cancelled (the apps they use are about to close) and the gateway's event streams (SSE)
    ended — a stream never ends by itself, and uvicorn waits for open responses."""

    def __init__(
        self,
        config: uvicorn.Config,
        gateway: Any,
        deadline: StopDeadline,
        stopping: asyncio.Event,
    ) -> None:
        super().__init__(config)
        self.gateway = gateway
        self.deadline = deadline
        self.stopping = stopping
        self.background: list[asyncio.Task[None]] = []

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.deadline.arm()
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.stopping.set()
        for task in self.background:
            task.cancel()
        for task in self.background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        close_streams(self.gateway)
        await super().shutdown(sockets)


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    var_dir = Path(os.environ.get("KF_VAR_DIR", str(VAR_DIR))).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    if port_open(port, "127.0.0.1"):
        print(
            f"Port {port} is already in use; run with PORT=<another port> make run", file=sys.stderr
        )
        return 2
    lock = RunLock(var_dir)
    if refused := lock.acquire():
        print(refused, file=sys.stderr)
        return 2
    nats_port = int(os.environ.get("KF_NATS_PORT", "0")) or free_port()
    nats = NatsServer(var_dir / "nats", nats_port, sync_always=True, log_file=var_dir / "nats.log")
    deadline = StopDeadline(nats)

    def stop(signum: int, frame: Any) -> None:
        # Ctrl-C (and SIGTERM, so a supervisor's stop is just as clean) before uvicorn serves
        # and takes the signals over: arm the deadline, interrupt whatever runs.
        deadline.arm()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        if stale := nats.stop_stale():
            print(f"Stopped nats-server {stale}, left on {nats.store_dir} by a run that crashed.")
        print(f"Starting nats-server on 127.0.0.1:{nats_port} …", flush=True)
        nats.start()
        code = asyncio.run(_serve(host, port, var_dir, nats, deadline))
    except KeyboardInterrupt:
        pass
    finally:
        nats.stop()
        lock.release()
        print("Stopped Klyngeforum and its nats-server.", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
