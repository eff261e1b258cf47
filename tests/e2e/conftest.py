"""Starting `make run`'s program as a user would: a real process, real port, real nats-server."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.natsserver import free_port

REPO = Path(__file__).resolve().parents[2]
#: How long a start may take before the test gives up (a guard against hanging, not a target).
START_TIMEOUT = 60.0


@dataclass
class EmbeddedRun:
    #: The process, for the test that started it (``None`` where a run is shared).
    proc: subprocess.Popen[bytes] | None
    base: str
    var_dir: Path
    nats_port: int
    output: Path

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    def printed(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """Ctrl-C, as a user stops it; returns the exit code."""
        assert self.proc is not None, "only the test that started a run stops it"
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def launch_embedded(var_dir: Path, output: Path, *, own_session: bool = False) -> EmbeddedRun:
    """Start ``python -m services.run`` on free ports and return at once (``own_session``: in
    a process group of its own, as a terminal starts it, so a test can send Ctrl-C to it)."""
    port, nats_port = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "KF_NATS_PORT": str(nats_port),
        "KF_VAR_DIR": str(var_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.run"],
        env=env,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=REPO,
        start_new_session=own_session,
    )
    return EmbeddedRun(proc, f"http://127.0.0.1:{port}", var_dir, nats_port, output)


def wait_until(run: EmbeddedRun, state: Callable[[], bool], what: str) -> None:
    """Wait until ``state()`` holds while the run lives (``START_TIMEOUT`` at most)."""
    assert run.proc is not None
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if run.proc.poll() is not None:
            raise AssertionError(
                f"services.run exited with {run.proc.returncode} before {what}:\n{run.printed()}"
            )
        if state():
            return
        time.sleep(0.05)
    run.stop()
    raise AssertionError(f"not {what} within {START_TIMEOUT} s:\n{run.printed()}")


def answers_ready(run: EmbeddedRun, service: str = "registry") -> bool:
    try:
        return httpx.get(f"{run.base}/{service}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def start_embedded(var_dir: Path, output: Path, *, own_session: bool = False) -> EmbeddedRun:
    """Start ``python -m services.run`` on free ports; return once its banner is out (the
    banner comes after the demo data and clients are in place)."""
    run = launch_embedded(var_dir, output, own_session=own_session)
    wait_until(run, lambda: "Press Ctrl-C" in run.printed() and answers_ready(run), "ready")
    return run


#: The mark of the tests that use the shared demo run (``run``); documentation only, the
#: fixture does the sharing.
SHARES_THE_DEMO_RUN = pytest.mark.usefixtures("run")
#: How long the worker that started the shared run waits, at its end, for the other workers
#: to be done with it (a guard against a crashed worker, not a target).
SHARED_RUN_WAIT = 900.0


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _users(state: Path, change: int = 0) -> dict[str, Any]:
    """The shared run's state, with its count of users changed by ``change`` (call under the
    lock)."""
    data: dict[str, Any] = json.loads(state.read_text(encoding="utf-8"))
    if change:
        data["users"] += change
        state.write_text(json.dumps(data), encoding="utf-8")
    return data


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRun]:
    """One embedded run with the demo data for every test of the session that asks for it,
    whichever pytest-xdist worker runs the test: the first worker to need it starts it, the
    others use it (a state file under a lock in the session's shared temp dir), and the
    starter stops it when every worker is done. Each test makes its own organisations,
    clusters and calls, so none depends on what another did; starting once spares half a
    minute per test module."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this session
    folder, lock, state = root / "demo-run", root / "demo-run.lock", root / "demo-run.json"
    started: EmbeddedRun | None = None
    with _locked(lock):
        if not state.exists():
            folder.mkdir(exist_ok=True)
            started = start_embedded(folder / "var", folder / "run-output.txt")
            shared = started
            state.write_text(
                json.dumps({"base": started.base, "nats_port": started.nats_port, "users": 1}),
                encoding="utf-8",
            )
        else:
            data = _users(state, +1)
            shared = EmbeddedRun(
                None, data["base"], folder / "var", data["nats_port"], folder / "run-output.txt"
            )
    try:
        yield shared
    finally:
        with _locked(lock):
            _users(state, -1)
        if started is not None:
            deadline = time.monotonic() + SHARED_RUN_WAIT
            while time.monotonic() < deadline:
                with _locked(lock):
                    if _users(state)["users"] == 0:
                        break
                time.sleep(0.5)
            assert started.stop() == 0


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes], int]]:
    """One embedded run on a fresh ``var/``: (base URL, var dir, process, NATS port)."""
    run = start_embedded(tmp_path / "var", tmp_path / "run-output.txt")
    try:
        yield run.base, run.var_dir, run.proc, run.nats_port
    finally:
        run.stop()
