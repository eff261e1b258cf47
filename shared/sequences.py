"""Named counters whose values commit in order.

A reader that keeps "everything up to N" (a match index, an event stream resumed with
``Last-Event-ID``) must never see N+1 committed before N. An autoincrement column does not
promise that under concurrent writers; a counter row does: taking the next value updates
the row, which keeps it locked until the transaction ends, so the next writer waits and
values become visible in order. Writers of one sequence are serialised — fine for the
modest write rates these are used for (directory changes, events arriving at the gateway).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def sequences_table(metadata: MetaData) -> Table:
    return Table(
        "sequences",
        metadata,
        Column("name", String(60), primary_key=True),
        Column("value", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    )


async def next_value(session: AsyncSession, table: Table, name: str) -> int:
    """The next value of sequence ``name`` (1, 2, …), locked until this transaction ends."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(table).values(name=name, value=0).on_conflict_do_nothing())
    result = await session.execute(
        update(table)
        .where(table.c.name == name)
        .values(value=table.c.value + 1)
        .returning(table.c.value)
    )
    return int(result.scalar_one())


async def current_value(session: AsyncSession, table: Table, name: str) -> int:
    """The last value handed out (0 if none yet)."""
    found = (await session.execute(select(table.c.value).where(table.c.name == name))).scalar()
    return int(found or 0)
