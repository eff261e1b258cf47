"""Clusters in `make run`: demo data, and cluster events as a plain NATS subscriber sees them.

The issue's "done when": with `make run`, registering a cluster and then changing its league
produces the matching events on NATS (a plain nats-py subscriber sees them), and
``…/responsibility`` changes with it. Everything here is real: ``python -m services.run`` as a
process, its own nats-server, and nats-py with a core subscription — no project code on the
receiving side.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import nats

from services.registry.demo_data import DEMO_CLUSTERS, MERGERS
from shared.events import contracts as ev
from shared.reference import normalise_cvr
from tests.e2e.conftest import SHARES_THE_DEMO_RUN, EmbeddedRun

#: A guard against hanging if an event never comes; not a statement about speed.
EVENT_TIMEOUT = 30.0
#: A valid CVR outside the demo data's 9xxxxxxx range (so it cannot clash with it).
E2E_CVR = normalise_cvr("80000006")

pytestmark = SHARES_THE_DEMO_RUN


def _client(run: EmbeddedRun, kind: str) -> dict[str, Any]:
    clients = json.loads((run.var_dir / "demo-clients.json").read_text(encoding="utf-8"))
    return next(c for c in clients if c["organisation_kind"] == kind)


async def _auth(http: httpx.AsyncClient, client: dict[str, Any]) -> dict[str, str]:
    resp = await http.post(
        "/registry/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def _ids(refs: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in refs]


def test_banner_points_to_clusters_and_nats(run: EmbeddedRun) -> None:
    banner = run.printed()
    assert f"{run.base}/registry/v1/clusters" in banner
    assert "/registry/v1/merger-suggestions" in banner
    assert run.nats_url in banner  # KF_NATS_PORT is honoured and printed


async def test_registering_and_moving_a_cluster_reaches_a_plain_nats_subscriber(
    run: EmbeddedRun,
) -> None:
    fivu, forum = _client(run, "ministry"), _client(run, "growth_forum")
    assert fivu["organisation_id"] == "fivu-rti"
    assert forum["organisation_id"] == "vaekstforum-midtjylland"

    nc = await nats.connect(run.nats_url)
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    try:
        sub = await nc.subscribe("registry.cluster.>", cb=inbox.put)
        await nc.flush()  # the server knows the interest before anything is published

        async with httpx.AsyncClient(base_url=run.base) as http:
            created = await http.post(
                "/registry/v1/clusters",
                json={
                    "name": "E2E Testklynge (demo)",
                    "cvr": E2E_CVR,
                    "cluster_kind": "cluster",
                    "league": "national",
                    "home_municipality_code": "0751",
                    "fields": ["digital"],
                },
                headers=await _auth(http, fivu),
            )
            assert created.status_code == 201, created.text
            cluster_id = created.json()["id"]
            path = f"/registry/v1/clusters/{cluster_id}"

            before = (await http.get(f"{path}/responsibility")).json()
            # No members, so no centre of gravity: a national cluster is FIVU/RTI's (§1).
            assert before["rule"] == "national_without_centre"
            assert _ids(before["primary"]) == ["fivu-rti"]

            moved = await http.post(
                f"{path}/league-changes",
                json={"league": "emerging", "reason": "Mainly local firms around Aarhus."},
                headers=await _auth(http, forum),
            )
            assert moved.status_code == 200, moved.text
            assert moved.json()["league"] == "emerging"

            after = (await http.get(f"{path}/responsibility")).json()
            # Emerging: the home region's growth forum and the home municipality (§1).
            assert after["rule"] == "emerging"
            assert _ids(after["primary"]) == ["vaekstforum-midtjylland", "kommune-0751"]
            history = (await http.get(f"{path}/league-history")).json()
            assert [(h["from_league"], h["to_league"]) for h in history] == [
                (None, "national"),
                ("national", "emerging"),
            ]

        # Collect this cluster's events (the relay may still be sending the demo data's).
        wanted = [
            "registry.cluster.registered",
            "registry.cluster.league_changed",
            "registry.cluster.responsibility_changed",
        ]
        seen: list[Any] = []

        async def collect() -> None:
            while not set(wanted) <= {m.subject for m in seen}:
                msg = await inbox.get()
                if json.loads(msg.data)["subject"] == cluster_id:
                    seen.append(msg)

        await asyncio.wait_for(collect(), EVENT_TIMEOUT)
        await sub.unsubscribe()
    finally:
        await nc.close()

    envelopes = [json.loads(m.data) for m in seen]
    # The order the registry wrote them in (one outbox, one stream, one connection).
    order = [m.subject for m in seen if m.subject in wanted]
    assert order == wanted
    for msg, envelope in zip(seen, envelopes, strict=True):
        # CloudEvents 1.0: the NATS subject is the type; the subject is the cluster.
        assert envelope["specversion"] == "1.0"
        assert envelope["type"] == msg.subject
        assert envelope["subject"] == cluster_id
        assert envelope["source"]
        assert envelope["id"] and envelope["time"]
        assert envelope["datacontenttype"] == "application/json"
        assert msg.headers["Nats-Msg-Id"] == envelope["id"]  # JetStream de-duplication
        assert envelope["data"]["cluster_id"] == cluster_id
        # Ids and facts only: no credentials, no people.
        raw = msg.data.decode()
        for secret in (fivu["client_id"], fivu["client_secret"], forum["client_secret"]):
            assert secret not in raw
        assert "@" not in raw
    assert len({e["id"] for e in envelopes}) == len(envelopes)

    by_type = {e["type"]: e["data"] for e in envelopes}
    registered = ev.ClusterRegistered.model_validate(by_type["registry.cluster.registered"])
    assert registered.league == "national"
    assert registered.name == "E2E Testklynge (demo)"
    assert registered.home_region_code == "1082"
    assert registered.responsibility is not None
    assert registered.responsibility.primary == ["fivu-rti"]

    changed = ev.ClusterLeagueChanged.model_validate(by_type["registry.cluster.league_changed"])
    assert (changed.from_league, changed.to_league) == ("national", "emerging")
    assert changed.changed_by == "vaekstforum-midtjylland"  # the organisation, not the client
    assert changed.reason == "Mainly local firms around Aarhus."

    resp = ev.ClusterResponsibilityChanged.model_validate(
        by_type["registry.cluster.responsibility_changed"]
    )
    assert resp.league == "emerging"
    assert resp.cause == "league_changed"
    assert resp.previous is not None
    # The event carries what GET …/responsibility showed before and after.
    assert resp.previous.primary == _ids(before["primary"])
    assert resp.previous.also == _ids(before["also"])
    assert resp.previous.rule == before["rule"]
    assert resp.current.primary == _ids(after["primary"])
    assert resp.current.also == _ids(after["also"])
    assert resp.current.rule == after["rule"]
    # Nothing beyond the declared contract (no extra, possibly personal, fields).
    for type_, model in (
        ("registry.cluster.registered", ev.ClusterRegistered),
        ("registry.cluster.league_changed", ev.ClusterLeagueChanged),
        ("registry.cluster.responsibility_changed", ev.ClusterResponsibilityChanged),
    ):
        assert set(by_type[type_]) <= set(model.model_fields), type_


def test_demo_clusters_are_listed_with_merger_hints(run: EmbeddedRun) -> None:
    base = f"{run.base}/registry/v1"
    merged_keys = {m.key for m in MERGERS}
    active = httpx.get(f"{base}/clusters", params={"limit": 1000}).json()["items"]
    by_name = {c["name"]: c for c in active}
    expected = {d.name for d in DEMO_CLUSTERS if d.key not in merged_keys}
    assert expected <= set(by_name)
    demo = [by_name[n] for n in expected]
    assert {c["league"] for c in demo} == {"world_class", "national", "emerging"}
    assert {c["cluster_kind"] for c in demo} == {"cluster", "innovation_network", "network"}
    assert {c["home_region_code"] for c in demo} == {"1081", "1082", "1083", "1084", "1085"}
    assert any(c["home_municipality_code"] == "0400" for c in demo)  # Bornholm
    assert all(c["member_count"] > 0 for c in demo)

    # The merged one is listed only when every status is asked for.
    merged = [d for d in DEMO_CLUSTERS if d.key in merged_keys]
    everything = httpx.get(f"{base}/clusters", params={"all_statuses": True, "limit": 1000})
    statuses = {c["name"]: c["status"] for c in everything.json()["items"]}
    assert merged and all(statuses[d.name] == "merged" for d in merged)

    hints = httpx.get(f"{base}/merger-suggestions").json()
    assert hints
    pairs = {(h["small"]["name"], h["larger"]["name"]) for h in hints}
    assert ("Nordjysk Robotnetværk (demo)", "Syddansk Robotklynge (demo)") in pairs
    assert all(h["small"]["league"] == "emerging" and h["shared_fields"] for h in hints)


async def test_the_demo_cluster_client_acts_as_a_cluster_with_a_profile(
    run: EmbeddedRun,
) -> None:
    client = _client(run, "cluster_organisation")
    async with httpx.AsyncClient(base_url=run.base) as http:
        profile = await http.get(f"/registry/v1/clusters/{client['organisation_id']}")
        assert profile.status_code == 200, profile.text
        assert profile.json()["name"] == client["organisation_name"]
        assert profile.json()["members"]["total"] > 0
        added = await http.post(
            f"/registry/v1/clusters/{client['organisation_id']}/members",
            json={"kind": "firm", "name": "E2E Medlem ApS (demo)", "employees": 7},
            headers=await _auth(http, client),
        )
        assert added.status_code == 201, added.text
