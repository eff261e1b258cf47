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
from pathlib import Path

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
        server.stop()


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
    import asyncpg

    raw = _asyncpg_url(POSTGRES_URL).replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(raw)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _postgres_database(migrations_dir: Path) -> str:
    """A fresh copy of the service's migrated template database."""
    key = str(migrations_dir)
    service = migrations_dir.parent.name
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
        _templates[key] = template
    name = f"kf_{service}_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{_templates[key]}"')
    return _with_database(_asyncpg_url(POSTGRES_URL), name)


def _drop_postgres_databases(names: list[str]) -> None:
    async def drop() -> None:
        for name in names:
            try:
                await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception:
                pass

    asyncio.run(drop())


_created_pg: list[str] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if POSTGRES_URL and (_created_pg or _templates):
        _drop_postgres_databases(_created_pg + list(_templates.values()))
    for template in _sqlite_templates.values():
        shutil.rmtree(template.parent, ignore_errors=True)


MakeDatabase = Callable[[Path], Awaitable[str]]


@pytest.fixture
def make_database(backend: str, tmp_path: Path) -> MakeDatabase:
    async def make(migrations_dir: Path) -> str:
        if backend == "postgresql":
            url = await _postgres_database(migrations_dir)
            _created_pg.append(url.rsplit("/", 1)[-1])
            return url
        name = migrations_dir.parent.name
        path = tmp_path / "db" / (name + ".db")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(await _sqlite_template(migrations_dir), path)
        return f"sqlite+aiosqlite:///{path}"

    return make
