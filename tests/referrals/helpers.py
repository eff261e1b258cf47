"""Helpers the referrals tests share: parties registered through the registry (and waited
for in the referrals service's read models), problem assertions, outbox reading."""

from __future__ import annotations

from typing import Any

from services.referrals.models import ReferralCluster
from tests.conftest import Suite, eventually, outbox_envelopes
from tests.funding.helpers import assert_problem, cvr

API = "/referrals/v1"

__all__ = [
    "API",
    "assert_problem",
    "cvr",
    "outbox_events",
    "register_cluster",
    "register_organisation",
]


async def _known(suite: Suite, organisation_id: str) -> None:
    async def known() -> bool:
        r = await suite.http.get(f"{API}/organisations/{organisation_id}")
        return r.status_code == 200

    await eventually(known)


async def register_organisation(
    suite: Suite, name: str, kind: str = "growth_house", municipality_code: str = "0851"
) -> str:
    """Register an organisation (as the Klyngeforum secretariat) and wait until the referrals
    service's directory has it. Default: a growth house in Aalborg (Region Nordjylland)."""
    r = await suite.http.post(
        "/registry/v1/organisations",
        json={"name": name, "kind": kind, "cvr": cvr(), "municipality_code": municipality_code},
        headers=await suite.auth("klyngeforum"),
    )
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    await _known(suite, oid)
    return oid


async def register_cluster(suite: Suite, name: str = "Energiklyngen Syd", **extra: Any) -> str:
    """Register a cluster (as FIVU/RTI) and wait until the referrals service knows it with its
    profile. Default: a national energy cluster at home in Odense (Region Syddanmark)."""
    body = {
        "name": name,
        "cvr": cvr(),
        "cluster_kind": "cluster",
        "league": "national",
        "home_municipality_code": "0461",
        "fields": ["energy"],
    } | extra
    r = await suite.http.post(
        "/registry/v1/clusters", json=body, headers=await suite.auth("fivu-rti")
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    await _known(suite, cid)
    factory = suite.apps["referrals"].state.session_factory

    async def profile_known() -> bool:
        async with factory() as session:
            return await session.get(ReferralCluster, cid) is not None

    await eventually(profile_known)
    return cid


async def outbox_events(suite: Suite, type_: str | None = None) -> list[dict[str, Any]]:
    """Envelopes in the referrals outbox (oldest first), optionally of one type."""
    return await outbox_envelopes(suite, "referrals", type_)
