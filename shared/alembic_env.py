"""The body of every service's Alembic ``env.py``.

Migrations run on a connection handed in by ``shared.db.migrate`` (the usual way: tests and
the embedded runner), or, from the ``alembic`` command line, on the service's own database URL.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import MetaData

from shared.db import make_engine


def run(metadata: MetaData, database_url: str) -> None:
    config = context.config

    def do_run(connection: Any) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    connection = config.attributes.get("connection")
    if connection is not None:
        do_run(connection)
        return

    async def online() -> None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or database_url)
        async with engine.begin() as conn:
            await conn.run_sync(do_run)
        await engine.dispose()

    asyncio.run(online())
