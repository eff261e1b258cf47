"""pytest fixtures every test suite of the project uses.

- ``nats_server``: a real nats-server with JetStream on a free port, store in a temp dir.
- ``backend``: "sqlite", and "postgresql" when ``TEST_POSTGRES_URL`` is set (else skipped,
  and the report header says the PostgreSQL leg did not run).
- ``make_database``: ``await make_database(migrations_dir)`` gives the URL of a fresh
  database of that backend, built by running the service's Alembic migrations. On
  PostgreSQL a template is migrated once per service and session, and each test gets a copy.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shared.db import make_engine, migrate
from shared.natsserver import NatsServer

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")


def pytest_report_header(config: pytest.Config) -> list[str]:
    if POSTGRES_URL:
        return [f"databases: SQLite and PostgreSQL ({POSTGRES_URL.rsplit('@', 1)[-1]})"]
    return ["databases: SQLite only - TEST_POSTGRES_URL is not set, PostgreSQL tests are skipped"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if POSTGRES_URL:
        terminalreporter.write_line("PostgreSQL leg: ran against TEST_POSTGRES_URL")
    else:
        terminalreporter.write_line(
            "PostgreSQL leg: skipped (TEST_POSTGRES_URL not set) - SQLite only"
        )


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats", sync_always=False).start()
    try:
        yield server
    finally:
        server.kill()  # its store is thrown away; a graceful stop costs ~0.2 s a test


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL leg: TEST_POSTGRES_URL is not set")
    return str(request.param)


def _asyncpg_url(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"TEST_POSTGRES_URL must be a postgresql:// URL, not {url!r}")


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


_templates: dict[str, str] = {}
_sqlite_templates: dict[str, Path] = {}


async def _sqlite_template(migrations_dir: Path) -> Path:
    """The service's database, migrated once per test process by the real migrations; each
    test gets a copy of the file (as PostgreSQL gets a copy of a template database)."""
    key = str(migrations_dir)
    if key not in _sqlite_templates:
        folder = Path(tempfile.mkdtemp(prefix="kf-sqlite-templates-"))
        path = folder / (migrations_dir.parent.name + ".db")
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate(engine, migrations_dir)
        finally:
            await engine.dispose()  # the last connection closing folds the WAL into the file
        if os.path.exists(f"{path}-wal"):  # noqa: ASYNC240 - once per process, at setup
            raise RuntimeError(f"{path}: the write-ahead log was not folded in; cannot copy it")
        _sqlite_templates[key] = path
    return _sqlite_templates[key]


async def _admin_execute(sql: str) -> None:
    conn = await _connect(None)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


#: Databases handed back after a test, emptied and ready for the next test of this process
#: (service -> names). Creating a database from a template is cheap, but dropping one makes
#: PostgreSQL checkpoint: a thousand drops cost minutes of the run, so each process keeps a few
#: databases per service and empties them between tests instead.
_pg_free: dict[str, list[str]] = {}
#: Every database this process created (all dropped at the end of the session).
_created_pg: list[str] = []
#: What a migrated template holds: its tables and Alembic version, per service.
_template_shape: dict[str, tuple[frozenset[str], str]] = {}


async def _shape(conn: Any) -> tuple[frozenset[str], str]:
    tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    version = await conn.fetchval("SELECT version_num FROM alembic_version")
    return frozenset(str(r[0]) for r in tables), str(version)


async def _postgres_database(migrations_dir: Path) -> str:
    """A migrated database of the service, empty: one handed back by an earlier test of this
    process, or a fresh copy of the service's template."""
    key = str(migrations_dir)
    service = migrations_dir.parent.name
    if _pg_free.get(service):
        return _with_database(_asyncpg_url(POSTGRES_URL), _pg_free[service].pop())
    run_id = os.environ.setdefault("KF_TEST_RUN", uuid.uuid4().hex[:8])
    if key not in _templates:
        template = f"kf_tpl_{service}_{run_id}_{os.getpid()}"
        await _admin_execute(f'DROP DATABASE IF EXISTS "{template}"')
        await _admin_execute(f'CREATE DATABASE "{template}"')
        engine = make_engine(_with_database(_asyncpg_url(POSTGRES_URL), template), null_pool=True)
        try:
            await migrate(engine, migrations_dir)
        finally:
            await engine.dispose()
        conn = await _connect(template)
        try:
            _template_shape[service] = await _shape(conn)
        finally:
            await conn.close()
        _templates[key] = template
    name = f"kf_{service}_{run_id}_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{_templates[key]}"')
    _created_pg.append(name)
    return _with_database(_asyncpg_url(POSTGRES_URL), name)


async def _connect(database: str | None) -> Any:
    """A plain asyncpg connection to ``database`` (None: the one ``TEST_POSTGRES_URL`` names)."""
    import asyncpg

    raw = _asyncpg_url(POSTGRES_URL).replace("postgresql+asyncpg://", "postgresql://")
    return await asyncpg.connect(raw if database is None else _with_database(raw, database))


async def _empty_postgres_database(service: str, name: str) -> bool:
    """Empty a database a test is done with, so another test of this process can take it:
    end its connections, delete every row but the Alembic version, restart its sequences.
    False (the database is not reused) when it no longer has the template's shape (a test
    migrated it) or cannot be emptied."""
    try:
        await _admin_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        conn = await _connect(name)
    except Exception:
        return False
    try:
        tables, version = await _shape(conn)
        if (tables, version) != _template_shape.get(service):
            return False
        sequences = await conn.fetch(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        )
        statements = [
            "SET LOCAL lock_timeout = '5s'",
            "SET LOCAL session_replication_role = replica",
        ]
        statements += [f'DELETE FROM "{t}"' for t in sorted(tables) if t != "alembic_version"]
        statements += [f'ALTER SEQUENCE "{r[0]}" RESTART' for r in sequences]
        async with conn.transaction():
            await conn.execute(";\n".join(statements))
        return True
    except Exception:
        return False
    finally:
        await conn.close()


def _hand_back(databases: list[tuple[str, str]]) -> None:
    """Empty the databases a test used and put them back for the next test (in a thread of
    its own: the test's event loop is closed or closing by now)."""

    async def empty_all() -> list[bool]:
        return list(await asyncio.gather(*(_empty_postgres_database(s, n) for s, n in databases)))

    with ThreadPoolExecutor(max_workers=1) as pool:
        emptied = pool.submit(asyncio.run, empty_all()).result()
    for (service, name), ok in zip(databases, emptied, strict=True):
        if ok:
            _pg_free.setdefault(service, []).append(name)


def _drop_postgres_databases(names: list[str]) -> None:
    async def drop() -> None:
        for name in names:
            try:
                await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception:
                pass

    asyncio.run(drop())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if POSTGRES_URL and (_created_pg or _templates):
        _drop_postgres_databases(_created_pg + list(_templates.values()))
    for template in _sqlite_templates.values():
        shutil.rmtree(template.parent, ignore_errors=True)


MakeDatabase = Callable[[Path], Awaitable[str]]


@pytest.fixture
def make_database(backend: str, tmp_path: Path) -> Iterator[MakeDatabase]:
    used_pg: list[tuple[str, str]] = []

    async def make(migrations_dir: Path) -> str:
        if backend == "postgresql":
            url = await _postgres_database(migrations_dir)
            used_pg.append((migrations_dir.parent.name, url.rsplit("/", 1)[-1]))
            return url
        name = migrations_dir.parent.name
        path = tmp_path / "db" / (name + ".db")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(await _sqlite_template(migrations_dir), path)
        return f"sqlite+aiosqlite:///{path}"

    yield make
    if used_pg:
        _hand_back(used_pg)
