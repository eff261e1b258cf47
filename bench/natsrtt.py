"""Raw NATS round trips on the bench's own nats-server: the baselines for the event delay.

- ``jetstream``: a JetStream publish (waiting for the stream's ack, as the outbox relay does)
  until a durable pull consumer's pending ``fetch`` returns the message, over two separate
  connections (publisher and consumer, as two services would have).
- ``core``: a core NATS request/reply between two connections.

Both are measured one message at a time (no pipelining), so they are latencies, not
throughputs.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from bench.stats import summarise

STREAM = "BENCHRTT"
SUBJECT = "benchrtt.ping"


async def jetstream_round_trips(url: str, rounds: int) -> dict[str, Any]:
    pub = await nats.connect(url, name="bench-publisher")
    sub = await nats.connect(url, name="bench-consumer")
    try:
        pjs, sjs = pub.jetstream(), sub.jetstream()
        await pjs.add_stream(
            StreamConfig(
                name=STREAM,
                subjects=["benchrtt.>"],
                storage=StorageType.FILE,
                duplicate_window=120.0,
            )
        )
        psub = await sjs.pull_subscribe(
            SUBJECT,
            durable="bench-rtt",
            stream=STREAM,
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.NEW),
        )
        samples: list[float] = []
        for i in range(rounds + 20):
            fetch = asyncio.create_task(psub.fetch(1, timeout=5))
            await asyncio.sleep(0.001)  # the pull request is waiting at the server, as in a service
            started = time.perf_counter()
            await pjs.publish(SUBJECT, b'{"n": %d}' % i, headers={"Nats-Msg-Id": f"rtt-{i}"})
            msgs = await fetch
            finished = time.perf_counter()
            await msgs[0].ack()
            if i >= 20:  # the first few warm connections and caches up
                samples.append((finished - started) * 1000)
        await sjs.delete_stream(STREAM)
        return {"rounds": rounds, "latency_ms": summarise(samples)}
    finally:
        await pub.close()
        await sub.close()


async def core_round_trips(url: str, rounds: int) -> dict[str, Any]:
    requester = await nats.connect(url, name="bench-requester")
    responder = await nats.connect(url, name="bench-responder")
    try:

        async def reply(msg: Any) -> None:
            await msg.respond(msg.data)

        await responder.subscribe("benchrtt.echo", cb=reply)
        await responder.flush()
        samples: list[float] = []
        for i in range(rounds + 20):
            started = time.perf_counter()
            await requester.request("benchrtt.echo", b"ping", timeout=2)
            if i >= 20:
                samples.append((time.perf_counter() - started) * 1000)
        return {"rounds": rounds, "latency_ms": summarise(samples)}
    finally:
        await requester.close()
        await responder.close()


async def measure(url: str, rounds: int) -> dict[str, Any]:
    return {
        "jetstream": await jetstream_round_trips(url, rounds),
        "core": await core_round_trips(url, rounds),
    }


async def stored_times(url: str, stream: str, subject: str) -> dict[str, Any]:
    """When JetStream stored each message on ``subject``, by the event's ``subject`` field.

    Read with an ephemeral consumer of our own (no ack), so the services' durable consumers
    are not touched. The time is the stream's own receive timestamp.
    """
    from datetime import datetime

    nc = await nats.connect(url, name="bench-reader")
    times: dict[str, datetime] = {}
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        psub = await js.pull_subscribe(
            subject,
            stream=stream,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
        )
        last = info.state.last_seq
        seen = 0
        while True:
            try:
                msgs = await psub.fetch(500, timeout=2)
            except (TimeoutError, nats.errors.TimeoutError):
                break
            for msg in msgs:
                seen = max(seen, msg.metadata.sequence.stream)
                event_subject = json.loads(msg.data).get("subject")
                if event_subject:
                    times[event_subject] = msg.metadata.timestamp
            if seen >= last:
                break
        await psub.unsubscribe()
    finally:
        await nc.close()
    return times
