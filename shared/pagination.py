"""Cursor pagination: opaque cursors over a stable sort key (keyset, not offsets).

A cursor is the sort key of the last item shown, as a JSON list, base64url. One this API did
not give out — not base64, not JSON, not a list, or not the key's shape — is refused with
422 ``invalid-cursor`` (never ignored: a client that mangled it would silently start over).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from shared.errors import Problem

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to get the next page; absent on the last page."
    )


def invalid_cursor() -> Problem:
    """The one answer to a cursor this API did not give out (422 ``invalid-cursor``)."""
    return Problem(422, "invalid-cursor", "The cursor is not one this API gave out.")


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *shape: type | tuple[type, ...]) -> list[Any] | None:
    """The key values of ``cursor``; ``None`` without one.

    ``shape`` gives the type of each value (``int``, ``str`` or a tuple of them); a cursor of
    another length or with a value of another type (a bool is no int) is ``invalid_cursor``.
    """
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_cursor() from exc
    # A cursor we gave out is a non-empty list of stored values; those never contain NUL.
    if (
        not isinstance(values, list)
        or not values
        or any(isinstance(v, str) and "\x00" in v for v in values)
    ):
        raise invalid_cursor()
    if shape and (
        len(values) != len(shape)
        or any(
            isinstance(v, bool) or not isinstance(v, t) for v, t in zip(values, shape, strict=True)
        )
    ):
        raise invalid_cursor()
    return values
