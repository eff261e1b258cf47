"""Which money, when (for the dashboard): grants spread over calendar years by days
(``shared.money``, the same split as the annual account's). Pure.

No § of its own: it shows the money the §3 coordination and the §4.3 phase-down are about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.money import split_by_year


@dataclass(frozen=True)
class Money:
    """One grant's money: who pays whom, how much, over which days."""

    grant_id: str
    funder_id: str
    cluster_id: str
    kind: str
    amount_dkk: int
    starts_on: date
    ends_on: date
    terminated_on: date | None = None


def timeline(grants: Iterable[Money]) -> list[dict[str, Any]]:
    """[{year, total_dkk, base_dkk, project_dkk, grants: [{grant_id, funder_id, cluster_id,
    kind, amount_dkk}]}], oldest year first."""
    years: dict[int, list[dict[str, Any]]] = {}
    for m in sorted(grants, key=lambda g: g.grant_id):
        for year, amount in split_by_year(
            m.amount_dkk, m.starts_on, m.ends_on, until=m.terminated_on
        ).items():
            years.setdefault(year, []).append(
                {
                    "grant_id": m.grant_id,
                    "funder_id": m.funder_id,
                    "cluster_id": m.cluster_id,
                    "kind": m.kind,
                    "amount_dkk": amount,
                }
            )
    return [
        {
            "year": year,
            "total_dkk": sum(r["amount_dkk"] for r in rows),
            "base_dkk": sum(r["amount_dkk"] for r in rows if r["kind"] == "base"),
            "project_dkk": sum(r["amount_dkk"] for r in rows if r["kind"] == "project"),
            "grants": rows,
        }
        for year, rows in sorted(years.items())
    ]
