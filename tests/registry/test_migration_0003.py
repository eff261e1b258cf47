"""Migration 0003 (issue 12) upgrades a registry database at 0002 with rows in it: no row is
lost, an override in force stays in force with its parties' answers recorded as ``migrated``,
a withdrawn one becomes ``withdrawn``, and a label set through the profile becomes a label
record. Then the API shows it, and the computed primary may end the migrated exception."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from services.registry.models import Base
from services.suite import migrations_dir
from shared.db import make_engine

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def _upgrade(url_path: Path, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir("registry")))
    engine = sa.create_engine(f"sqlite:///{url_path}")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def _insert_old_rows(path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{path}")
    md = sa.MetaData()
    md.reflect(engine)
    t = md.tables
    with engine.begin() as conn:
        conn.execute(
            t["organisations"].insert(),
            [
                {"id": i, "name": i, "kind": k, "reference": False, "created_at": T0}
                for i, k in [
                    ("fivu-rti", "ministry"),
                    ("vaekstforum-syddanmark", "growth_forum"),
                    ("kommune-0561", "municipality"),
                    ("klynge-1", "cluster_organisation"),
                ]
            ],
        )
        conn.execute(
            t["clusters"].insert(),
            {
                "id": "klynge-1",
                "cluster_kind": "cluster",
                "league": "national",
                "home_municipality_code": "0561",
                "home_region_code": "1083",
                "functions": [],
                "municipalities_served": [],
                "fields": [],
                "status": "active",
                "label_level": "gold",
                "label_valid_until": date(2030, 1, 1),
                "version": 1,
                "created_at": T0,
                "updated_at": T0,
            },
        )
        base: dict[str, Any] = {
            "cluster_id": "klynge-1",
            "also": ["kommune-0561"],
            "reason": "Aftalt",
            "recorded_by": "vaekstforum-syddanmark",
            "recorded_at": T0,
        }
        conn.execute(
            t["responsibility_overrides"].insert(),
            [
                {
                    **base,
                    "id": "old",
                    "primary": ["vaekstforum-syddanmark"],
                    "withdrawn_at": T0,
                    "withdrawn_by": "vaekstforum-syddanmark",
                },
                {
                    **base,
                    "id": "agreed",
                    "primary": ["vaekstforum-syddanmark", "fivu-rti"],
                    "withdrawn_at": None,
                    "withdrawn_by": None,
                },
            ],
        )
    engine.dispose()


async def test_0003_keeps_every_row_and_the_agreed_exception_in_force(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    _upgrade(path, "0002")
    _insert_old_rows(path)
    _upgrade(path, "head")

    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from organisations")).scalar() == 4
        assert conn.execute(sa.text("select count(*) from clusters")).scalar() == 1
        states = dict(conn.execute(sa.text("select id, state from responsibility_overrides")).all())
        assert states == {"old": "withdrawn", "agreed": "in_force"}
        answers = conn.execute(
            sa.text(
                "select party_id, answer from responsibility_override_answers "
                "where override_id = 'agreed' order by party_id"
            )
        ).all()
        assert answers == [
            ("fivu-rti", "migrated"),
            ("kommune-0561", "migrated"),
            ("vaekstforum-syddanmark", "migrated"),
        ]
        labels = conn.execute(
            sa.text("select cluster_id, level, valid_until, issued_by from cluster_labels")
        ).all()
        assert labels == [("klynge-1", "gold", "2030-01-01", "migrated")]
    # The upgraded schema is the one the models describe.
    md = sa.MetaData()
    md.reflect(engine)
    for name, table in Base.metadata.tables.items():
        assert set(table.columns.keys()) <= set(md.tables[name].columns.keys()), name
    engine.dispose()

    # Through the service: the exception is shown in force, with its migrated confirmations.
    from services.registry.service.responsibility_exceptions import list_exceptions
    from shared.db import make_session_factory

    aengine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with make_session_factory(aengine)() as session:
            items, answers = await list_exceptions(session, "klynge-1")
            assert {(o.id, o.state) for o in items} == {
                ("old", "withdrawn"),
                ("agreed", "in_force"),
            }
            assert {a.answer for a in answers["agreed"]} == {"migrated"}
    finally:
        await aengine.dispose()
