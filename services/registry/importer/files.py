"""Reading and checking the two CSV files (no database): every error, with file and line."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services.registry.importer.progress import Progress
from services.registry.schemas.clusters import ClusterCreate, MemberIn
from shared.importing import RowError
from shared.reference import InvalidCvr, normalise_cvr

CLUSTER_REQUIRED = ("cvr", "name", "cluster_kind", "league", "home_municipality_code")
CLUSTER_OPTIONAL = (
    "municipalities_served",
    "fields",
    "functions",
    "founded_on",
    "website",
    "description",
    "short_name",
)
MEMBER_REQUIRED = ("cluster_cvr", "kind", "name")
MEMBER_OPTIONAL = ("cvr", "municipality_code", "employees", "joined_on")
LIST_COLUMNS = frozenset({"municipalities_served", "fields", "functions"})


# --- reading and checking the files ------------------------------------------------------


@dataclass
class _Row:
    line: int
    values: dict[str, str]


@dataclass
class _File:
    name: str
    rows: list[_Row] = field(default_factory=list)
    usable: bool = True


def _read_csv(
    path: Path, required: Sequence[str], optional: Sequence[str], errors: list[RowError]
) -> _File:
    """Rows keyed by column, each with the line it starts on; header problems reported."""
    name = path.name
    out = _File(name)
    known = (*required, *optional)
    errors_before = len(errors)
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = [h.strip().lower() for h in next(reader, [])]
            if not header:
                errors.append(RowError(name, 1, None, "the file is empty; a header row is needed"))
                out.usable = False
                return out
            for col in header:
                if col not in known:
                    errors.append(
                        RowError(name, 1, col or "(blank)", f"unknown column; known: {known}")
                    )
            for col in {c for c in header if header.count(c) > 1}:
                errors.append(RowError(name, 1, col, "column named more than once"))
            missing = [c for c in required if c not in header]
            if missing:
                errors.append(RowError(name, 1, None, f"required column(s) missing: {missing}"))
            if len(errors) > errors_before:
                out.usable = False
                return out
            start = reader.line_num + 1
            for values in reader:
                if any(v.strip() for v in values):
                    if len(values) != len(header):
                        errors.append(
                            RowError(
                                name,
                                start,
                                None,
                                f"{len(values)} values for {len(header)} columns",
                            )
                        )
                    else:
                        out.rows.append(_Row(start, dict(zip(header, values, strict=True))))
                start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        errors.append(RowError(name, None, None, f"not UTF-8 text ({exc.reason})"))
        out.usable = False
    except csv.Error as exc:
        errors.append(RowError(name, None, None, f"not readable as CSV: {exc}"))
        out.usable = False
    return out


def _cells(values: dict[str, str], skip: Iterable[str] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for col, raw in values.items():
        value = raw.strip()
        if value and col not in skip:
            data[col] = (
                [v.strip() for v in value.split(";") if v.strip()] if col in LIST_COLUMNS else value
            )
    return data


def _schema_errors(file: str, line: int, exc: ValidationError) -> Iterator[RowError]:
    for err in exc.errors():
        loc = err["loc"]
        column = str(loc[0]) if loc else None
        if column and len(loc) > 1 and isinstance(loc[1], int):
            column = f"{column}[{loc[1] + 1}]"
        message = err["msg"].removeprefix("Value error, ")
        given = err.get("input")
        if isinstance(given, str | int) and str(given) not in message:
            shown = str(given) if len(str(given)) <= 60 else str(given)[:57] + "..."
            message = f"{message} (got {shown!r})"
        yield RowError(file, line, column, message)


def _cvr_or_raw(value: str) -> str:
    try:
        return normalise_cvr(value.strip())
    except InvalidCvr:
        return value.strip()


@dataclass
class Checked:
    clusters: list[tuple[int, ClusterCreate]] = field(default_factory=list)
    #: (line, cluster CVR, member)
    members: list[tuple[int, str, MemberIn]] = field(default_factory=list)
    #: Every cluster CVR named in clusters.csv, valid row or not.
    file_cvrs: set[str] = field(default_factory=set)


def check_files(
    clusters_path: Path,
    members_path: Path | None,
    errors: list[RowError],
    progress: Progress,
) -> Checked:
    """Parse and validate both files (no database); errors go to ``errors``."""
    cfile = _read_csv(clusters_path, CLUSTER_REQUIRED, CLUSTER_OPTIONAL, errors)
    mfile = (
        _read_csv(members_path, MEMBER_REQUIRED, MEMBER_OPTIONAL, errors)
        if members_path is not None
        else _File("members.csv")
    )
    out = Checked()
    progress.start("validating", len(cfile.rows) + len(mfile.rows))
    first_line: dict[str, int] = {}
    for row in cfile.rows:
        cvr = _cvr_or_raw(row.values.get("cvr", ""))
        out.file_cvrs.add(cvr)
        try:
            # CSV cells are text: "100" employees is a number here (a JSON body is strict).
            model = ClusterCreate.model_validate(_cells(row.values), strict=False)
        except ValidationError as exc:
            errors.extend(_schema_errors(cfile.name, row.line, exc))
        else:
            if model.cvr in first_line:
                errors.append(
                    RowError(
                        cfile.name,
                        row.line,
                        "cvr",
                        f"CVR {model.cvr} appears already on line {first_line[model.cvr]}",
                    )
                )
            else:
                first_line[model.cvr] = row.line
                out.clusters.append((row.line, model))
        progress.advance()
    seen: dict[tuple[str, str], int] = {}
    for row in mfile.rows:
        raw_cluster = row.values.get("cluster_cvr", "").strip()
        cluster_cvr: str | None = None
        try:
            cluster_cvr = normalise_cvr(raw_cluster)
        except InvalidCvr as exc:
            # A cluster row with this very CVR reports it already; say it once.
            if raw_cluster not in out.file_cvrs:
                errors.append(RowError(mfile.name, row.line, "cluster_cvr", str(exc)))
        try:
            member = MemberIn.model_validate(_cells(row.values, skip={"cluster_cvr"}), strict=False)
        except ValidationError as exc:
            errors.extend(_schema_errors(mfile.name, row.line, exc))
        else:
            if cluster_cvr is not None:
                key = (cluster_cvr, member.cvr or "")
                if member.cvr and key in seen:
                    errors.append(
                        RowError(
                            mfile.name,
                            row.line,
                            "cvr",
                            f"CVR {member.cvr} is already a member of cluster {cluster_cvr} "
                            f"on line {seen[key]}",
                        )
                    )
                else:
                    seen[key] = row.line
                    out.members.append((row.line, cluster_cvr, member))
        progress.advance()
    progress.finish()
    return out
