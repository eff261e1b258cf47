"""The benchmark run: start everything, measure every figure in one run, report ratios."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bench import account, matchdata, natsrtt
from bench.report import build_rows, print_table, write_json
from bench.serve import HELLO_PATH
from bench.stats import summarise

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONSUMERS = ("funding", "referrals", "evaluation", "gateway")
REGISTERED = "registry.organisation.registered"


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class BenchConfig:
    """Every knob, from the environment (see bench/README.md)."""

    seconds: float = 5.0
    warmup: float = 1.0
    concurrency: int = 16
    events: int = 200
    event_interval: float = 0.05
    nats_rounds: int = 500
    nats_sync: bool = True
    match_services: int = 50_000
    log_level: str = "WARNING"
    keep: bool = False
    output: str = str(PROJECT_ROOT / "var" / "bench" / "results.json")

    @classmethod
    def from_env(cls) -> BenchConfig:
        return cls(
            seconds=_env_float("BENCH_SECONDS", cls.seconds),
            warmup=_env_float("BENCH_WARMUP", cls.warmup),
            concurrency=_env_int("BENCH_CONCURRENCY", cls.concurrency),
            events=_env_int("BENCH_EVENTS", cls.events),
            event_interval=_env_float("BENCH_EVENT_INTERVAL", cls.event_interval),
            nats_rounds=_env_int("BENCH_NATS_ROUNDS", cls.nats_rounds),
            nats_sync=os.environ.get("BENCH_NATS_SYNC", "1") not in ("0", "false", "no"),
            match_services=_env_int("BENCH_MATCH_SERVICES", cls.match_services),
            log_level=os.environ.get("BENCH_LOG_LEVEL", cls.log_level),
            keep=os.environ.get("BENCH_KEEP", "") not in ("", "0", "false", "no"),
            output=os.environ.get("BENCH_OUTPUT", cls.output),
        )


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class ServerProcess:
    """``python -m bench.serve …`` as a child process, its output in a log file."""

    def __init__(self, name: str, args: list[str], port: int, log_dir: Path) -> None:
        self.name = name
        self.args = args
        self.port = port
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str, timeout: float = 90.0) -> ServerProcess:
        log = open(self.log_path, "ab")  # the child keeps its own descriptor
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", *self.args],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} server exited at start:\n{self.log_tail()}")
                try:
                    if client.get(ready_path).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"{self.name} server not ready within {timeout}s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float | None:
        """User + system CPU seconds of the server process so far (Linux /proc), else None."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def run_load(cfg: BenchConfig, server: ServerProcess, **spec: Any) -> dict[str, Any]:
    """One figure from the shared load generator, run as its own process."""
    full = {
        "host": "127.0.0.1",
        "port": server.port,
        "seconds": cfg.seconds,
        "warmup": cfg.warmup,
        "concurrency": cfg.concurrency,
        "headers": {},
        "body": None,
        "expect": [200],
        **spec,
    }
    cpu_before, wall_before = server.cpu_seconds(), time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(full)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=cfg.seconds + cfg.warmup + 60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    cpu_after, wall_after = server.cpu_seconds(), time.monotonic()
    #: Server CPU per wall second over the generator's whole life (warm-up included): near
    #: 1.0 means the one server process was busy all the time; far below with a low
    #: throughput means it was waiting (locks, sleeps, I/O).
    result["server_cpu"] = (
        (cpu_after - cpu_before) / (wall_after - wall_before)
        if cpu_before is not None and cpu_after is not None
        else None
    )
    bad = result["unexpected_status"] + result["connection_errors"]
    if bad:
        say(f"  warning: {bad} failed requests {result['statuses']} {result['first_error'] or ''}")
    if result["client_cpu"] > 0.9:
        say(
            f"  warning: load generator used {result['client_cpu']:.0%} of a core: may be the limit"
        )
    lat = result["latency_ms"]
    say(
        f"  {result['rps']:.0f} req/s, p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms "
        f"(client cpu {result['client_cpu']:.0%}, server cpu {result['server_cpu'] or 0:.0%})"
    )
    return result


# --- the suite and its databases ---------------------------------------------------------


def suite_config(db_dir: Path, nats_url: str, port: int, log_level: str) -> dict[str, Any]:
    from services.suite import SERVICES

    return {
        name: {
            "database_url": f"sqlite+aiosqlite:///{db_dir / (name + '.db')}",
            "nats_url": nats_url,
            "jwks_url": f"http://127.0.0.1:{port}/registry/.well-known/jwks.json",
            "log_level": log_level,
            "log_json": True,
        }
        for name in SERVICES
    }


def migrate_all(config: dict[str, Any]) -> None:
    from services.suite import migrations_dir
    from shared.db import migrate_url

    for name, settings in config.items():
        migrate_url(settings["database_url"], migrations_dir(name))


def _db_path(config: dict[str, Any], service: str) -> str:
    return str(config[service]["database_url"].split("///", 1)[1])


def _count(path: str, sql: str, *args: Any) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
        return int(conn.execute(sql, args).fetchone()[0])


def backlog(config: dict[str, Any]) -> dict[str, int]:
    """Events the registry has recorded that each service has not handled yet (by its slowest
    consumer of them: the gateway has two, its directory and its event log)."""
    recorded = _count(
        _db_path(config, "registry"), "SELECT count(*) FROM outbox WHERE type = ?", REGISTERED
    )
    slowest = (
        "SELECT coalesce(min(n), 0) FROM"
        " (SELECT count(*) AS n FROM inbox WHERE type = ? GROUP BY consumer)"
    )
    return {
        service: recorded - _count(_db_path(config, service), slowest, REGISTERED)
        for service in CONSUMERS
    }


def wait_drained(config: dict[str, Any], timeout: float = 60.0) -> float:
    """Wait until every consumer has handled every registry event; return the seconds waited."""
    started = time.monotonic()
    while True:
        left = backlog(config)
        if not any(left.values()):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            unpublished = _count(
                _db_path(config, "registry"),
                "SELECT count(*) FROM outbox WHERE published_at IS NULL",
            )
            raise TimeoutError(
                f"consumers did not catch up within {timeout}s: events left {left}; "
                f"registry outbox rows not yet relayed: {unpublished}"
            )
        time.sleep(0.05)


async def bearer_token(config: dict[str, Any], base_url: str, organisation_id: str) -> str:
    """A client for the organisation, made through the registry's own use case, then a token."""
    from services.registry.schemas.organisations import ClientCreate
    from services.registry.service.organisations import create_client
    from shared.db import make_engine, make_session_factory

    engine = make_engine(config["registry"]["database_url"])
    try:
        factory = make_session_factory(engine)
        async with factory() as session, session.begin():
            client, secret = await create_client(
                session, ClientCreate(organisation_id=organisation_id, name="bench", scopes=None)
            )
    finally:
        await engine.dispose()
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        resp = await http.post(
            "/registry/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client.client_id,
                "client_secret": secret,
            },
        )
        resp.raise_for_status()
        return str(resp.json()["access_token"])


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def event_delays(
    cfg: BenchConfig, config: dict[str, Any], base_url: str, nats_url: str, headers: dict[str, str]
) -> dict[str, Any]:
    """Create organisations one at a time; time each until funding's handler has run.

    All instants come from the one machine's clock: the organisation's ``created_at`` (set in
    the creating transaction, just before its commit), JetStream's own timestamp of the
    stored message, the outbox row's ``published_at`` (set after JetStream's ack), and the
    ``updated_at`` that funding's directory handler writes.
    """
    from shared.events.catalog import stream_name

    created: list[tuple[str, datetime]] = []
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
        for i in range(cfg.events):
            resp = await http.post(
                "/registry/v1/organisations",
                json={"name": f"Bench delay klynge {i}", "kind": "cluster_organisation"},
            )
            if resp.status_code != 201:
                raise RuntimeError(f"POST failed: {resp.status_code} {resp.text}")
            org = resp.json()
            created.append((org["id"], _when(org["created_at"])))
            await asyncio.sleep(cfg.event_interval)
        await asyncio.to_thread(wait_drained, config)
        handled: dict[str, datetime] = {}
        for org_id, _ in created:
            resp = await http.get(f"/funding/v1/organisations/{org_id}")
            resp.raise_for_status()
            handled[org_id] = _when(resp.json()["updated_at"])
    stored = await natsrtt.stored_times(nats_url, stream_name("registry"), REGISTERED)
    published: dict[str, datetime] = {}
    with sqlite3.connect(f"file:{_db_path(config, 'registry')}?mode=ro", uri=True) as conn:
        for envelope, published_at in conn.execute(
            "SELECT envelope, published_at FROM outbox WHERE type = ?", (REGISTERED,)
        ):
            if published_at:
                published[json.loads(envelope).get("subject")] = _when(published_at)

    instants = [
        {
            "created": c,
            "stored": stored.get(i),
            "published": published.get(i),
            "handled": handled.get(i),
        }
        for i, c in created
    ]

    def span(start: str, end: str) -> dict[str, float]:
        return summarise(
            [
                (row[end] - row[start]).total_seconds() * 1000  # type: ignore[operator]
                for row in instants
                if row[start] is not None and row[end] is not None
            ]
        )

    return {
        "events": len(created),
        "interval_s": cfg.event_interval,
        "commit_to_handler_ms": span("created", "handled"),
        "commit_to_stored_ms": span("created", "stored"),
        "stored_to_handler_ms": span("stored", "handled"),
        "commit_to_marked_published_ms": span("created", "published"),
    }


# --- matching ------------------------------------------------------------------------------

#: The load rotates through these: each need from a firm in a different part of the country.
MATCH_PATHS = [
    "/referrals/v1/match?" + urlencode({"need": need, "municipality": municipality, "limit": 10})
    for need, municipality in zip(
        matchdata.NEEDS,
        ("0851", "0461", "0101", "0751", "0400", "0259", "0860", "0561"),
        strict=True,
    )
]


def _rss_mb(server: ServerProcess) -> float:
    """Resident memory of the server process (Linux /proc), 0 when unknown."""
    if server.process is None:
        return 0.0
    try:
        for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def first_match(server: ServerProcess, path: str) -> dict[str, Any]:
    """The first match builds the replica's index from the database: timed on its own, so the
    load figure that follows measures the steady state (as after a readiness probe)."""
    before = _rss_mb(server)
    started = time.perf_counter()
    resp = httpx.get(server.base_url + path, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    resp.raise_for_status()
    body = resp.json()
    if not body["items"]:
        raise RuntimeError(f"the match answered no hits: {resp.text[:500]}")
    return {
        "ms": elapsed,
        "offers": body["index"]["offers"],
        "rss_growth_mb": _rss_mb(server) - before,
        "top": {k: body["items"][0][k] for k in ("name", "score", "nearness")},
    }


# --- the run -----------------------------------------------------------------------------


def main() -> None:
    from shared.natsserver import NatsServer, free_port

    cfg = BenchConfig.from_env()
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="kf-bench-"))
    say(f"work dir {work}; config {asdict(cfg)}")
    results: dict[str, Any] = {"config": asdict(cfg)}
    cleanups: list[Callable[[], None]] = []
    try:
        nats_server = NatsServer(
            work / "nats", sync_always=cfg.nats_sync, log_file=work / "nats-server.log"
        ).start()
        cleanups.append(nats_server.stop)

        say("H0: bare FastAPI hello world")
        hello_port = free_port()
        hello = ServerProcess("hello", ["hello", str(hello_port)], hello_port, work)
        cleanups.append(hello.stop)
        hello.start(HELLO_PATH)
        results["h0"] = run_load(cfg, hello, method="GET", path=HELLO_PATH)
        hello.stop()

        say("suite: migrating databases, starting the five services")
        port = free_port()
        config = suite_config(work / "db", nats_server.url, port, cfg.log_level)
        (work / "db").mkdir()
        migrate_all(config)
        say(f"match: {cfg.match_services:,} synthetic services into the referrals database")
        filled = time.monotonic()
        results["match_data"] = matchdata.fill(_db_path(config, "referrals"), cfg.match_services)
        results["match_data"]["fill_s"] = time.monotonic() - filled
        say(f"  written in {results['match_data']['fill_s']:.1f}s")
        config_file = work / "suite.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        suite = ServerProcess("suite", ["suite", str(port), str(config_file)], port, work)
        cleanups.append(suite.stop)
        started = time.monotonic()
        suite.start("/registry/readyz")
        results["suite_start_s"] = time.monotonic() - started
        results["reference_drain_s"] = wait_drained(config)
        say(
            f"  ready in {results['suite_start_s']:.1f}s, reference events handled everywhere "
            f"{results['reference_drain_s']:.1f}s later"
        )

        token = asyncio.run(bearer_token(config, suite.base_url, "fivu-rti"))
        auth = {"Authorization": f"Bearer {token}"}
        one = httpx.post(
            f"{suite.base_url}/registry/v1/organisations",
            json={"name": "Bench read target", "kind": "cluster_organisation"},
            headers=auth,
        )
        one.raise_for_status()
        org_id = one.json()["id"]

        say("GET /registry/healthz (the suite's middleware stack, no database)")
        results["healthz"] = run_load(cfg, suite, method="GET", path="/registry/healthz")

        say("GET one organisation")
        results["get_org"] = run_load(
            cfg, suite, method="GET", path=f"/registry/v1/organisations/{org_id}"
        )

        say(f"GET /referrals/v1/match with {cfg.match_services:,} services")
        results["match_first"] = first_match(suite, MATCH_PATHS[0])
        say(
            f"  first match (builds the index) {results['match_first']['ms']:.0f} ms, "
            f"{results['match_first']['offers']:,} offers indexed, server memory "
            f"+{results['match_first']['rss_growth_mb']:.0f} MB"
        )
        results["match"] = run_load(
            cfg, suite, method="GET", path="/referrals/v1/match", paths=MATCH_PATHS
        )

        say("POST organisations (row + outbox event each)")
        results["post_org"] = run_load(
            cfg,
            suite,
            method="POST",
            path="/registry/v1/organisations",
            headers={**auth, "Content-Type": "application/json"},
            body=json.dumps({"name": "Bench klynge __N__", "kind": "cluster_organisation"}),
            unique_prefix="load-",
            expect=[201],
        )
        left = backlog(config)
        drain = wait_drained(config, timeout=120)
        results["post_backlog"] = {"events_left": left, "drain_s": drain}
        say(f"  consumers' backlog when the load stopped {left}, drained in {drain:.1f}s")

        say(f"event delay: {cfg.events} organisations, one every {cfg.event_interval}s")
        results["delay"] = asyncio.run(
            event_delays(cfg, config, suite.base_url, nats_server.url, auth)
        )
        d = results["delay"]["commit_to_handler_ms"]
        say(f"  commit→handler p50 {d['p50']:.1f} ms, p99 {d['p99']:.1f} ms")

        say(f"raw NATS round trips ({cfg.nats_rounds} each)")
        results["nats"] = asyncio.run(natsrtt.measure(nats_server.url, cfg.nats_rounds))
        suite.stop()

        say(f"annual account: {account.CLUSTERS:,} clusters × {account.YEARS} years × 40 codes")
        results["account"] = account.measure(work)
        a = results["account"]
        say(f"  ten accounts {a['accounts_s']:.1f}s, plain scan {a['scan_s']:.1f}s")
    except BaseException:
        for name in ("suite", "hello"):
            log = work / f"{name}.log"
            if log.exists() and log.stat().st_size:
                say(f"--- last lines of {name}.log ---")
                print(
                    "\n".join(log.read_text(errors="replace").splitlines()[-30:]), file=sys.stderr
                )
        raise
    finally:
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as exc:
                say(f"cleanup failed: {exc!r}")
        if cfg.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    results["total_s"] = time.monotonic() - began
    results["environment"] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    rows = build_rows(results)
    results["table"] = rows
    print_table(rows)
    write_json(results, Path(cfg.output))
    print(f"\nresults: {cfg.output}   total run time: {results['total_s']:.1f}s")
