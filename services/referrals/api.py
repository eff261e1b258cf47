"""Referral exchange HTTP API."""

from services.referrals.models import directory
from shared.directory import directory_router

routers = [directory_router("referrals", directory)]
