"""Evaluation API: indicators (being built)."""

from fastapi import APIRouter

from services.evaluation.api.common import PREFIX

router = APIRouter(prefix=PREFIX)
