"""The employment statistics file (§4.2 smart specialisation): parsing and checking it.

**The file.** CSV (comma, semicolon or tab separated; UTF-8, with or without BOM, or
Windows-1252 as spreadsheets save it), a header row, then one row per region × category ×
year. Columns (names case-insensitive, order free, other columns ignored):

- ``region_code`` — a Danish region 1081–1085 (Danmarks Statistik's codes; the NUTS-2 codes
  DK01–DK05 are accepted and stored as 1084, 1085, 1083, 1082, 1081) or a neighbouring
  country's NUTS code (``DEF0`` Schleswig-Holstein, ``SE22`` Sydsverige, ``NO0A`` Vestlandet…);
- ``region_name`` — optional (Danish regions are named from the reference data);
- ``category`` — what the employees work in (see below); ``TOTAL`` for the region's total
  employment in all sectors;
- ``year`` — the statistics year;
- ``employees`` — a whole number ≥ 0;
- ``source`` — optional, e.g. "Danmarks Statistik ERHV1".

Lines starting with ``#`` are comments (the shipped example says in one that it is
synthetic). Every row is checked (``rules.strongholds.validate_rows`` and the parsing above);
any problem refuses the whole file (422, with the line of each problem). An accepted file
replaces the stored rows of the same region × category × year and adds the others.

**Categories and fields.** The categories are meant to be the project's field codes
(``shared.reference.fields.FIELDS``: ``energy``, ``maritime``, ``robotics``, …), so a
region's stronghold in a category can be linked to the registered clusters at home in that
region working in that field. Real statistics by industry come by NACE section (Danmarks
Statistik's ERHV/RAS tables, Eurostat's regional SBS): a category that is a single NACE
letter (``C``, ``H``, ``J``…) is accepted too and linked to every field whose
``nace_sections`` contain it (C, manufacturing, links to many fields; H to maritime and
transport). Any other category is accepted and computed, but links to no clusters. Fields
overlap in NACE terms, so when categories are not a partition of the region's employment
include a ``TOTAL`` row per region and year: without one the region's total is the sum of its
categories, and overlapping categories would count people twice.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.evaluation.rules import strongholds as rules
from services.evaluation.schemas.strongholds import RowProblem
from shared.errors import Problem
from shared.reference import region_by_code
from shared.reference.fields import FIELDS, field_by_code

MAX_BYTES = 20_000_000
MAX_ROWS = 200_000
MAX_PROBLEMS = 200
REQUIRED = ("region_code", "category", "year", "employees")
#: NUTS-2 codes of the Danish regions → Danmarks Statistik's region codes.
NUTS_DK = {"DK01": "1084", "DK02": "1085", "DK03": "1083", "DK04": "1082", "DK05": "1081"}
_NUTS = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,3}$")
_NACE = re.compile(r"^[A-U]$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    region_code: str
    region_name: str
    category: str
    year: int
    employees: int
    source: str


# --- the file ---------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _region(raw: str) -> tuple[str | None, str]:
    """(normalised code or None, problem)."""
    code = raw.strip().upper()
    code = NUTS_DK.get(code, code)
    if rules.is_danish(code):
        if code in rules.DANISH_REGIONS:
            return code, ""
        return None, f"region_code {raw!r}: Danish regions are 1081–1085 (or DK01–DK05)."
    if code.startswith("DK"):
        return None, f"region_code {raw!r}: Danish regions are 1081–1085 (or DK01–DK05)."
    if _NUTS.match(code):
        return code, ""
    return None, (
        f"region_code {raw!r} is neither a Danish region (1081–1085) nor a NUTS code "
        "(e.g. DEF0, SE22)."
    )


def normalise_category(raw: str) -> str:
    """``TOTAL`` in any case; a field code in lower case; a NACE letter in upper case; any other
    category as written."""
    value = raw.strip()
    if value.upper() == rules.TOTAL:
        return rules.TOTAL
    if value.lower() in field_by_code():
        return value.lower()
    if _NACE.match(value.upper()):
        return value.upper()
    return value


def fields_of_category(category: str) -> list[str]:
    """The field codes a category stands for: itself if it is a field code, the fields whose
    NACE sections contain it if it is a NACE letter, else none."""
    if category in field_by_code():
        return [category]
    if _NACE.match(category):
        return [f.code for f in FIELDS if category in f.nace_sections]
    return []


def _employees(raw: str) -> tuple[int | None, str]:
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    try:
        value = float(text)
    except ValueError:
        return None, f"employees {raw!r} is not a number."
    if not math.isfinite(value) or value < 0:
        return None, f"employees must be a number ≥ 0, not {raw!r}."
    if value != int(value):
        return None, f"employees must be a whole number, not {raw!r}."
    if value > 2_000_000_000:
        return None, f"employees {raw!r} is too large."
    return int(value), ""


def parse_employment_csv(data: bytes, *, default_source: str = "") -> list[ParsedRow]:
    """Parse and check a whole file; raises Problem 422 listing every problem (by line)."""
    if len(data) > MAX_BYTES:
        raise Problem(413, "file-too-large", f"The file is over {MAX_BYTES:,} bytes.")
    text = _decode(data)
    if "\x00" in text:
        raise Problem(422, "invalid-file", "The file contains NUL characters: is it a CSV file?")
    lines = [
        (n, line)
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise Problem(422, "invalid-file", "The file is empty (a header row is needed).")
    header_no, header_line = lines[0]
    delimiter = max(",;\t", key=header_line.count)
    try:
        records = list(csv.reader((line for _, line in lines), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise Problem(422, "invalid-file", f"Not readable as CSV: {exc}.") from exc
    if len(records) != len(lines):
        raise Problem(
            422, "invalid-file", "A quoted value runs over a line break: check the quotes."
        )
    header = [h.strip().lower() for h in records[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise Problem(
            422,
            "invalid-file",
            f"Line {header_no}: the header lacks {', '.join(missing)} "
            f"(needed: {', '.join(REQUIRED)}; optional: region_name, source).",
            missing=missing,
        )
    if len(records) - 1 > MAX_ROWS:
        raise Problem(413, "file-too-large", f"The file has over {MAX_ROWS:,} rows.")
    col = {
        name: header.index(name) for name in (*REQUIRED, "region_name", "source") if name in header
    }
    problems: list[RowProblem] = []
    parsed: list[ParsedRow] = []
    for (line_no, _), record in zip(lines[1:], records[1:], strict=True):

        def cell(name: str, record: list[str] = record) -> str:
            k = col.get(name)
            return record[k].strip() if k is not None and k < len(record) else ""

        short = [c for c in REQUIRED if col[c] >= len(record)]
        if short:
            problems.append(
                RowProblem(
                    line=line_no,
                    detail=f"{len(record)} columns: no {', '.join(short)} "
                    f"(the header has {len(header)}).",
                )
            )
            continue
        found: list[str] = []
        region, problem = _region(cell("region_code"))
        if problem:
            found.append(problem)
        category = normalise_category(cell("category"))
        if not category:
            found.append("category is required.")
        elif len(category) > 60 or _CONTROL.search(category):
            found.append("category must be at most 60 characters, without control characters.")
        year_text = cell("year")
        year = int(year_text) if year_text.isdigit() else None
        if year is None or not 1900 <= year <= 2100:
            found.append(f"year {year_text!r} is not a year (1900–2100).")
        employees, problem = _employees(cell("employees"))
        if problem:
            found.append(problem)
        name = cell("region_name")
        source = cell("source") or default_source
        if len(name) > 120 or len(source) > 200 or _CONTROL.search(name + source):
            found.append("region_name (≤ 120) or source (≤ 200 characters) is too long or odd.")
        if found:
            problems.append(RowProblem(line=line_no, detail=" ".join(found)))
            continue
        assert region is not None and year is not None and employees is not None
        if rules.is_danish(region):
            name = region_by_code()[region].name
        parsed.append(ParsedRow(line_no, region, name or region, category, year, employees, source))
    if not problems:
        # the rules' own checks: the same region × category × year twice, totals below sums
        for error in rules.validate_rows(rule_rows(parsed)):
            problems.append(RowProblem(line=parsed[error.row].line, detail=error.detail))
    if problems:
        refuse(problems)
    if not parsed:
        raise Problem(422, "invalid-file", "The file has a header but no rows.")
    return parsed


def rule_rows(rows: Iterable[ParsedRow]) -> list[rules.EmploymentRow]:
    return [rules.EmploymentRow(r.region_code, r.category, r.year, r.employees) for r in rows]


def refuse(problems: Sequence[RowProblem]) -> None:
    shown = sorted(problems, key=lambda p: p.line)[:MAX_PROBLEMS]
    raise Problem(
        422,
        "invalid-rows",
        f"{len(problems)} row(s) are not usable; nothing was stored. First: line "
        f"{shown[0].line}: {shown[0].detail}",
        errors=[p.model_dump() for p in shown],
        error_count=len(problems),
    )
