"""What the command-line importers (clusters, reports) share: an error tied to a file, a line
and a column, and the all-or-nothing refusal that lists every such error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class ImportRejected(Exception):
    """The file(s) have errors; nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} error(s); nothing was imported")

    def report(self) -> str:
        rows = {(e.file, e.line) for e in self.errors if e.line}
        lines = [str(e) for e in self.errors]
        lines.append(f"{len(self.errors)} error(s) in {len(rows)} row(s); nothing was imported.")
        return "\n".join(lines)
