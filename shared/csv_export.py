"""CSV for spreadsheets, safe to open: cells of text that a spreadsheet would read as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are written with a
leading apostrophe, as OWASP's "CSV Injection" advice says — a cluster names itself, and its
name must not become ``=HYPERLINK(…)`` in an official's spreadsheet. Numbers are numbers:
only text is neutralised, so ``-3`` stays a number. Pure."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

#: What makes a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: Any) -> Any:
    """The cell as a spreadsheet may read it: text starting like a formula gets a ``'``."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class SafeCsv:
    """Writes rows (CRLF line ends, as RFC 4180) with every text cell ``neutralised``."""

    def __init__(self) -> None:
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, lineterminator="\r\n")

    def line(self, row: Sequence[Any]) -> str:
        """One row as a CSV line."""
        self._buf.seek(0)
        self._buf.truncate()
        self._writer.writerow([neutralised(c) for c in row])
        return self._buf.getvalue()

    def text(self, rows: Iterable[Sequence[Any]]) -> str:
        """Every row, as one CSV text."""
        return "".join(self.line(row) for row in rows)
