"""Issue 12: a funding database at the previous head (0003) with rows in it upgrades to the
new head without losing them; existing agreements stay in force (confirmations ``migrated``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from services.suite import migrations_dir
from shared.db import make_engine, migrate

NOW = datetime(2025, 5, 1, 12, tzinfo=UTC)


async def _upgrade(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine, migrations_dir("funding"), revision)
    finally:
        await engine.dispose()


async def test_existing_agreements_flags_and_calls_survive_the_upgrade(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'funding.db'}"
    await _upgrade(url, "0003")
    engine = make_engine(url)
    meta = sa.MetaData()
    try:
        async with engine.begin() as conn:
            await conn.run_sync(meta.reflect)
            await conn.execute(
                meta.tables["agreements"].insert(),
                [
                    {
                        "id": "agr-old",
                        "kind": "co_financing",
                        "title": "Gammel aftale",
                        "created_by": "vaekstforum-midtjylland",
                        "cluster_id": "c-1",
                        "parties": [
                            {"party_id": "fivu-rti", "activities": ["matchmaking"]},
                            {"party_id": "vaekstforum-midtjylland", "activities": ["matchmaking"]},
                        ],
                        "party_ids": ["fivu-rti", "vaekstforum-midtjylland"],
                        "concluded_on": date(2015, 1, 1),
                        "created_at": NOW,
                    }
                ],
            )
            await conn.execute(
                meta.tables["funding_cluster_flags"].insert(),
                [
                    {
                        "event_id": "evt-1",
                        "cluster_id": "c-1",
                        "rule": "poor_performance",
                        "reason": "Lav effekt",
                        "evidence": {},
                        "account_year": 2016,
                        "flagged_at": NOW,
                    }
                ],
            )
        await engine.dispose()
        await _upgrade(url, "head")
        async with engine.connect() as conn:
            agreement = (await conn.execute(sa.text("SELECT * FROM agreements"))).mappings().one()
            flag = (
                (await conn.execute(sa.text("SELECT * FROM funding_cluster_flags")))
                .mappings()
                .one()
            )
            version = (
                await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            ).scalar()
    finally:
        await engine.dispose()
    assert version == "0005"
    assert agreement["id"] == "agr-old" and agreement["title"] == "Gammel aftale"
    assert agreement["state"] == "in_force" and agreement["in_force_since"] is not None
    raw = agreement["answers"]
    decoded = json.loads(raw) if isinstance(raw, str) else raw
    assert [(a["party_id"], a["answer"]) for a in decoded] == [
        ("fivu-rti", "migrated"),
        ("vaekstforum-midtjylland", "migrated"),
    ]
    assert flag["event_id"] == "evt-1" and flag["reason"] == "Lav effekt"
    assert flag["flag_id"] is None and flag["lifted_at"] is None
