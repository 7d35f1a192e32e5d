"""Invalidation worker: reads the ``invalidations`` stream as consumer ``worker-1`` of
group ``invalidation-workers`` and deletes the cache key named by each message.

Each message carries the writer's W3C trace context, so the ``invalidate`` span (and the
Redis DEL under it) join the trace of the PUT that published it. Stops on SIGTERM/SIGINT
after the current batch, flushing its spans.
"""

from __future__ import annotations

import logging
import os
import signal
import time

import redis
import telemetry
from opentelemetry import propagate, trace

telemetry.setup("items-worker")

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
STREAM = "invalidations"
GROUP = "invalidation-workers"
CONSUMER = "worker-1"

log = logging.getLogger("items-worker")
tracer = trace.get_tracer("items-worker")
r = redis.Redis.from_url(REDIS_URL, decode_responses=True)
running = True


def stop(signum, frame):
    global running
    running = False


def ensure_group() -> None:
    try:
        r.xgroup_create(STREAM, GROUP, id="$", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def handle(message_id: str, fields: dict[str, str]) -> None:
    ctx = propagate.extract(fields)
    with tracer.start_as_current_span(
        "invalidate",
        context=ctx,
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "redis",
            "messaging.destination.name": STREAM,
            "messaging.operation.type": "process",
            "messaging.message.id": message_id,
        },
    ):
        key = fields.get("key")
        if key:
            r.delete(key)
        else:
            log.warning("message %s has no key field: %r", message_id, fields)
        r.xack(STREAM, GROUP, message_id)


def claim_pending() -> None:
    """Take over messages that a crashed previous worker read but never acknowledged."""
    start = "0-0"
    while True:
        start, messages, _deleted = r.xautoclaim(
            STREAM, GROUP, CONSUMER, min_idle_time=1000, start_id=start, count=100)
        for message_id, fields in messages:
            if fields is not None:
                handle(message_id, fields)
        if start == "0-0":
            return


def main() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        ready = False
        while running:
            try:
                if not ready:
                    ensure_group()
                    claim_pending()
                    ready = True
                    log.info("reading %s as %s/%s", STREAM, GROUP, CONSUMER)
                batches = r.xreadgroup(GROUP, CONSUMER, {STREAM: ">"}, count=10, block=500)
                for _stream, messages in batches or []:
                    for message_id, fields in messages:
                        handle(message_id, fields)
            except redis.ConnectionError as error:
                # Redis restarting or not up yet: wait, then set up again (the group
                # may be gone) and claim what is still pending.
                log.warning("redis unavailable (%s); retrying", error)
                ready = False
                time.sleep(1)
    finally:
        telemetry.shutdown()
        log.info("stopped")


if __name__ == "__main__":
    main()
