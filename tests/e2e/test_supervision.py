"""The embedded run looks after what it starts (issue 14; ``services/supervise.py``), tried with
real processes as an operator would: Ctrl-C to the run's process group at any moment stops
everything within ten seconds; a nats-server that exits is restarted and readiness shows the
gap; ``kill -9`` of the run in the middle of a burst of writes takes its nats-server with it,
and after a restart every acknowledged write reaches every directory within seconds (the
consumers' short ``ack_wait``, ``shared.events.bus``); a nats-server left on the store by a
crash is stopped before a new one opens it; a second run on the same ``var/`` is refused.
The figures (stop times, the NATS gap, the catch-up after a crash) are printed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from shared.natsserver import nats_server_binary, port_open, process_alive
from tests.e2e.conftest import (
    REPO,
    EmbeddedRun,
    answers_ready,
    launch_embedded,
    start_embedded,
    wait_until,
)

#: The issue's bound for a stop, from the signal to the last process gone.
STOP_WITHIN = 10.0


#: Acknowledged writes before the run is killed, mid-burst.
BURST_BEFORE_KILL = 40
#: The services that keep a directory of the registry's organisations.
CONSUMERS = ("funding", "referrals", "evaluation", "gateway")


class _Burst(threading.Thread):
    """Registers organisations through the public API as fast as it can, as FIVU/RTI, until
    the run dies; keeps the ids of the acknowledged (201) ones."""

    def __init__(self, run: EmbeddedRun) -> None:
        super().__init__(daemon=True)
        self.base = run.base
        clients = json.loads((run.var_dir / "demo-clients.json").read_text(encoding="utf-8"))
        self.client = next(c for c in clients if c["organisation_kind"] == "ministry")
        self.acknowledged: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as http:
            token = http.post(
                "/registry/v1/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client["client_id"],
                    "client_secret": self.client["client_secret"],
                },
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            for n in range(10_000):
                try:
                    r = http.post(
                        "/registry/v1/organisations",
                        json={"name": f"Burst Vækst {n}", "kind": "growth_house"},
                        headers=headers,
                    )
                except httpx.HTTPError:
                    return  # the run is gone
                if r.status_code == 201:
                    self.acknowledged.append(r.json()["id"])


def _gone(pid: int) -> bool:
    """Not running: no such process, or a zombie nobody has reaped yet."""
    return not process_alive(pid)


def _nats_pid(run: EmbeddedRun) -> int:
    pid_file = run.var_dir / "nats" / "nats-server.pid"
    wait_until(run, pid_file.exists, "nats-server has written its pid")
    return int(pid_file.read_text().strip())


def _ctrl_c(run: EmbeddedRun) -> float:
    """Ctrl-C as a terminal sends it (SIGINT to the run's process group); the seconds until
    the run and its nats-server are gone."""
    assert run.proc is not None
    nats_pid = _nats_pid(run)
    started = time.monotonic()
    os.killpg(run.proc.pid, signal.SIGINT)
    code = run.proc.wait(STOP_WITHIN)
    while not _gone(nats_pid) and time.monotonic() - started < STOP_WITHIN:
        time.sleep(0.02)
    took = time.monotonic() - started
    assert code == 0, run.printed()
    assert _gone(nats_pid) and not port_open(run.nats_port)
    assert took < STOP_WITHIN
    return took


def test_ctrl_c_at_any_moment_stops_everything_in_time(tmp_path: Path) -> None:
    var = tmp_path / "var"
    moments = {
        "while migrating": lambda r: "Migrating databases" in r.printed(),
        "while loading the demo": lambda r: answers_ready(r) and "Press Ctrl-C" not in r.printed(),
        "while serving": lambda r: "Press Ctrl-C" in r.printed() and answers_ready(r),
    }
    took = {}
    for n, (moment, state) in enumerate(moments.items()):
        run = launch_embedded(var, tmp_path / f"run-{n}.txt", own_session=True)
        try:
            wait_until(run, lambda r=run, s=state: s(r), moment)  # type: ignore[misc]
            took[moment] = _ctrl_c(run)
        finally:
            if run.proc is not None and run.proc.poll() is None:
                run.proc.kill()
    print("\nCtrl-C to stopped (s): " + ", ".join(f"{m} {t:.2f}" for m, t in took.items()))


def test_nats_is_restarted_dies_with_the_run_and_is_never_doubled(tmp_path: Path) -> None:
    var = tmp_path / "var"
    run = start_embedded(var, tmp_path / "first.txt")
    assert run.proc is not None
    try:
        # a second run on the same var/ is refused, and leaves the first alone
        second = subprocess.run(
            [sys.executable, "-m", "services.run"],
            env={**os.environ, "PORT": "0", "KF_VAR_DIR": str(var)},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2 and "Another Klyngeforum run" in second.stderr
        assert answers_ready(run)

        # nats-server exits: readiness shows it, the run restarts it, writes work again
        first_nats = _nats_pid(run)
        os.kill(first_nats, signal.SIGKILL)
        down = time.monotonic()
        wait_until(run, lambda: not answers_ready(run, "funding"), "showing NATS is down")
        wait_until(run, lambda: answers_ready(run, "funding"), "ready again")
        gap = time.monotonic() - down
        wait_until(run, lambda: "nats-server is back" in run.printed(), "saying NATS is back")
        assert "exited (code -9); restarting it" in run.printed()
        assert _nats_pid(run) != first_nats
        print(f"\nnats-server killed: ready again after {gap:.2f} s")

        # kill -9 of the run in the middle of a burst of writes takes its nats-server with it
        nats_pid = _nats_pid(run)
        burst = _Burst(run)
        burst.start()
        wait_until(run, lambda: len(burst.acknowledged) >= BURST_BEFORE_KILL, "mid-burst")
        os.kill(run.proc.pid, signal.SIGKILL)
        run.proc.wait(5)
        burst.join(30)
        killed = time.monotonic()
        while not _gone(nats_pid) and time.monotonic() - killed < 5:
            time.sleep(0.02)
        assert _gone(nats_pid), "nats-server outlived the run"
        print(f"run killed: its nats-server gone after {time.monotonic() - killed:.2f} s")
    finally:
        if run.proc.poll() is None:
            run.proc.kill()

    # a nats-server left on the store (as a crash on another platform could leave it) is
    # stopped before the next run opens the store
    stale = subprocess.Popen(
        [nats_server_binary(), "-c", str(var / "nats" / "nats-server.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        pid_file = var / "nats" / "nats-server.pid"
        while time.monotonic() < deadline and not (
            pid_file.exists() and pid_file.read_text().strip() == str(stale.pid)
        ):
            time.sleep(0.02)
        again = start_embedded(var, tmp_path / "again.txt", own_session=True)
        try:
            assert stale.wait(5) is not None
            assert f"Stopped nats-server {stale.pid}" in again.printed()
            ready = time.monotonic()
            complete: dict[str, float] = {}
            last = burst.acknowledged[-1]
            with httpx.Client(base_url=again.base) as http:
                # a consumer handles its stream in order: the last write seen means all are
                while len(complete) < len(CONSUMERS) and time.monotonic() - ready < 60:
                    for consumer in CONSUMERS:
                        seen = http.get(f"/{consumer}/v1/organisations/{last}").status_code
                        if consumer not in complete and seen == 200:
                            complete[consumer] = time.monotonic() - ready
                    time.sleep(0.02)
                missing = {
                    c: [
                        i
                        for i in burst.acknowledged
                        if http.get(f"/{c}/v1/organisations/{i}").status_code != 200
                    ]
                    for c in CONSUMERS
                }
            assert not any(missing.values()), f"acknowledged writes missing: {missing}"
            print(
                f"kill -9 after {len(burst.acknowledged)} acknowledged writes: every directory "
                f"complete {max(complete.values()):.2f} s after the restarted run was ready ("
                + ", ".join(f"{c} {t:.2f} s" for c, t in complete.items())
                + ")"
            )
            took = _ctrl_c(again)
            print(f"restart on the store of a crashed run: stopped in {took:.2f} s")
        finally:
            if again.proc is not None and again.proc.poll() is None:
                again.proc.kill()
    finally:
        if stale.poll() is None:
            stale.kill()
