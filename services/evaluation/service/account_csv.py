"""The joint annual performance account as CSV (``GET /evaluation/v1/accounts/{year}.csv``):
one line per cluster × indicator; a missing value is an empty cell, never 0."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.evaluation.schemas.accounts import AccountView
from shared.csv_export import SafeCsv

CSV_COLUMNS = (
    "cluster_id",
    "cluster",
    "league",
    "indicator",
    "value",
    "percentile",
    "change",
    "change_relative",
)


def _cell(value: Any) -> Any:
    if value is None:
        return ""  # missing stays missing: an empty cell, never 0
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 6)
    return value


def account_csv_rows(view: AccountView) -> Iterator[str]:
    """One CSV line per cluster × indicator (header first); missing values are empty cells."""
    line = SafeCsv().line  # a cluster's name may look like a formula: neutralised

    yield line(CSV_COLUMNS)
    codes = [i.code for i in view.indicators]
    for c in view.clusters:
        for code in codes:
            cell = c.values.get(code)
            yield line(
                (
                    c.cluster_id,
                    c.name,
                    c.league,
                    code,
                    _cell(cell.value if cell else None),
                    _cell(cell.percentile if cell else None),
                    _cell(cell.change if cell else None),
                    _cell(cell.change_relative if cell else None),
                )
            )
