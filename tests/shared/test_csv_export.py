"""Spreadsheet-safe CSV (``shared.csv_export``): OWASP's formula starts are neutralised."""

from __future__ import annotations

import csv
import io

from shared.csv_export import FORMULA_STARTS, SafeCsv, neutralised


def test_every_formula_start_is_neutralised_and_numbers_stay_numbers() -> None:
    for start in FORMULA_STARTS:
        assert neutralised(f"{start}1+1") == f"'{start}1+1"
    assert neutralised("Klynge A/S") == "Klynge A/S"
    assert neutralised(-3) == -3 and neutralised(2.5) == 2.5 and neutralised(None) is None
    text = SafeCsv().text([["navn", "værdi"], ["@SUM(A1:A9)", -3], ["ok", 1.5]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["navn", "værdi"],
        ["'@SUM(A1:A9)", "-3"],
        ["ok", "1.5"],
    ]
    assert text.endswith("\r\n")
