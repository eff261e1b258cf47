"""Starting `make run`'s program as a user would: a real process, real port, real nats-server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shared.natsserver import free_port

REPO = Path(__file__).resolve().parents[2]
#: How long a start may take before the test gives up (a guard against hanging, not a target).
START_TIMEOUT = 60.0


@dataclass
class EmbeddedRun:
    proc: subprocess.Popen[bytes]
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
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def start_embedded(var_dir: Path, output: Path) -> EmbeddedRun:
    """Start ``python -m services.run`` on free ports; return once its banner is out."""
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
    )
    run = EmbeddedRun(proc, f"http://127.0.0.1:{port}", var_dir, nats_port, output)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"services.run exited with {proc.returncode}:\n{run.printed()}")
        # The banner comes after the demo data and clients are in place.
        if "Press Ctrl-C" in run.printed():
            try:
                if httpx.get(f"{run.base}/registry/readyz", timeout=1).status_code == 200:
                    return run
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    run.stop()
    raise AssertionError(f"the suite did not become ready:\n{run.printed()}")


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes], int]]:
    """One embedded run on a fresh ``var/``: (base URL, var dir, process, NATS port)."""
    run = start_embedded(tmp_path / "var", tmp_path / "run-output.txt")
    try:
        yield run.base, run.var_dir, run.proc, run.nats_port
    finally:
        run.stop()
