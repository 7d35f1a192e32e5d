"""OpenTelemetry set-up shared by the API and the worker.

Traces go over OTLP/HTTP (protobuf) to ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the SDK's
standard variable; ``/v1/traces`` is appended by the exporter). The resource's
``service.name`` comes from ``OTEL_SERVICE_NAME``.

We use a BatchSpanProcessor with a short schedule delay: exporting happens on the
processor's own thread, so requests never wait on the collector, and 200 ms keeps spans
visible almost at once. ``shutdown()`` flushes whatever is still queued; both processes
call it when they stop (SIGTERM), and the SDK's atexit hook is a second safety net.
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_provider: TracerProvider | None = None


def setup(default_service_name: str) -> TracerProvider:
    """Install the tracer provider and the Redis and psycopg instrumentations (once)."""
    global _provider
    if _provider is not None:
        return _provider
    service_name = os.environ.get("OTEL_SERVICE_NAME") or default_service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(), schedule_delay_millis=200))
    trace.set_tracer_provider(provider)
    RedisInstrumentor().instrument(tracer_provider=provider)
    PsycopgInstrumentor().instrument(tracer_provider=provider)
    _provider = provider
    return provider


def shutdown() -> None:
    """Flush queued spans and stop the exporter; safe to call more than once."""
    global _provider
    if _provider is not None:
        _provider.shutdown()
        _provider = None
