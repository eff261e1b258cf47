"""Every row of evaluation's authorisation table (``authority_matrix``) through the HTTP API:
each write endpoint × organisation kind × own/other resource gets its expected status; a 403
names the scope it lacks or the rule and who may act."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from services.evaluation.models import Evaluation
from shared.kinds import ORG_KINDS
from tests.conftest import Suite, eventually
from tests.evaluation.authority_matrix import (
    CALLERS,
    COMPLETE,
    EMPLOYMENT,
    MARK,
    MATRIX,
    PUBLISH,
    REPORT,
    WITHDRAW,
    Row,
)
from tests.evaluation.helpers import (
    award_grant,
    cvr,
    db_rows,
    programme,
    register_cluster,
    set_today,
)

PROBLEM = "application/problem+json"
CSV = (
    "region_code,region_name,category,year,employees,source\n"
    "1081,Region Nordjylland,TOTAL,2022,283200,test\n"
)


def test_the_table_covers_every_kind_and_endpoint() -> None:
    kinds = {r.kind for r in MATRIX}
    assert kinds == {*ORG_KINDS, "anonymous"}
    for path in {r.path for r in MATRIX}:
        covered = {r.kind for r in MATRIX if r.path == path}
        assert covered == kinds, path
    assert Row("POST", PUBLISH, "ministry", "own", 200) in MATRIX


async def _organisation(suite: Suite, kind: str) -> str:
    r = await suite.http.post(
        "/registry/v1/organisations",
        json={"name": f"Test {kind}", "kind": kind, "cvr": cvr(), "municipality_code": "0851"},
        headers=await suite.auth("klyngeforum"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _mark(suite: Suite, cluster: str, party: str) -> str:
    r = await suite.http.post(
        f"/evaluation/v1/clusters/{cluster}/relevance",
        json={"reason": "Feltet dækkes nu af en anden klynge"},
        headers=await suite.auth(party),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_every_row_of_the_authorisation_table(suite: Suite) -> None:
    set_today(suite, date(2026, 12, 3))
    cluster = await register_cluster(suite, "Matrixklyngen")
    other_cluster = await register_cluster(suite, "Naboklyngen")
    marked = await register_cluster(suite, "Markeret Klynge")
    prog = await programme(suite)
    await award_grant(suite, cluster, prog, starts_on="2026-01-01", ends_on="2027-12-31")
    await award_grant(suite, marked, prog, starts_on="2026-01-01", ends_on="2027-12-31")

    async def scheduled() -> list[Evaluation]:
        return await db_rows(
            suite,
            select(Evaluation).where(
                Evaluation.cluster_id == cluster, Evaluation.kind == "mid_term"
            ),
        )

    [evaluation] = await eventually(scheduled)
    marks = {
        party: await _mark(suite, marked, party) for party in ("fivu-rti", "vaekstforum-syddanmark")
    }
    registered = {
        kind: await _organisation(suite, kind) for (kind, _), org in CALLERS.items() if org is None
    }
    ids = {"{cluster}": cluster, "{other_cluster}": other_cluster}

    def caller(row: Row) -> str:
        org = CALLERS.get((row.kind, row.relation)) or registered.get(row.kind)
        assert org is not None, row
        return ids.get(org, org)

    def path(row: Row, org: str) -> str:
        mark = marks.get(org) if row.relation == "own" else None
        mark = (
            mark
            or marks["vaekstforum-syddanmark" if org != "vaekstforum-syddanmark" else "fivu-rti"]
        )
        return row.path.format(
            cluster=cluster, year=2025, marked=marked, mark=mark, evaluation=evaluation.id
        )

    # refusals first within each endpoint, so a success does not change what a refusal meets
    order = {p: i for i, p in enumerate(dict.fromkeys(r.path for r in MATRIX))}
    rows = sorted(MATRIX, key=lambda r: (order[r.path], r.status < 300))
    failures = []
    for row in rows:
        headers: dict[str, str] = {}
        org = "-"
        if row.kind != "anonymous":
            org = caller(row)
            headers = await suite.auth(org)
        url = path(row, org)
        kwargs: dict[str, Any] = {}
        if row.path == REPORT:
            kwargs["json"] = {"values": {"collaboration_projects": 3}}
        elif row.path == MARK:
            kwargs["json"] = {"reason": "Feltet dækkes nu af en anden klynge"}
        elif row.path == COMPLETE:
            etag = (await suite.http.get(f"/evaluation/v1/evaluations/{evaluation.id}")).headers[
                "etag"
            ]
            headers = headers | {"If-Match": etag}
            kwargs["json"] = {
                "conclusions": "Indsatsen virker efter hensigten.",
                "recommendation": "continue",
            }
        elif row.path == EMPLOYMENT:
            headers = headers | {"Content-Type": "text/csv"}
            kwargs["content"] = CSV
        r = await suite.http.request(row.method, url, headers=headers, **kwargs)
        if r.status_code != row.status:
            failures.append(f"{row} as {org}: {r.status_code} {r.text[:200]}")
            continue
        if row.status in (401, 403):
            assert r.headers["content-type"].startswith(PROBLEM), row
            body = r.json()
            if row.status == 403:
                assert "required_scope" in body or (body.get("rule") and body.get("may_act")), (
                    row,
                    body,
                )
    assert not failures, "\n".join(failures)
    assert WITHDRAW in {r.path for r in MATRIX}
