"""Database plumbing shared by every service.

One transaction per request, committed at the edge (``session_dependency``); services never
commit themselves. SQLite runs in WAL mode with foreign keys on, so the embedded mode behaves
like PostgreSQL where it matters.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import MetaData, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_base() -> type[DeclarativeBase]:
    """A declarative base with its own metadata (one database per service)."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    return Base


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(url):
        if ":memory:" in url:
            raise ValueError("use a file database; :memory: is not shared between connections")
        path = url.split("///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection per process: SQLite has one writer at a time anyway, and queueing in
        # the pool (in order) beats many connections sleeping in SQLite's busy handler, whose
        # growing back-off gave p99 latencies of seconds under load (bench/README.md).
        kwargs.setdefault("poolclass", AsyncAdaptedQueuePool)
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.pop("null_pool", None)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # aiosqlite + SQLAlchemy: let SQLite's own BEGIN decide; serialise writers via IMMEDIATE.
        event.listen(
            engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE")
        )
        _disable_pysqlite_transactions(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if kwargs.pop("null_pool", False):
        kwargs["poolclass"] = NullPool
    return create_async_engine(url, **kwargs)


def _disable_pysqlite_transactions(engine: AsyncEngine) -> None:
    """Let SQLAlchemy emit BEGIN itself (the documented pysqlite recipe)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None


def make_session_factory(engine: AsyncEngine, **info: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, info=dict(info))


async def session_dependency(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: commit if the endpoint returns, roll back if it raises."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def migrate(engine: AsyncEngine, migrations_dir: Path, revision: str = "head") -> None:
    """Run this service's Alembic migrations on ``engine`` up to ``revision`` (head; the
    upgrade tests stop at an older one, write data as it was, then go on)."""
    from alembic import command
    from alembic.config import Config

    def _upgrade(sync_connection: Any) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(migrations_dir))
        cfg.attributes["connection"] = sync_connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


def migrate_url(url: str, migrations_dir: Path) -> None:
    """Blocking helper for command lines: migrate the database at ``url``."""

    async def _run() -> None:
        engine = make_engine(url)
        try:
            await migrate(engine, migrations_dir)
        finally:
            await engine.dispose()

    asyncio.run(_run())
