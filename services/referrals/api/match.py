"""Referrals API: match (being built)."""

from fastapi import APIRouter

from services.referrals.api.common import PREFIX

router = APIRouter(prefix=PREFIX)
