"""The joint annual performance account as CSV (``GET /evaluation/v1/accounts/{year}.csv``):
one line per cluster × indicator; a missing value is an empty cell, never 0."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from services.evaluation.schemas.accounts import AccountView

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


def _cell(value: Any) -> str:
    if value is None:
        return ""  # missing stays missing: an empty cell, never 0
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(round(value, 6))
    return str(value)


def account_csv_rows(view: AccountView) -> Iterator[str]:
    """One CSV line per cluster × indicator (header first); missing values are empty cells."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")

    def line(row: Sequence[Any]) -> str:
        buf.seek(0)
        buf.truncate()
        writer.writerow(row)
        return buf.getvalue()

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
