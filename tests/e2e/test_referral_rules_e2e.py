"""Issue 13, the referral exchange's rules end to end in `make run` (the shared demo run).

- Matching keeps to the firm's area: the firm on Bornholm (0400) does not get Erhvervshus
  Midtjylland's export advice (offered in Region Midtjylland only), a nationwide service
  still reaches it, ``include_outside_area=true`` returns the others marked, and a one-word
  need gives distinct scores.
- A joint event proposal reaches the partner on its event stream
  (``referrals.joint_event.proposed`` on ``GET /gateway/v1/events`` with its token), and the
  demo's pending proposal is the cluster's to answer.
- The HSDS export's ids are UUIDs and its lists HSDS API pages.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from tests.e2e.conftest import SHARES_THE_DEMO_RUN, EmbeddedRun
from tests.e2e.test_embedded_funding import _demo_client, _party_headers, _token
from tests.e2e.test_embedded_referrals import _cluster_id
from tests.gateway.sse import open_stream

pytestmark = SHARES_THE_DEMO_RUN

API = "/referrals/v1"
BORNHOLM = "0400"
MIDTJYLLAND = "Erhvervshus Midtjylland (demo)"


async def _match(http: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await http.get(f"{API}/match", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_bornholm_firm_gets_offers_of_its_area_only(run: EmbeddedRun) -> None:
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        answer = await _match(http, need="eksport", municipality=BORNHOLM, limit=50)
        hits = answer["items"]
        by_org = {h["organisation"]["name"] for h in hits}
        assert MIDTJYLLAND not in by_org
        assert "Erhvervshus Hovedstaden (demo)" in by_org  # Region Hovedstaden serves Bornholm
        assert not any(h["outside_area"] for h in hits)
        for h in hits:  # every service served here: nationwide, its region or municipality
            if h["kind"] == "service" and h["area_kind"] == "regions":
                assert "1084" in h["area_codes"]
            elif h["kind"] == "service" and h["area_kind"] == "municipalities":
                assert BORNHOLM in h["area_codes"]
        nationwide = [h for h in hits if h["kind"] == "service" and h["area_kind"] == "national"]
        assert any(h["organisation"]["name"] == "Fødevareklyngen Nord (demo)" for h in nationwide)
        # a one-word need tells offers apart: not every hit scores the same
        assert len({h["score"] for h in hits}) >= 3 and max(h["score"] for h in hits) < 1

        wide = await _match(
            http, need="eksport", municipality=BORNHOLM, limit=50, include_outside_area="true"
        )
        outside = [h for h in wide["items"] if h["organisation"]["name"] == MIDTJYLLAND]
        assert outside and all(h["outside_area"] for h in outside)
        where = next(r for r in outside[0]["why"] if r["code"] == "where")
        assert where["en"] == (
            "Outside the offer's area: offered only in Region Midtjylland, not in Bornholm"
        )
        # from Aarhus, Midtjylland's export advice is an answer again
        aarhus = await _match(http, need="eksport", municipality="0751", limit=50)
        assert MIDTJYLLAND in {h["organisation"]["name"] for h in aarhus["items"]}


async def test_a_partner_sees_a_joint_event_proposal_on_its_event_stream(run: EmbeddedRun) -> None:
    timeout = httpx.Timeout(30.0, read=60.0)
    async with httpx.AsyncClient(base_url=run.base, timeout=timeout) as http:
        house_client = _demo_client(run, "growth_house")
        house = await _token(http, house_client["client_id"], house_client["client_secret"])
        secretariat_client = _demo_client(run, "forum_secretariat")
        secretariat = await _token(
            http, secretariat_client["client_id"], secretariat_client["client_secret"]
        )
        cluster_id = await _cluster_id(http, "Klynge for Grøn Energi (demo)")
        cluster = await _party_headers(http, secretariat, cluster_id)
        starts = (datetime.now(UTC) + timedelta(days=40)).replace(microsecond=0)
        body = {
            "partner_id": cluster_id,
            "kind": "matchmaking",
            "title": "Energi-matchmaking for SMV'er (e2e)",
            "description": "Små og mellemstore virksomheder møder klyngens forskere.",
            "target_groups": ["sme"],
            "fields": ["energy"],
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=5)).isoformat(),
            "place": "Aarhus",
            "municipality_code": "0751",
        }
        wanted = {"types": "referrals.joint_event.proposed"}
        async with open_stream(http, params=wanted, headers=cluster) as partner:
            r = await http.post(f"{API}/joint-events", json=body, headers=house)
            assert r.status_code == 201, r.text
            joint = r.json()
            seen = await partner.events_until(
                lambda m: m.json()["data"]["joint_event_id"] == joint["id"], timeout=30
            )
            envelope = seen[-1].json()
            assert seen[-1].event == "referrals.joint_event.proposed"
            assert envelope["recipient"] == cluster_id
            assert envelope["data"]["proposer_id"] == house_client["organisation_id"]
            assert envelope["data"]["title"] == body["title"]
            assert "description" not in envelope["data"]

        # the demo's own proposal (Erhvervshus Nordjylland → Fødevareklyngen Nord) waits for
        # the cluster, which was told by an event addressed to it
        food_id = await _cluster_id(http, "Fødevareklyngen Nord (demo)")
        food = await _party_headers(http, secretariat, food_id)
        r = await http.get(f"{API}/joint-events", params={"state": "proposed"}, headers=food)
        assert r.status_code == 200, r.text
        [demo] = [
            j for j in r.json()["items"] if j["proposer_id"] == house_client["organisation_id"]
        ]

        async def told_to_food() -> list[dict[str, Any]]:
            r = await http.get(
                "/gateway/v1/events/recent",
                params={"types": "referrals.joint_event.proposed", "limit": 100},
                headers=food,
            )
            assert r.status_code == 200, r.text
            return [e["event"] for e in r.json()]

        deadline = asyncio.get_running_loop().time() + 30
        while not (told := await told_to_food()):  # logged by the gateway soon after start
            assert asyncio.get_running_loop().time() < deadline, "the demo proposal never came"
            await asyncio.sleep(0.2)
        assert [e["data"]["joint_event_id"] for e in told] == [demo["id"]]
        assert all(e["recipient"] == food_id for e in told)


async def test_the_hsds_export_has_uuid_ids_and_hsds_pages(run: EmbeddedRun) -> None:
    async with httpx.AsyncClient(base_url=run.base, timeout=30) as http:
        r = await http.get(f"{API}/hsds/services", params={"per_page": 5, "page": 2})
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["page_number"] == 2 and page["size"] == len(page["contents"]) == 5
        assert page["total_items"] > 10 and not page["first_page"] and not page["empty"]
        for service in page["contents"]:
            assert UUID(service["id"]).version == 5
            assert UUID(service["organization_id"]) and service["x-klyngeforum"]["id"]
            assert all(UUID(a["id"]) for a in service["service_areas"])
