"""How the embedded run (``services/run.py``) looks after what it starts.

- **One run per ``var/``** (:class:`RunLock`): an exclusive lock on ``var/run.lock`` for the
  run's lifetime; a second ``make run`` on the same folder is refused with the holder's pid.
  Holding it, any nats-server still on ``var/nats`` was left by a crashed run and is stopped
  before a new one opens the store (``NatsServer.stop_stale``): never two servers on one store.
- **nats-server dies with the run**, even on ``kill -9`` of the run (a parent-death signal,
  ``shared.natsserver``), and **is restarted when it exits** on its own
  (:func:`keep_nats_running`), with back-off; the services' NATS clients reconnect, and their
  ``/readyz`` answers 503 while it is down.
- **A stop never hangs** (:class:`StopDeadline`): once Ctrl-C or SIGTERM arrives, the run has
  ``STOP_DEADLINE`` seconds to stop in order; after that the nats-server is killed and the
  process exits — whatever it was doing (migrating, loading the demo, serving).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sys
import threading
from pathlib import Path
from typing import IO

import structlog

from shared.natsserver import NatsServer

log = structlog.get_logger("run")

#: Seconds a stop may take before the run forces it.
STOP_DEADLINE = 8.0
#: Back-off between restarts of a nats-server that keeps exiting (seconds).
RESTART_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
#: How often the run looks at its nats-server (seconds).
WATCH_INTERVAL = 0.25


class RunLock:
    """The exclusive lock of a ``var/`` folder (``var/run.lock``, holding the run's pid)."""

    def __init__(self, var_dir: Path) -> None:
        self.path = var_dir / "run.lock"
        self._handle: IO[str] | None = None

    def acquire(self) -> str | None:
        """Take the lock; None on success, else why not (another run holds it)."""
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            return (
                f"Another Klyngeforum run (pid {holder}) is using {self.path.parent}; stop it "
                "first, or start this one with KF_VAR_DIR=<another folder>."
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return None

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


async def keep_nats_running(nats: NatsServer, stopping: asyncio.Event) -> None:
    """Restart the nats-server whenever it exits on its own, until ``stopping`` is set.

    Runs on the run's main thread (the event loop's), so the restarted server still dies with
    the run (the parent-death signal belongs to the thread that started it)."""
    failures = 0
    while not stopping.is_set():
        await asyncio.sleep(WATCH_INTERVAL)
        code = nats.exited()
        if code is None or stopping.is_set():
            continue
        delay = RESTART_BACKOFF[min(failures, len(RESTART_BACKOFF) - 1)]
        print(
            f"nats-server exited (code {code}); restarting it in {delay:g} s. The services "
            "answer /readyz with 503 until they are connected again.",
            file=sys.stderr,
            flush=True,
        )
        log.warning("nats_exited", code=code, restart_in=delay)
        await asyncio.sleep(delay)
        if stopping.is_set():
            return
        nats.spawn()
        while not stopping.is_set():
            try:
                if nats.listening():
                    print(f"nats-server is back on {nats.url}.", file=sys.stderr, flush=True)
                    log.info("nats_restarted", url=nats.url)
                    failures = 0
                    break
            except RuntimeError:
                failures += 1  # exited again at start: the outer loop backs off and retries
                break
            await asyncio.sleep(0.05)


class StopDeadline:
    """Arms once, at the first stop signal: after ``STOP_DEADLINE`` seconds the nats-server is
    killed and the process exits with code 1, if it has not stopped by itself by then."""

    def __init__(self, nats: NatsServer, deadline: float = STOP_DEADLINE) -> None:
        self.nats = nats
        self.deadline = deadline
        self._armed = threading.Event()

    def arm(self) -> None:
        if self._armed.is_set():
            return
        self._armed.set()
        threading.Thread(target=self._expire, name="stop-deadline", daemon=True).start()

    def _expire(self) -> None:
        threading.Event().wait(self.deadline)
        print(
            f"Klyngeforum did not stop within {self.deadline:g} s; stopping it now.",
            file=sys.stderr,
            flush=True,
        )
        self.nats.kill()
        os._exit(1)
