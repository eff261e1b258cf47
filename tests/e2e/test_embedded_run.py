"""`make run`'s program, run as a user would: a real process, real port, real nats-server."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import httpx

from shared.natsserver import port_open
from tests.e2e.conftest import start_embedded

CONSUMERS = ("funding", "referrals", "evaluation", "gateway")


def test_embedded_run_serves_the_whole_suite_and_restarts_on_its_data(
    embedded, tmp_path: Path
) -> None:
    """A fresh start serves every service with the reference and demo data; Ctrl-C stops
    everything it started; a second start on the same var/ neither duplicates reference or
    demo data nor loses clients (one test: each start costs half a minute)."""
    base, var_dir, proc, nats_port = embedded
    for service in ("registry", *CONSUMERS):
        assert httpx.get(f"{base}/{service}/readyz").status_code == 200, service

    orgs = httpx.get(f"{base}/registry/v1/organisations", params={"limit": 1000}).json()["items"]
    by_kind: dict[str, list[dict]] = {}
    for org in orgs:
        by_kind.setdefault(org["kind"], []).append(org)
    municipalities = by_kind["municipality"]
    assert len(municipalities) == 98
    assert all(len(m["code"]) == 4 and m["code"].isdigit() for m in municipalities)
    assert len(by_kind["region"]) == 5
    assert len(by_kind["growth_forum"]) == 6
    assert any(o["id"] == "fivu-rti" for o in by_kind["ministry"])
    assert len(by_kind["ministry"]) == 5  # FIVU/RTI and the four other ministries of footnote 2
    assert [o["id"] for o in by_kind["municipal_association"]] == ["kl"]

    clients = json.loads((var_dir / "demo-clients.json").read_text())
    assert {c["organisation_kind"] for c in clients} >= {
        "ministry",
        "growth_forum",
        "municipality",
        "cluster_organisation",
        "growth_house",
    }
    ministry = next(c for c in clients if c["organisation_kind"] == "ministry")
    token = httpx.post(
        f"{base}/registry/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": ministry["client_id"],
            "client_secret": ministry["client_secret"],
        },
    ).json()["access_token"]
    created = httpx.post(
        f"{base}/registry/v1/organisations",
        json={"name": "Ny Klynge", "kind": "cluster_organisation", "municipality_code": "0461"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    org_id = created.json()["id"]
    pending = set(CONSUMERS)
    deadline = time.monotonic() + 10
    while pending and time.monotonic() < deadline:
        for service in list(pending):
            if httpx.get(f"{base}/{service}/v1/organisations/{org_id}").status_code == 200:
                pending.discard(service)
        time.sleep(0.02)
    assert not pending, f"not seen by {pending}"
    first = json.loads((var_dir / "demo-clients.json").read_text())
    before = _registry_picture(base)
    assert len(before["clusters"]) >= 30  # the demo clusters
    assert before["members"] > 500

    # Ctrl-C stops everything the run started, the nats-server included.
    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 0
    assert not port_open(nats_port)

    again = start_embedded(var_dir, tmp_path / "second-run.txt")
    try:
        orgs = httpx.get(
            f"{again.base}/registry/v1/organisations",
            params={"kind": "municipality", "limit": 1000},
        )
        assert len(orgs.json()["items"]) == 98
        assert _registry_picture(again.base) == before
        assert "left out" not in again.printed()
        second = json.loads((var_dir / "demo-clients.json").read_text())
        assert [c["client_id"] for c in second] == [c["client_id"] for c in first]
    finally:
        assert again.stop() == 0


def _registry_picture(base: str) -> dict[str, object]:
    """What a restart must leave as it was: organisations, clusters, members, hints."""
    orgs = httpx.get(f"{base}/registry/v1/organisations", params={"limit": 1000}).json()
    clusters = httpx.get(
        f"{base}/registry/v1/clusters", params={"all_statuses": True, "limit": 1000}
    ).json()
    hints = httpx.get(f"{base}/registry/v1/merger-suggestions").json()
    assert orgs["next_cursor"] is None and clusters["next_cursor"] is None
    return {
        "organisations": sorted(o["id"] for o in orgs["items"]),
        "clusters": sorted((c["id"], c["league"], c["status"]) for c in clusters["items"]),
        "members": sum(c["member_count"] for c in clusters["items"]),
        "merger_suggestions": len(hints),
    }
