"""`make run`'s program, run as a user would: a real process, real port, real nats-server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shared.natsserver import free_port, port_open

CONSUMERS = ("funding", "referrals", "evaluation", "gateway")


def _wait_ready(
    base: str, proc: subprocess.Popen[bytes], var_dir: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"services.run exited with {proc.returncode}")
        if (var_dir / "demo-clients.json").exists():
            try:
                if httpx.get(f"{base}/registry/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    raise AssertionError("the suite did not become ready")


@pytest.fixture
def embedded(tmp_path: Path):
    port, nats_port = free_port(), free_port()
    var_dir = tmp_path / "var"
    env = {
        **os.environ,
        "PORT": str(port),
        "KF_NATS_PORT": str(nats_port),
        "KF_VAR_DIR": str(var_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, var_dir)
        yield base, var_dir, proc, nats_port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_embedded_run_serves_the_whole_suite(embedded) -> None:
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

    # Ctrl-C stops everything the run started, the nats-server included.
    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 0
    assert not port_open(nats_port)


def test_embedded_run_restarts_on_existing_data(embedded, tmp_path: Path) -> None:
    """A second start on the same var/ neither duplicates reference data nor loses clients."""
    _base, var_dir, proc, _ = embedded
    first = json.loads((var_dir / "demo-clients.json").read_text())
    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 0
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "KF_NATS_PORT": str(free_port()),
        "KF_VAR_DIR": str(var_dir),
    }
    output = tmp_path / "second-run.txt"
    again = subprocess.Popen(
        [sys.executable, "-m", "services.run"],
        env=env,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        base2 = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while "Press Ctrl-C" not in output.read_text() and time.monotonic() < deadline:
            assert again.poll() is None, output.read_text()
            time.sleep(0.1)
        orgs = httpx.get(
            f"{base2}/registry/v1/organisations", params={"kind": "municipality", "limit": 1000}
        )
        assert len(orgs.json()["items"]) == 98
        second = json.loads((var_dir / "demo-clients.json").read_text())
        assert [c["client_id"] for c in second] == [c["client_id"] for c in first]
    finally:
        again.send_signal(signal.SIGINT)
        again.wait(20)
