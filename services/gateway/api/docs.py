"""Gateway: docs (being built)."""

from fastapi import APIRouter

router = APIRouter()
