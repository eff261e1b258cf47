"""Which money, when (for the dashboard): grants spread over calendar years by days. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Money:
    grant_id: str
    funder_id: str
    cluster_id: str
    kind: str
    amount_dkk: int
    starts_on: date
    ends_on: date
    terminated_on: date | None = None


def per_year(m: Money) -> dict[int, int]:
    """The grant's amount over its planned days; a terminated grant stops on that day."""
    total_days = (m.ends_on - m.starts_on).days + 1
    last = min(m.ends_on, m.terminated_on) if m.terminated_on else m.ends_on
    out: dict[int, int] = {}
    for year in range(m.starts_on.year, last.year + 1):
        start, end = max(m.starts_on, date(year, 1, 1)), min(last, date(year, 12, 31))
        out[year] = round(m.amount_dkk * ((end - start).days + 1) / total_days)
    return out


def timeline(grants: Iterable[Money]) -> list[dict[str, Any]]:
    """[{year, total_dkk, base_dkk, project_dkk, grants: [{grant_id, funder_id, cluster_id,
    kind, amount_dkk}]}], oldest year first."""
    years: dict[int, list[dict[str, Any]]] = {}
    for m in sorted(grants, key=lambda g: g.grant_id):
        for year, amount in per_year(m).items():
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
