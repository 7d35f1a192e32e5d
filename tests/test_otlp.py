"""The OTLP receiver, fed by independent senders: the OpenTelemetry SDK's own exporter
(protobuf) and OTLP/JSON as the specification writes it (hex ids); plus what it refuses."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from inkproof.runtime.otlp import OtlpError, OtlpReceiver, decode, parse_address
from inkproof.runtime.semconv import http_server, messaging, redis_words, sql_kind


@pytest.fixture
def receiver():
    with OtlpReceiver(("127.0.0.1", 0)) as listening:
        yield listening


def test_the_sdk_exporter_s_protobuf_spans_arrive_whole(receiver: OtlpReceiver) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.trace import SpanKind

    provider = TracerProvider(resource=Resource.create({"service.name": "orders-api"}))
    exporter = OTLPSpanExporter(endpoint=f"{receiver.endpoint}/v1/traces")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    server_attributes = {"http.request.method": "GET", "url.path": "/orders/7",
                         "http.response.status_code": 200}
    client_attributes = {"db.system.name": "redis", "db.query.text": "SET ? ? ? ?",
                         "db.redis.args_length": 5}
    with tracer.start_as_current_span("GET /orders/{id}", kind=SpanKind.SERVER,
                                      attributes=server_attributes) as root, \
            tracer.start_as_current_span("SET", kind=SpanKind.CLIENT,
                                         attributes=client_attributes):
        pass
    provider.shutdown()
    spans = receiver.take()
    assert {s.name for s in spans} == {"GET /orders/{id}", "SET"}
    server = next(s for s in spans if s.kind == "server")
    client = next(s for s in spans if s.kind == "client")
    assert server.service == client.service == "orders-api"
    assert client.parent_id == server.span_id and client.trace_id == server.trace_id
    assert server.trace_id == format(root.get_span_context().trace_id, "032x")
    assert server.start_ns <= client.start_ns <= client.end_ns <= server.end_ns
    assert client.attributes["db.redis.args_length"] == 5
    assert http_server(server) is not None and http_server(server).path == "/orders/7"
    assert redis_words(client) == ("SET", "?", "?", "?", "?")
    assert receiver.take() == []  # handed over once


#: OTLP/JSON as in opentelemetry-proto's examples: ids in hex, kind as a number, values
#: as AnyValue objects (intValue as a string, as JSON encoders of int64 write it).
JSON_EXPORT = {"resourceSpans": [{
    "resource": {"attributes": [{"key": "service.name",
                                 "value": {"stringValue": "catalog-api"}}]},
    "scopeSpans": [{"scope": {"name": "@opentelemetry/instrumentation-pg"}, "spans": [
        {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
         "parentSpanId": "eee19b7ec3c1b173", "name": "pg.query:UPDATE", "kind": 3,
         "startTimeUnixNano": "1544712660000000000",
         "endTimeUnixNano": "1544712661000000000",
         "attributes": [
             {"key": "db.system", "value": {"stringValue": "postgresql"}},
             {"key": "db.statement", "value": {"stringValue":
                                               "UPDATE items SET name = $1 WHERE id = $2"}},
             {"key": "db.response.returned_rows", "value": {"intValue": "1"}}],
         "status": {"code": 2}}]}]}]}


def test_otlp_json_with_hex_ids_decodes_like_protobuf(receiver: OtlpReceiver) -> None:
    body = json.dumps(JSON_EXPORT).encode()
    answer = httpx.post(f"{receiver.endpoint}/v1/traces", content=gzip.compress(body),
                        headers={"Content-Type": "application/json",
                                 "Content-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.json() == {}
    (span,) = receiver.take()
    assert span.trace_id == "5b8efff798038103d269b633813fc60c"
    assert span.span_id == "eee19b7ec3c1b174" and span.parent_id == "eee19b7ec3c1b173"
    assert span.kind == "client" and span.error and span.service == "catalog-api"
    assert span.start_ns == 1544712660000000000
    assert span.attributes["db.response.returned_rows"] == 1
    assert sql_kind(span) == "UPDATE"


def test_a_chunked_export_arrives_like_a_sized_one(receiver: OtlpReceiver) -> None:
    body = json.dumps(JSON_EXPORT).encode()
    chunks = (body[i:i + 100] for i in range(0, len(body), 100))  # httpx sends them chunked
    answer = httpx.post(f"{receiver.endpoint}/v1/traces", content=chunks,
                        headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, receiver.rejected
    assert [s.name for s in receiver.take()] == ["pg.query:UPDATE"]


@pytest.mark.parametrize(("body", "content_type", "why"), [
    (b"\xff\x00garbage", "application/x-protobuf", "OTLP/protobuf"),
    (b"{not json", "application/json", "OTLP/JSON"),
    (b"{}", "text/plain", "content type"),
])
def test_a_broken_export_is_refused_and_noted(receiver: OtlpReceiver, body: bytes,
                                              content_type: str, why: str) -> None:
    answer = httpx.post(f"{receiver.endpoint}/v1/traces", content=body,
                        headers={"Content-Type": content_type})
    assert answer.status_code == 400
    assert receiver.take() == [] and why in receiver.rejected[-1]


def test_only_loopback_addresses_are_listened_on() -> None:
    assert parse_address("127.0.0.1:4318") == ("127.0.0.1", 4318)
    assert parse_address("4319") == ("127.0.0.1", 4319)
    assert parse_address("localhost:0") == ("127.0.0.1", 0)
    for text in ("0.0.0.0:4318", "192.168.1.5:4318", "example.com:4318", "127.0.0.1:x",
                 "127.0.0.1:70000"):
        with pytest.raises(OtlpError):
            parse_address(text)


def test_a_taken_port_is_a_clear_error(receiver: OtlpReceiver) -> None:
    port = int(receiver.endpoint.rsplit(":", 1)[1])
    with pytest.raises(OtlpError, match=f"cannot listen for OTLP on 127.0.0.1:{port}.*--otlp"), \
            OtlpReceiver(("127.0.0.1", port)):
        pass


def test_old_and_new_semantic_convention_names_say_the_same() -> None:
    from inkproof.runtime.otlp import SpanRecord

    def span(kind: str, **attributes: object) -> SpanRecord:
        return SpanRecord("svc", "t" * 32, "s" * 16, "", "n", kind, 1, 2, attributes)

    old = span("server", **{"http.method": "PUT", "http.target": "/item/4?x=1",
                            "http.status_code": 204})
    new = span("server", **{"http.request.method": "PUT", "url.path": "/item/4",
                            "http.response.status_code": 204})
    assert http_server(old) == http_server(new)
    assert http_server(span("client", **{"http.method": "GET"})) is None
    assert sql_kind(span("client", **{"db.system": "postgresql",
                                      "db.statement": "/* app */ select 1"})) == "SELECT"
    assert sql_kind(span("client", **{"db.system.name": "sqlite",
                                      "db.query.text": "START TRANSACTION"})) == "BEGIN"
    assert sql_kind(span("client", **{"db.system": "redis", "db.statement": "GET k"})) is None
    js = span("client", **{"db.system": "redis",
                           "db.statement": "set cache:key:7 [1 other arguments]"})
    assert redis_words(js) == ("SET", "cache:key:7")
    kafka_old = span("producer", **{"messaging.system": "kafka",
                                    "messaging.operation": "publish",
                                    "messaging.destination": "orders"})
    kafka_new = span("producer", **{"messaging.system": "kafka",
                                    "messaging.operation.type": "send",
                                    "messaging.destination.name": "orders"})
    assert messaging(kafka_old) == messaging(kafka_new)
    assert messaging(span("consumer", **{"messaging.system": "rabbitmq",
                                         "messaging.operation.type": "process"})
                     ).direction == "consume"


def test_decode_names_what_it_expected() -> None:
    with pytest.raises(ValueError, match="expected application/x-protobuf or "
                                         "application/json"):
        decode(b"", "application/xml")
