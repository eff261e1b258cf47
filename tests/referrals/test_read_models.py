"""The referrals service learns organisations and clusters from registry events."""

from __future__ import annotations

from services.referrals.models import ReferralCluster
from tests.conftest import Suite
from tests.referrals.helpers import register_cluster, register_organisation


async def test_clusters_and_growth_houses_reach_the_referrals_directory(suite: Suite) -> None:
    house = await register_organisation(suite, "Erhvervshus Nordjylland (test)")
    cluster = await register_cluster(suite, fields=["energy", "maritime"])
    r = await suite.http.get(f"/referrals/v1/organisations/{house}")
    assert r.json()["kind"] == "growth_house"
    assert r.json()["region_code"] == "1081"
    async with suite.apps["referrals"].state.session_factory() as session:
        profile = await session.get(ReferralCluster, cluster)
        assert profile is not None
        assert profile.home_region_code == "1083"
        assert profile.fields == ["energy", "maritime"]
