"""Annotated types for request models, shared by every service's schemas.

Request bodies take strict JSON types (issue 14): an integer field is ``Int`` (a JSON integer;
not ``true``, not ``"100"``, not ``1.0``), a number ``Number`` (a JSON number; not a string or
a boolean), a yes/no ``Bool`` (``true`` or ``false`` only). FastAPI validates the parsed body
in pydantic's python mode, where a model-wide ``strict=True`` would also refuse dates in ISO
strings; so strictness is per type, and ``tests/shared/test_strict_inputs.py`` checks that
every integer, number and boolean in a request body is one of these. Text sources (the CSV
importer) validate the same models with ``strict=False``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Strict, StringConstraints

from shared.clock import as_utc
from shared.reference import InvalidCvr, municipality_by_code, normalise_cvr


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail at the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _cvr(value: str) -> str:
    try:
        return normalise_cvr(value)
    except InvalidCvr as exc:
        raise ValueError(str(exc)) from None


def _municipality(value: object) -> str:
    code = str(value).strip()
    if not code.isdigit() or len(code) > 4 or code.zfill(4) not in municipality_by_code():
        raise ValueError(f"'{value}' is not one of the 98 municipality codes")
    return code.zfill(4)


#: A string the database can store (no NUL).
Text = Annotated[str, AfterValidator(_no_nul)]


def text(min_length: int | None = None, max_length: int | None = None) -> object:
    """``Text`` with length limits checked first (so errors read "string_too_long")."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


#: A Danish CVR number, check digit verified, normalised to 8 digits.
Cvr = Annotated[str, AfterValidator(_cvr)]
#: One of the 98 official municipality codes, normalised to 4 digits ("101" → "0101").
MunicipalityCode = Annotated[str, BeforeValidator(_municipality)]
#: A JSON integer only (no boolean, no string, no 1.0).
Int = Annotated[int, Strict()]
#: A JSON number only, integer or not (no boolean, no string).
Number = Annotated[float, Strict()]
#: ``true`` or ``false`` only (no 0/1, no "yes").
Bool = Annotated[bool, Strict()]
#: A timestamp always answered with its UTC offset.
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
