"""Evaluation's migration 0003 (issue 12) upgrades a database at the previous head (0002) with
rows in it without losing them: every cluster starts its league history with its current
league, every flag is open, the responsibility is empty until the registry says it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

import services.evaluation as package
from shared.db import make_engine, migrate

MIGRATIONS = Path(package.__file__).resolve().parent / "migrations"


async def _upgrade(engine: Any, revision: str) -> None:
    await migrate(engine, MIGRATIONS, revision)


ROWS = {
    "eval_clusters": [
        "('cl-a', 'Alfa', 'cluster', 'national', 'active', '0561', '1083', '[]', '[]', NULL, "
        "NULL, NULL, '2020-05-01 10:00:00', '2024-01-01 10:00:00')",
        "('cl-b', 'Beta', 'cluster', 'emerging', 'active', '0751', '1082', '[]', '[]', 'gold', "
        "'2027-01-01', NULL, '2023-02-01 10:00:00', '2023-02-01 10:00:00')",
    ],
    "flags": [
        "('flg-1', 'cl-a', 'no_longer_relevant', 'marked', '{\"mark_id\": \"rlv-1\"}', NULL, "
        "'2024-03-01 10:00:00')"
    ],
    "relevance_marks": [
        "('rlv-1', 'cl-a', 'fivu-rti', 'no longer relevant', '2024-03-01 10:00:00', NULL)"
    ],
    "accounts": ["(2023, 'published', '2024-03-02 10:00:00', 'fivu-rti', '{}', 1)"],
    "member_snapshots": ["('cl-a', 2023, 12, '{\"firm\": 10}', 4, 0, '2023-06-01 10:00:00')"],
}


async def test_0003_keeps_the_rows_of_0002(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'evaluation.db'}")
    try:
        await _upgrade(engine, "0002")
        async with engine.begin() as conn:
            for table, rows in ROWS.items():
                for row in rows:
                    await conn.execute(text(f"INSERT INTO {table} VALUES {row}"))
        await _upgrade(engine, "head")
        async with engine.connect() as conn:
            for table, rows in ROWS.items():
                count = (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                assert count == len(rows), table
            clusters = (
                await conn.execute(
                    text(
                        "SELECT id, name, league, label_level, responsibility_primary, "
                        "responsibility_also, responsibility_rule FROM eval_clusters ORDER BY id"
                    )
                )
            ).all()
            assert [tuple(c) for c in clusters] == [
                ("cl-a", "Alfa", "national", None, "[]", "[]", None),
                ("cl-b", "Beta", "emerging", "gold", "[]", "[]", None),
            ]
            history = (
                await conn.execute(
                    text("SELECT cluster_id, valid_from, league FROM league_history ORDER BY 1")
                )
            ).all()
            assert [tuple(h) for h in history] == [
                ("cl-a", "2020-05-01 10:00:00", "national"),
                ("cl-b", "2023-02-01 10:00:00", "emerging"),
            ]
            flag = (
                await conn.execute(text("SELECT id, state, lifted_at, evidence FROM flags"))
            ).one()
            assert tuple(flag) == ("flg-1", "open", None, '{"mark_id": "rlv-1"}')
            account = (await conn.execute(text("SELECT year, state FROM accounts"))).one()
            assert tuple(account) == (2023, "published")
    finally:
        await engine.dispose()
