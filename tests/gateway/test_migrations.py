"""Issue 14: a gateway database at the previous head (0002) with a failing and a disabled
webhook subscription upgrades without losing them; neither has a run of failures yet
(``failing_since``), the disabled one keeps its reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from services.suite import migrations_dir
from shared.db import make_engine, migrate

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


async def _upgrade(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine, migrations_dir("gateway"), revision)
    finally:
        await engine.dispose()


def _subscription(id_: str, enabled: bool, failures: int, reason: str | None) -> dict[str, Any]:
    return {
        "id": id_,
        "organisation_id": "kl",
        "url": "https://hooks.example.dk/in",
        "patterns": ["funding.*"],
        "secret": "whsec_x",
        "enabled": enabled,
        "disabled_reason": reason,
        "disabled_at": None if enabled else NOW,
        "consecutive_failures": failures,
        "cursor": 7,
        "created_at": NOW,
        "updated_at": NOW,
        "version": 2,
    }


async def test_subscriptions_survive_the_upgrade_without_a_run_of_failures(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await _upgrade(url, "0002")
    engine = make_engine(url)
    meta = sa.MetaData()
    try:
        async with engine.begin() as conn:
            await conn.run_sync(meta.reflect)
            await conn.execute(
                meta.tables["webhook_subscriptions"].insert(),
                [
                    _subscription("whk-failing", True, 3, None),
                    _subscription("whk-off", False, 5, "5 failed deliveries in a row"),
                ],
            )
        await engine.dispose()
        await _upgrade(url, "head")
        async with engine.connect() as conn:
            rows = (
                (await conn.execute(sa.text("SELECT * FROM webhook_subscriptions ORDER BY id")))
                .mappings()
                .all()
            )
            version = (
                await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            ).scalar()
    finally:
        await engine.dispose()
    assert version == "0003"
    failing, off = rows
    assert failing["id"] == "whk-failing" and failing["consecutive_failures"] == 3
    assert failing["failing_since"] is None and failing["enabled"]
    assert off["id"] == "whk-off" and not off["enabled"] and off["failing_since"] is None
    assert off["disabled_reason"] == "5 failed deliveries in a row" and off["cursor"] == 7
