"""Helpers the referral tests share: a referral body, the three parties, a clock, reading the
referrals database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from services.referrals.models import Referral, idempotency_keys
from tests.conftest import Suite
from tests.referrals.helpers import API, cvr, register_cluster, register_organisation

#: Distinctive personal data, so a test can look for it anywhere.
CONTACT = {"name": "Hanne Kirstine Østergaard", "email": "hanne.ostergaard@eksempel.dk"}
PHONE_TYPED = "+45 21 43 65 87"
PHONE_STORED = "+4521436587"
FIRM_NAME = "Østergaards Marmelade ApS"
NEED = "Hanne vil eksportere sin rabarbermarmelade til Tyskland og mangler en partner"


def referral_body(recipient_id: str, **extra: Any) -> dict[str, Any]:
    """A referral of a firm in Aalborg (Region Nordjylland) to ``recipient_id``."""
    body: dict[str, Any] = {
        "recipient_id": recipient_id,
        "firm": {
            "cvr": cvr(),
            "name": FIRM_NAME,
            "municipality_code": "0851",
            "employees": 12,
        },
        "need": NEED,
        "fields": ["food_bio", "energy"],
        "contact": {**CONTACT, "phone": PHONE_TYPED},
        "consent": {
            "given_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "given_by": CONTACT["name"],
            "purpose": "At Erhvervshuset deler mine kontaktoplysninger med klyngen",
        },
    }
    return body | extra


@dataclass
class Parties:
    """A growth house in Aalborg (Nordjylland), a cluster in Odense (Syddanmark), and a
    business service in Copenhagen that has nothing to do with their referrals."""

    house: str
    cluster: str
    third: str
    as_house: dict[str, str]
    as_cluster: dict[str, str]
    as_third: dict[str, str]


async def parties(suite: Suite) -> Parties:
    house = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    cluster = await register_cluster(suite, "Fødevareklyngen Syd (test)")
    third = await register_organisation(
        suite, "Erhvervsservice København (test)", "business_service", "0101"
    )
    return Parties(
        house,
        cluster,
        third,
        await suite.auth(house),
        await suite.auth(cluster),
        await suite.auth(third),
    )


async def send(suite: Suite, p: Parties, **extra: Any) -> dict[str, Any]:
    """The growth house refers a firm to the cluster."""
    r = await suite.http.post(
        f"{API}/referrals", json=referral_body(p.cluster, **extra), headers=p.as_house
    )
    assert r.status_code == 201, r.text
    return r.json()


async def act(
    suite: Suite,
    referral: dict[str, Any],
    action: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """POST an action with the If-Match of ``referral`` as last read."""
    return await suite.http.post(
        f"{API}/referrals/{referral['id']}/{action}",
        json=body,
        headers=headers | {"If-Match": f'"{referral["version"]}"'},
    )


def set_clock(suite: Suite, at: datetime | None) -> None:
    """Make "now" ``at`` for the referrals service (None: the real time again)."""
    app = suite.apps["referrals"]
    app.state.clock = None if at is None else (lambda: at)


def clock(suite: Suite) -> Callable[[], datetime] | None:
    return getattr(suite.apps["referrals"].state, "clock", None)


async def referral_row(suite: Suite, referral_id: str) -> Referral:
    async with suite.apps["referrals"].state.session_factory() as session:
        row = await session.get(Referral, referral_id)
        assert row is not None
        return row


async def count_referrals(suite: Suite) -> int:
    async with suite.apps["referrals"].state.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(Referral))).scalar_one())


async def count_idempotency_rows(suite: Suite) -> int:
    async with suite.apps["referrals"].state.session_factory() as session:
        stmt = select(func.count()).select_from(idempotency_keys)
        return int((await session.execute(stmt)).scalar_one())


#: The anonymous facts of a referral: what the flow statistics read, and what erasure keeps.
ANONYMOUS = (
    "id",
    "sender_id",
    "sender_kind",
    "sender_municipality_code",
    "sender_region_code",
    "recipient_id",
    "recipient_kind",
    "recipient_municipality_code",
    "recipient_region_code",
    "service_id",
    "firm_municipality_code",
    "firm_region_code",
    "firm_employees",
    "fields",
    "state",
    "outcome_category",
    "cross_municipality",
    "cross_region",
    "created_at",
    "answered_at",
    "closed_at",
    "state_changed_at",
    "due_at",
    "consent_given_at",
    "consent_purpose",
)


def anonymous_facts(row: Referral) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ANONYMOUS}


async def run_job(suite: Suite, job: str) -> dict[str, Any]:
    r = await suite.http.post(f"{API}/jobs/{job}/run", headers=await suite.auth("klyngeforum"))
    assert r.status_code == 200, r.text
    return r.json()
