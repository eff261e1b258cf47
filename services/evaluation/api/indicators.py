"""Evaluation API: the indicator catalogue of the joint annual account (public, §4.1)."""

from __future__ import annotations

from fastapi import APIRouter

from services.evaluation.api.common import PREFIX
from services.evaluation.rules.indicators import INDICATORS
from services.evaluation.schemas.accounts import IndicatorOut
from services.evaluation.service.accounts import indicator_out
from shared.pagination import Page

router = APIRouter(prefix=PREFIX, tags=["indicators"])


@router.get(
    "/indicators",
    response_model=Page[IndicatorOut],
    summary="The indicators of the annual account (public)",
)
async def list_indicators() -> Page[IndicatorOut]:
    """Every indicator: code, Danish and English name, unit, `reported` or `derived` (and from
    which events), the function it speaks to, and whether higher is better. One page: the
    catalogue is short and fixed."""
    return Page[IndicatorOut](items=[indicator_out(i) for i in INDICATORS], next_cursor=None)
