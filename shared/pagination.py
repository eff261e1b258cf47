"""Cursor pagination: opaque cursors over a stable sort key (keyset, not offsets)."""

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


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "invalid-cursor", "The cursor is not one this API gave out.") from exc
    # A cursor we gave out is a list of stored values; those never contain NUL.
    if not isinstance(values, list) or any(isinstance(v, str) and "\x00" in v for v in values):
        raise Problem(400, "invalid-cursor", "The cursor is not one this API gave out.")
    return values
