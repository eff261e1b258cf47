"""Helpers for the tests of evaluations, sweeps, labels and strongholds: rows put straight into
the evaluation service's database (as its consumers would), the clock, the outbox, the jobs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from services.evaluation.models import EvalCluster, Evaluation, LeagueHistory
from tests.conftest import Suite, outbox_envelopes

API = "/evaluation/v1"
ADMIN = "klyngeforum"  # the forum secretariat (scope admin)
_ids = count(1)


def set_today(suite: Suite, today: date) -> None:
    suite.apps["evaluation"].state.clock = lambda: today


async def add_evaluation(suite: Suite, **values: Any) -> str:
    """An evaluation row as the grant consumer would schedule it (defaults: FIVU/RTI's grant)."""
    n = next(_ids)
    row = {
        "id": f"evl-test-{n:04d}",
        "grant_id": f"gr-test-{n:04d}",
        "cluster_id": "cl-test",
        "funder_id": "fivu-rti",
        "kind": "mid_term",
        "due_on": date(2025, 6, 30),
        "state": "scheduled",
        "created_at": datetime.now(UTC),
        "version": 1,
    } | values
    app = suite.apps["evaluation"]
    async with app.state.session_factory() as session, session.begin():
        session.add(Evaluation(**row))
    return str(row["id"])


async def add_cluster(suite: Suite, cluster_id: str, **values: Any) -> str:
    """A cluster in the evaluation read model as the registry consumer would keep it, with its
    league history (registered in 2015 unless ``registered_at`` says otherwise, so past years'
    accounts hold it)."""
    now = datetime.now(UTC)
    row = {
        "id": cluster_id,
        "name": f"Klynge {cluster_id}",
        "cluster_kind": "cluster",
        "league": "national",
        "status": "active",
        "home_municipality_code": "0851",
        "home_region_code": "1081",
        "fields": ["energy"],
        "functions": [],
        "registered_at": datetime(2015, 1, 1, tzinfo=UTC),
        "updated_at": now,
    } | values
    app = suite.apps["evaluation"]
    async with app.state.session_factory() as session, session.begin():
        session.add(EvalCluster(**row))
        session.add(
            LeagueHistory(
                cluster_id=cluster_id, valid_from=row["registered_at"], league=row["league"]
            )
        )
    return cluster_id


async def update_cluster(suite: Suite, cluster_id: str, **values: Any) -> None:
    app = suite.apps["evaluation"]
    async with app.state.session_factory() as session, session.begin():
        cluster = await session.get(EvalCluster, cluster_id)
        assert cluster is not None
        for k, v in values.items():
            setattr(cluster, k, v)


async def evaluation_row(suite: Suite, evaluation_id: str) -> Evaluation:
    app = suite.apps["evaluation"]
    async with app.state.session_factory() as session:
        row = await session.get(Evaluation, evaluation_id)
        assert row is not None
        return row


async def outbox(suite: Suite, type_: str | None = None) -> list[dict[str, Any]]:
    """Envelopes in the evaluation outbox, oldest first (optionally of one type)."""
    return await outbox_envelopes(suite, "evaluation", type_)


async def run_job(suite: Suite, job: str) -> dict[str, Any]:
    r = await suite.http.post(f"{API}/jobs/{job}/run", headers=await suite.auth(ADMIN))
    assert r.status_code == 200, r.text
    return dict(r.json())
