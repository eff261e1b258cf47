"""The one HTTP load generator behind every HTTP figure: keep-alive HTTP/1.1 on raw sockets.

Run as its own process (``python -m bench.load '<json spec>'``), so it never shares an event
loop or a CPU time slice accounting with the server it measures. A fixed number of
connections (``concurrency``) each send one request, read the whole response, and send the
next (a closed loop). Requests that *complete* inside the measuring window (after
``warmup`` seconds, before ``warmup + seconds``) count for the throughput and latency
figures. The result is printed as one JSON object on stdout.

Spec keys: ``host``, ``port``, ``method``, ``path``, ``headers`` (dict), ``body`` (str or
null; every ``__N__`` in it is replaced by a number unique within the run), ``seconds``,
``warmup``, ``concurrency``, ``expect`` (list of acceptable status codes); optionally
``paths`` (a list; requests without a body then take them in turn, across all connections).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.stats import summarise

perf = time.perf_counter


@dataclass
class _Run:
    spec: dict[str, Any]
    measure_from: float
    until: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    unexpected: int = 0
    connection_errors: int = 0
    counter: int = 0
    first_error: str | None = None


def _request_factory(spec: dict[str, Any], run: _Run) -> Any:
    method = spec["method"].upper()
    host = f"{spec['host']}:{spec['port']}"
    headers = "".join(f"{k}: {v}\r\n" for k, v in (spec.get("headers") or {}).items())
    paths = spec.get("paths")
    if paths:  # GETs in rotation, the same sequence on every run
        requests = [
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: kf-bench\r\n{headers}\r\n"
            .encode("latin-1")
            for path in paths
        ]  # fmt: skip

        def next_path() -> bytes:
            run.counter += 1
            return requests[run.counter % len(requests)]

        return next_path
    head = f"{method} {spec['path']} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: kf-bench\r\n{headers}"
    template = spec.get("body")
    if template is None:
        static = (head + "\r\n").encode("latin-1")
        return lambda: static
    if "__N__" not in template:
        raw = template.encode()
        static = (head + f"Content-Length: {len(raw)}\r\n\r\n").encode("latin-1") + raw
        return lambda: static
    prefix = spec.get("unique_prefix", "")

    def build() -> bytes:
        run.counter += 1
        raw = template.replace("__N__", f"{prefix}{run.counter}").encode()
        return (head + f"Content-Length: {len(raw)}\r\n\r\n").encode("latin-1") + raw

    return build


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one whole response; return (status, connection may be reused)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    keep_alive = b"connection: close" not in lower
    pos = lower.find(b"content-length:")
    if pos >= 0:
        end = lower.find(b"\r\n", pos)
        length = int(lower[pos + 15 : end])
        if length:
            await reader.readexactly(length)
    elif b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readline()).split(b";", 1)[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif status not in (204, 304) and not (100 <= status < 200):
        await reader.read()  # body ends with the connection
        keep_alive = False
    return status, keep_alive


async def _worker(run: _Run) -> None:
    spec = run.spec
    build = _request_factory(spec, run)
    expect = set(spec.get("expect") or [200])
    reader = writer = None
    while perf() < run.until:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(spec["host"], spec["port"])
            assert reader is not None
            request = build()
            started = perf()
            writer.write(request)
            status, keep_alive = await _read_response(reader)
            finished = perf()
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            run.connection_errors += 1
            run.first_error = run.first_error or repr(exc)
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        if run.measure_from <= finished <= run.until:
            run.latencies.append(finished - started)
            run.statuses[status] = run.statuses.get(status, 0) + 1
            if status not in expect:
                run.unexpected += 1
        if not keep_alive:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    seconds = float(spec["seconds"])
    warmup = float(spec.get("warmup", 1.0))
    start = perf()
    run = _Run(spec=spec, measure_from=start + warmup, until=start + warmup + seconds)
    usage_before: resource.struct_rusage | None = None

    async def sample_cpu() -> None:
        nonlocal usage_before
        await asyncio.sleep(max(0.0, run.measure_from - perf()))
        usage_before = resource.getrusage(resource.RUSAGE_SELF)

    cpu_task = asyncio.create_task(sample_cpu())
    await asyncio.gather(*(_worker(run) for _ in range(int(spec["concurrency"]))))
    await cpu_task
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = 0.0
    if usage_before is not None:
        cpu = (usage_after.ru_utime - usage_before.ru_utime) + (
            usage_after.ru_stime - usage_before.ru_stime
        )
    latency = summarise([x * 1000 for x in run.latencies])
    return {
        "method": spec["method"],
        "path": spec["path"],
        "concurrency": int(spec["concurrency"]),
        "seconds": seconds,
        "warmup": warmup,
        "requests": len(run.latencies),
        "rps": len(run.latencies) / seconds,
        "latency_ms": latency,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "unexpected_status": run.unexpected,
        "connection_errors": run.connection_errors,
        "first_error": run.first_error,
        #: CPU seconds the load generator used per wall second of the window (1.0 = one core
        #: busy: then the generator, not the server, may be the limit).
        "client_cpu": cpu / seconds if seconds else 0.0,
    }


def main() -> None:
    spec = json.loads(sys.argv[1])
    runner: Callable[..., Any] = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvicorn[standard] brings uvloop
        pass
    result = runner(measure(spec))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
