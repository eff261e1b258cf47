"""FastAPI dependencies every service's routers share (``api/common.py`` re-uses them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request

from shared.clock import now_of, today_of


def request_now(request: Request) -> datetime:
    """ "Now" for this request (``shared.clock.now_of`` of the app serving it)."""
    return now_of(request.app)


def request_today(request: Request) -> date:
    """ "Today" for this request (``shared.clock.today_of`` of the app serving it)."""
    return today_of(request.app)


Now = Annotated[datetime, Depends(request_now)]
Today = Annotated[date, Depends(request_today)]
